//===- TccDialect.cpp - the tcc dialect and its contract attributes -------===//

#include "tcc/Dialect/Tcc/IR/TccDialect.h"

#include "tcc/Dialect/Tcc/IR/Sharding.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include "CustomDirectives.h"

using namespace mlir;
using namespace mlir::tcc;

#include "tcc/Dialect/Tcc/IR/TccOpsDialect.cpp.inc"

void TccDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "tcc/Dialect/Tcc/IR/TccOps.cpp.inc"
      >();
}

Operation *TccDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

//===----------------------------------------------------------------------===//
// Contract attributes (docs/contract.md)
//===----------------------------------------------------------------------===//

namespace {

constexpr StringLiteral kArgumentRoles[] = {"input", "parameter", "buffer",
                                            "optimizer_state"};
constexpr StringLiteral kResultRoles[] = {"output", "loss", "parameter",
                                          "buffer", "optimizer_state",
                                          "gradient", "probe"};

LogicalResult verifyValueAttr(Operation *op, NamedAttribute attr, Type type,
                              ArrayRef<StringLiteral> roles, StringRef what) {
  StringRef name = attr.getName().getValue();
  if (name == attrs::kName) {
    auto value = dyn_cast<StringAttr>(attr.getValue());
    if (!value || value.getValue().empty())
      return op->emitError() << "'" << name << "' on a function " << what
                             << " must be a non-empty string";
    return success();
  }
  if (name == attrs::kRole) {
    auto value = dyn_cast<StringAttr>(attr.getValue());
    if (!value || !llvm::is_contained(roles, value.getValue())) {
      std::string allowed;
      llvm::raw_string_ostream os(allowed);
      llvm::interleaveComma(roles, os);
      return op->emitError() << "'" << name << "' on a function " << what
                             << " must be one of " << allowed << ", got "
                             << attr.getValue();
    }
    return success();
  }
  if (name == attrs::kUserShape) {
    auto shape = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!shape || !tensor || !op->hasAttr(attrs::kMesh))
      return op->emitError() << "'" << name
                             << "' must be an array of i64 on a tensor "
                             << what << " of a per-device function";
    // The user's tensor holds the global one: whole shards of this one.
    int64_t elements = 1;
    for (int64_t size : shape.asArrayRef()) {
      if (size < 0)
        return op->emitError() << "'" << name << "' has a negative size";
      elements *= size;
    }
    int64_t local = tensor.getNumElements();
    if (local == 0 ? elements != 0 : elements % local != 0)
      return op->emitError()
             << "'" << name << "' of " << elements
             << " elements cannot hold whole shards of the " << what << "'s "
             << tensor;
    return success();
  }
  if (name == attrs::kSharding) {
    auto sharding = dyn_cast<ShardingAttr>(attr.getValue());
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!sharding || !tensor)
      return op->emitError() << "'" << name
                             << "' must be a #tcc.sharding on a tensor "
                             << what;
    MeshOp mesh = lookupMesh(op, sharding.getMesh());
    if (!mesh)
      return op->emitError() << "'" << name << "' references unknown mesh "
                             << sharding.getMesh();
    auto error = [&](const Twine &message) {
      op->emitError() << "'" << name << "' on a function " << what << ": "
                      << message;
    };
    if (failed(verifyFunctionMesh(op, sharding.getMesh(), error)))
      return failure();
    // In a per-device function the declared type is one device's shard of
    // the global tensor that the sharding describes.
    return verifySharding(sharding, tensor, mesh, error,
                          /*isShard=*/op->hasAttr(attrs::kMesh));
  }
  return op->emitError() << "unknown tcc attribute '" << name
                         << "' on a function " << what;
}

} // namespace

LogicalResult TccDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  if (attr.getName() == attrs::kWhy) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'" << attrs::kWhy
                             << "' must be a string saying why the op is there";
    return success();
  }
  if (attr.getName() == attrs::kNoGradient) {
    if (!isa<UnitAttr>(attr.getValue()))
      return op->emitError() << "'" << attrs::kNoGradient
                             << "' must be a unit attribute";
    return success();
  }
  if (attr.getName() != attrs::kMesh)
    return op->emitError() << "unknown tcc attribute '"
                           << attr.getName().getValue() << "' on an operation";
  auto meshRef = dyn_cast<FlatSymbolRefAttr>(attr.getValue());
  if (!meshRef || !isa<FunctionOpInterface>(op))
    return op->emitError() << "'" << attrs::kMesh
                           << "' must be a mesh symbol on a function";
  if (!lookupMesh(op, meshRef))
    return op->emitError() << "'" << attrs::kMesh
                           << "' references unknown mesh " << meshRef;
  return success();
}

LogicalResult TccDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function)
    return op->emitError() << "tcc argument attributes belong on functions";
  return verifyValueAttr(op, attr, function.getArgumentTypes()[argIndex],
                         kArgumentRoles, "argument");
}

LogicalResult TccDialect::verifyRegionResultAttribute(Operation *op, unsigned,
                                                      unsigned resultIndex,
                                                      NamedAttribute attr) {
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function)
    return op->emitError() << "tcc result attributes belong on functions";
  return verifyValueAttr(op, attr, function.getResultTypes()[resultIndex],
                         kResultRoles, "result");
}

#define GET_OP_CLASSES
#include "tcc/Dialect/Tcc/IR/TccOps.cpp.inc"
