//===- LinalgBuilder.h - helpers for the tcc-to-linalg lowerings -*- C++ -*-===//
//
// The lowerings build a few shapes of linalg op again and again: a map over
// an output with inputs read through affine maps, a reduction into a filled
// accumulator, an element read at a computed index. These helpers keep each
// op's lowering to the arithmetic that defines it.
//
// Narrow floats (f16, bf16) are computed in f32 and rounded once per op, as
// the evaluator does: `widen` and `narrow` convert at the edges.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_CONVERSION_TCCTOLINALG_LINALGBUILDER_H
#define TCC_LIB_CONVERSION_TCCTOLINALG_LINALGBUILDER_H

#include "tcc/Conversion/TccToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::tcc::lowering {

using BodyFn =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange /*args*/)>;

class LinalgBuilder {
public:
  LinalgBuilder(OpBuilder &builder, Location loc, Value status)
      : b(builder), loc(loc), status(status) {}

  OpBuilder &b;
  Location loc;
  /// memref<1xi32> receiving KernelError codes, or null.
  Value status;

  Value empty(ArrayRef<int64_t> shape, Type elementType);
  /// A tensor of `shape` filled with `value` (converted to elementType).
  Value filled(ArrayRef<int64_t> shape, TypedAttr value);

  /// result[i] = body(inputs[k][maps[k](i)]...): all loops parallel, the
  /// output indexed by the identity.
  Value map(RankedTensorType resultType, ValueRange inputs,
            ArrayRef<AffineMap> maps, BodyFn body);
  /// `map` with every input indexed like the result.
  Value mapSameShape(RankedTensorType resultType, ValueRange inputs,
                     BodyFn body);

  /// Reduces `input` over the sorted `dims` into a tensor of the other
  /// dimensions (accumulator type `accType`), starting from `init` and
  /// folding each element with combine(b, loc, element, accumulator).
  /// `prologue`, when given, computes the element from `input` and
  /// `extraInputs`, read through `extraMaps` (the identity when empty; a
  /// reduced tensor is read through dropDims(rank, dims)).
  Value reduce(Value input, ArrayRef<int64_t> dims, TypedAttr init,
               llvm::function_ref<Value(OpBuilder &, Location, Value, Value)>
                   combine,
               ValueRange extraInputs = {}, ArrayRef<AffineMap> extraMaps = {},
               BodyFn prologue = nullptr);

  /// The identity map of `rank` loops.
  AffineMap identity(unsigned rank) const;
  /// The map of `rank` loops that drops the loops in `dims` (sorted): how a
  /// reduced tensor is read inside the loops it was reduced from.
  AffineMap dropDims(unsigned rank, ArrayRef<int64_t> dims) const;

  /// Stores `code` in the status buffer when `condition` holds (nothing
  /// without a status buffer).
  void reportIf(OpBuilder &nested, Location nestedLoc, Value condition,
                KernelError code) const;

  Value cast(Value v, RankedTensorType to);
};

/// f32 for f16 and bf16, the type itself otherwise.
Type computeType(Type elementType);
Value widen(OpBuilder &b, Location loc, Value v);
Value narrow(OpBuilder &b, Location loc, Value v, Type elementType);
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);
Value intConstant(OpBuilder &b, Location loc, Type type, int64_t value);
Value indexConstant(OpBuilder &b, Location loc, int64_t value);
/// Converts a scalar between any two of tcc's element types with the
/// evaluator's semantics (float->int truncates toward zero; i1 is x != 0).
Value convertScalar(OpBuilder &b, Location loc, Value v, Type to,
                    const LinalgBuilder *reporter = nullptr);

/// Reductions may reassociate their adds and products, so that they
/// vectorize.
arith::FastMathFlagsAttr reassociable(OpBuilder &b);
/// acc + x for floats (reassociable) and integers (wrapping).
Value addOf(OpBuilder &b, Location loc, Value x, Value acc);

/// Element types and shapes.
inline RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// One lowering: emits the op's results.
using LowerFn = std::function<LogicalResult(
    LinalgBuilder &, Operation *, ValueRange, SmallVectorImpl<Value> &)>;
using LoweringTable = llvm::StringMap<LowerFn>;

template <typename OpTy, typename Fn>
void addLowering(LoweringTable &table, Fn fn) {
  table[OpTy::getOperationName()] =
      [fn](LinalgBuilder &lb, Operation *op, ValueRange operands,
           SmallVectorImpl<Value> &results) -> LogicalResult {
    return fn(lb, cast<OpTy>(op), operands, results);
  };
}

void registerElementwiseLowerings(LoweringTable &table);
void registerShapeLowerings(LoweringTable &table);
void registerReductionLowerings(LoweringTable &table);
void registerNNLowerings(LoweringTable &table);

} // namespace mlir::tcc::lowering

#endif // TCC_LIB_CONVERSION_TCCTOLINALG_LINALGBUILDER_H
