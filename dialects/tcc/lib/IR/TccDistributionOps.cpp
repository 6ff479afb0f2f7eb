//===- TccDistributionOps.cpp - meshes, collectives and stages ------------===//

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "tcc/Dialect/Tcc/IR/ShapeInference.h"
#include "tcc/Dialect/Tcc/IR/Sharding.h"

#include "CustomDirectives.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::tcc;

//===----------------------------------------------------------------------===//
// Mesh
//===----------------------------------------------------------------------===//

/// Parses `(dp = 4, tp = 2)`; `()` is a mesh of one device.
ParseResult mlir::tcc::parseMeshAxes(OpAsmParser &parser, ArrayAttr &names,
                                 DenseI64ArrayAttr &sizes) {
  SmallVector<Attribute> nameAttrs;
  SmallVector<int64_t> sizeValues;
  auto parseAxis = [&]() -> ParseResult {
    std::string name;
    int64_t size;
    if (parser.parseKeywordOrString(&name) || parser.parseEqual() ||
        parser.parseInteger(size))
      return failure();
    nameAttrs.push_back(parser.getBuilder().getStringAttr(name));
    sizeValues.push_back(size);
    return success();
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Paren, parseAxis))
    return failure();
  names = parser.getBuilder().getArrayAttr(nameAttrs);
  sizes = parser.getBuilder().getDenseI64ArrayAttr(sizeValues);
  return success();
}

void mlir::tcc::printMeshAxes(OpAsmPrinter &printer, Operation *, ArrayAttr names,
                          DenseI64ArrayAttr sizes) {
  printer << "(";
  for (auto [i, name] : llvm::enumerate(names.getAsValueRange<StringAttr>())) {
    if (i)
      printer << ", ";
    printer.printKeywordOrString(name);
    printer << " = " << sizes[i];
  }
  printer << ")";
}

LogicalResult MeshOp::verify() {
  if (getAxisNames().size() != getAxisSizes().size())
    return emitOpError("has ") << getAxisNames().size() << " axis names but "
                               << getAxisSizes().size() << " sizes";
  llvm::StringSet<> seen;
  int64_t devices = 1;
  for (auto [name, size] : llvm::zip(getAxisNames().getAsValueRange<StringAttr>(),
                                     getAxisSizes())) {
    if (name.empty())
      return emitOpError("axis names must not be empty");
    if (!seen.insert(name).second)
      return emitOpError("axis '") << name << "' is declared twice";
    if (size < 1)
      return emitOpError("axis '") << name << "' must have size >= 1, got "
                                   << size;
    if (devices > (int64_t(1) << 20) / size)
      return emitOpError("has more than 2^20 devices");
    devices *= size;
  }
  return success();
}

int64_t MeshOp::getNumDevices() {
  int64_t n = 1;
  for (int64_t size : getAxisSizes())
    n *= size;
  return n;
}

std::optional<unsigned> MeshOp::getAxisIndex(StringRef name) {
  for (auto [i, axis] : llvm::enumerate(getAxisNames().getAsValueRange<StringAttr>()))
    if (axis == name)
      return i;
  return std::nullopt;
}

SmallVector<int64_t> MeshOp::getCoordinates(int64_t rank) {
  ArrayRef<int64_t> sizes = getAxisSizes();
  SmallVector<int64_t> coordinates(sizes.size());
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    coordinates[d] = rank % sizes[d];
    rank /= sizes[d];
  }
  return coordinates;
}

std::optional<int64_t> MeshOp::getAxisSize(StringRef name) {
  if (std::optional<unsigned> index = getAxisIndex(name))
    return getAxisSizes()[*index];
  return std::nullopt;
}

MeshOp mlir::tcc::lookupMesh(Operation *from, FlatSymbolRefAttr meshRef,
                             SymbolTableCollection *symbolTables) {
  if (!meshRef)
    return {};
  if (symbolTables)
    return symbolTables->lookupNearestSymbolFrom<MeshOp>(from, meshRef);
  return SymbolTable::lookupNearestSymbolFrom<MeshOp>(from, meshRef);
}

//===----------------------------------------------------------------------===//
// Symbol uses: every reference to a mesh is checked where the mesh is known.
//===----------------------------------------------------------------------===//

namespace {

auto opError(Operation *op) {
  return [op](const Twine &message) { op->emitOpError() << message; };
}

/// Resolves `meshRef` and checks `axes` against it; returns the group size.
FailureOr<int64_t> verifyGroup(Operation *op, SymbolTableCollection &tables,
                               FlatSymbolRefAttr meshRef, ArrayAttr axes) {
  MeshOp mesh = lookupMesh(op, meshRef, &tables);
  if (!mesh)
    return op->emitOpError("references unknown mesh ") << meshRef;
  if (failed(verifyFunctionMesh(op, meshRef, opError(op))))
    return failure();
  if (axes.empty())
    return op->emitOpError("needs at least one mesh axis");
  llvm::StringSet<> seen;
  int64_t groupSize = 1;
  for (StringRef axis : axes.getAsValueRange<StringAttr>()) {
    std::optional<int64_t> size = mesh.getAxisSize(axis);
    if (!size)
      return op->emitOpError("mesh ")
             << meshRef << " has no axis '" << axis << "'";
    if (!seen.insert(axis).second)
      return op->emitOpError("axis '") << axis << "' is listed twice";
    groupSize *= *size;
  }
  return groupSize;
}

/// Checks that the declared result shape equals the one the rule computes.
LogicalResult verifyResultShape(Operation *op, FailureOr<shape::Shape> expected,
                                RankedTensorType result) {
  if (failed(expected))
    return failure();
  if (result.getShape() != ArrayRef<int64_t>(*expected)) {
    std::string s;
    llvm::raw_string_ostream os(s);
    llvm::interleaveComma(*expected, os);
    return op->emitOpError("result shape must be [") << s << "], got "
                                                      << result;
  }
  return success();
}

} // namespace

LogicalResult AnnotateOp::verifySymbolUses(SymbolTableCollection &tables) {
  MeshOp mesh = lookupMesh(*this, getSharding().getMesh(), &tables);
  if (!mesh)
    return emitOpError("references unknown mesh ") << getSharding().getMesh();
  if (failed(verifyFunctionMesh(*this, getSharding().getMesh(),
                                opError(*this))))
    return failure();
  return verifySharding(getSharding(), getType(), mesh, opError(*this));
}

LogicalResult DropoutOp::verifySymbolUses(SymbolTableCollection &tables) {
  ShardingAttr sharding = getShardingAttr();
  if (!sharding)
    return success();
  MeshOp mesh = lookupMesh(*this, sharding.getMesh(), &tables);
  if (!mesh)
    return emitOpError("references unknown mesh ") << sharding.getMesh();
  if (failed(verifyFunctionMesh(*this, sharding.getMesh(), opError(*this))))
    return failure();
  // The operand is one shard: check the sharding against the global type.
  RankedTensorType local = getType();
  if (failed(verifySharding(sharding, local, mesh, opError(*this),
                            /*isShard=*/true)))
    return failure();
  return success();
}

LogicalResult AllReduceOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyGroup(*this, tables, getMeshAttr(), getAxes());
}

LogicalResult AllGatherOp::verifySymbolUses(SymbolTableCollection &tables) {
  FailureOr<int64_t> n = verifyGroup(*this, tables, getMeshAttr(), getAxes());
  if (failed(n))
    return failure();
  if (getOperand().getType().getElementType() != getType().getElementType())
    return emitOpError("result element type must match the operand's");
  return verifyResultShape(
      *this,
      shape::allGatherShape(getOperand().getType().getShape(), getDim(), *n,
                            opError(*this)),
      getType());
}

namespace {
/// reduce_scatter and all_slice: each device of the group keeps one of n
/// equal slices of the operand along `dim`.
template <typename OpTy>
LogicalResult verifySlicing(OpTy op, SymbolTableCollection &tables) {
  FailureOr<int64_t> n = verifyGroup(op, tables, op.getMeshAttr(), op.getAxes());
  if (failed(n))
    return failure();
  if (op.getOperand().getType().getElementType() !=
      op.getType().getElementType())
    return op.emitOpError("result element type must match the operand's");
  return verifyResultShape(
      op,
      shape::reduceScatterShape(op.getOperand().getType().getShape(),
                                op.getDim(), *n, opError(op)),
      op.getType());
}
} // namespace

LogicalResult ReduceScatterOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifySlicing(*this, tables);
}

LogicalResult AllSliceOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifySlicing(*this, tables);
}

LogicalResult AllToAllOp::verifySymbolUses(SymbolTableCollection &tables) {
  FailureOr<int64_t> n = verifyGroup(*this, tables, getMeshAttr(), getAxes());
  if (failed(n))
    return failure();
  if (getOperand().getType().getElementType() != getType().getElementType())
    return emitOpError("result element type must match the operand's");
  return verifyResultShape(
      *this,
      shape::allToAllShape(getOperand().getType().getShape(), getSplitDim(),
                           getConcatDim(), *n, opError(*this)),
      getType());
}

LogicalResult
CollectiveBroadcastOp::verifySymbolUses(SymbolTableCollection &tables) {
  FailureOr<int64_t> n = verifyGroup(*this, tables, getMeshAttr(), getAxes());
  if (failed(n))
    return failure();
  int64_t root = getRoot();
  if (root < 0 || root >= *n)
    return emitOpError("root ") << root << " is not a position in a group of "
                                << *n << " devices";
  return success();
}

namespace {
/// Checks a point-to-point peer coordinate along `axis`.
LogicalResult verifyPeer(Operation *op, SymbolTableCollection &tables,
                         FlatSymbolRefAttr meshRef, StringRef axis,
                         int64_t peer) {
  auto axes = ArrayAttr::get(op->getContext(),
                             {StringAttr::get(op->getContext(), axis)});
  FailureOr<int64_t> n = verifyGroup(op, tables, meshRef, axes);
  if (failed(n))
    return failure();
  if (peer < 0 || peer >= *n)
    return op->emitOpError("peer ") << peer << " is out of range for axis '"
                                    << axis << "' of size " << *n;
  return success();
}
} // namespace

LogicalResult SendOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyPeer(*this, tables, getMeshAttr(), getAxis(),
                    static_cast<int64_t>(getPeer()));
}

LogicalResult RecvOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyPeer(*this, tables, getMeshAttr(), getAxis(),
                    static_cast<int64_t>(getPeer()));
}

LogicalResult StageOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyPeer(*this, tables, getMeshAttr(), getAxis(),
                    static_cast<int64_t>(getIndex()));
}

LogicalResult StageOp::verifyRegions() {
  Block &body = getBody().front();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with tcc.yield");
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ")
           << yield.getValues().size()
           << " values whose types differ from the stage's result types";
  if (body.getNumArguments() != 0)
    return emitOpError("body must not have arguments");
  return success();
}
