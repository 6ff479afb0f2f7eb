//===- TccAttrs.cpp - #tcc.sharding ---------------------------------------===//

#include "tcc/Dialect/Tcc/IR/Sharding.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace mlir::tcc;

#include "tcc/Dialect/Tcc/IR/TccEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "tcc/Dialect/Tcc/IR/TccAttrs.cpp.inc"

void TccDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "tcc/Dialect/Tcc/IR/TccAttrs.cpp.inc"
      >();
}

/// `<@mesh, [["a"], [], ["b", "c"]] (, partial = sum ["d"])?>`
Attribute ShardingAttr::parse(AsmParser &parser, Type) {
  FlatSymbolRefAttr mesh;
  ArrayAttr dims;
  ArrayAttr partialAxes = parser.getBuilder().getArrayAttr({});
  CollectiveKind kind = CollectiveKind::sum;
  if (parser.parseLess() || parser.parseAttribute(mesh) ||
      parser.parseComma() || parser.parseAttribute(dims))
    return {};
  if (succeeded(parser.parseOptionalComma())) {
    StringRef keyword;
    SMLoc kindLoc;
    if (parser.parseKeyword("partial") || parser.parseEqual() ||
        parser.getCurrentLocation(&kindLoc) || parser.parseKeyword(&keyword))
      return {};
    std::optional<CollectiveKind> parsed = symbolizeCollectiveKind(keyword);
    if (!parsed) {
      parser.emitError(kindLoc, "expected sum, avg, max or min, got '")
          << keyword << "'";
      return {};
    }
    kind = *parsed;
    if (parser.parseAttribute(partialAxes))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<ShardingAttr>(parser.getContext(), mesh, dims,
                                         partialAxes, kind);
}

void ShardingAttr::print(AsmPrinter &printer) const {
  printer << "<" << getMesh() << ", " << getDims();
  if (!getPartialAxes().empty())
    printer << ", partial = " << stringifyCollectiveKind(getPartialKind())
            << " " << getPartialAxes();
  printer << ">";
}

LogicalResult
ShardingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                     FlatSymbolRefAttr mesh, ArrayAttr dims,
                     ArrayAttr partialAxes, CollectiveKind) {
  if (!mesh)
    return emitError() << "sharding needs a mesh";
  llvm::StringSet<> seen;
  auto checkAxis = [&](Attribute axis) -> LogicalResult {
    auto name = dyn_cast<StringAttr>(axis);
    if (!name)
      return emitError() << "sharding axes must be strings, got " << axis;
    if (!seen.insert(name.getValue()).second)
      return emitError() << "sharding uses mesh axis '" << name.getValue()
                         << "' more than once";
    return success();
  };
  for (Attribute dim : dims) {
    auto axes = dyn_cast<ArrayAttr>(dim);
    if (!axes)
      return emitError()
             << "sharding needs a list of axes for every dimension, got "
             << dim;
    for (Attribute axis : axes)
      if (failed(checkAxis(axis)))
        return failure();
  }
  for (Attribute axis : partialAxes)
    if (failed(checkAxis(axis)))
      return failure();
  return success();
}

SmallVector<StringRef> ShardingAttr::getDimAxes(unsigned dim) const {
  return llvm::to_vector(
      cast<ArrayAttr>(getDims()[dim]).getAsValueRange<StringAttr>());
}

SmallVector<StringRef> ShardingAttr::getPartialAxisNames() const {
  return llvm::to_vector(getPartialAxes().getAsValueRange<StringAttr>());
}

bool ShardingAttr::isFullyReplicated() const {
  return getPartialAxes().empty() &&
         llvm::all_of(getDims(), [](Attribute dim) {
           return cast<ArrayAttr>(dim).empty();
         });
}

SmallVector<int64_t> mlir::tcc::shardCounts(ShardingAttr sharding,
                                            MeshOp mesh) {
  SmallVector<int64_t> counts;
  for (unsigned d = 0, e = sharding.getDims().size(); d < e; ++d) {
    int64_t n = 1;
    for (StringRef axis : sharding.getDimAxes(d))
      n *= mesh.getAxisSize(axis).value_or(1);
    counts.push_back(n);
  }
  return counts;
}

FailureOr<shape::Shape> mlir::tcc::globalShape(ArrayRef<int64_t> local,
                                               ShardingAttr sharding,
                                               MeshOp mesh,
                                               shape::ErrorFn error) {
  if (local.size() != sharding.getDims().size()) {
    error("sharding has " + Twine(sharding.getDims().size()) +
          " dimensions but the tensor has rank " + Twine(local.size()));
    return failure();
  }
  shape::Shape global(local.begin(), local.end());
  for (auto [d, n] : llvm::enumerate(shardCounts(sharding, mesh))) {
    // Shards are at most 2^40 elements and meshes 2^20 devices, so the
    // product cannot overflow; numElements below bounds the result.
    if (global[d] < 0) {
      error("a sharded tensor needs a static shape");
      return failure();
    }
    global[d] *= n;
  }
  if (failed(shape::numElements(global, error)))
    return failure();
  return global;
}

SmallVector<int64_t> mlir::tcc::shardIndex(ShardingAttr sharding, MeshOp mesh,
                                           ArrayRef<int64_t> coordinates) {
  SmallVector<int64_t> index;
  for (unsigned d = 0, e = sharding.getDims().size(); d < e; ++d) {
    int64_t position = 0;
    for (StringRef axis : sharding.getDimAxes(d)) {
      unsigned i = *mesh.getAxisIndex(axis);
      position = position * mesh.getAxisSizes()[i] + coordinates[i];
    }
    index.push_back(position);
  }
  return index;
}

LogicalResult mlir::tcc::verifyFunctionMesh(Operation *op,
                                            FlatSymbolRefAttr meshRef,
                                            shape::ErrorFn error) {
  Operation *function = isa<FunctionOpInterface>(op)
                            ? op
                            : op->getParentOfType<FunctionOpInterface>();
  auto functionMesh =
      function ? function->getAttrOfType<FlatSymbolRefAttr>(attrs::kMesh)
               : FlatSymbolRefAttr();
  if (!functionMesh || functionMesh == meshRef)
    return success();
  error("names mesh @" + meshRef.getValue() +
        ", but its per-device function runs on mesh @" +
        functionMesh.getValue());
  return failure();
}

LogicalResult mlir::tcc::verifySharding(ShardingAttr sharding,
                                        RankedTensorType type, MeshOp mesh,
                                        shape::ErrorFn error, bool isShard) {
  if (!type.hasStaticShape()) {
    error("a sharded tensor needs a static shape");
    return failure();
  }
  if (static_cast<int64_t>(sharding.getDims().size()) != type.getRank()) {
    error("sharding has " + Twine(sharding.getDims().size()) +
          " dimensions but the tensor has rank " + Twine(type.getRank()));
    return failure();
  }
  auto checkKnown = [&](StringRef axis) {
    if (mesh.getAxisSize(axis))
      return success();
    error("sharding names axis '" + axis + "', which mesh @" +
          mesh.getSymName() + " does not have");
    return failure();
  };
  for (unsigned d = 0; d < sharding.getDims().size(); ++d)
    for (StringRef axis : sharding.getDimAxes(d))
      if (failed(checkKnown(axis)))
        return failure();
  for (StringRef axis : sharding.getPartialAxisNames())
    if (failed(checkKnown(axis)))
      return failure();
  // A shard always divides its global tensor, which must still be a tensor
  // tcc can hold.
  if (isShard)
    return globalShape(type.getShape(), sharding, mesh, error);
  return shape::shardShape(type.getShape(), shardCounts(sharding, mesh),
                           error);
}
