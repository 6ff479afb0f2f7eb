//===- TccBase.td - tcc dialect, type constraints and enums -*- tablegen -*-===//
//
// The tcc dialect: a tensor-graph IR on builtin ranked tensors with static
// shapes. Frontends produce it, the training, distribution and fusion passes
// transform it, and the reference evaluator defines what it computes.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_DIALECT_TCC_IR_TCCBASE_TD
#define TCC_DIALECT_TCC_IR_TCCBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Tcc_Dialect : Dialect {
  let name = "tcc";
  let cppNamespace = "::mlir::tcc";
  let summary = "A tensor-graph dialect for training on many devices";
  let description = [{
    `tcc` describes a model as a graph of tensor operations on builtin ranked
    tensors with static shapes. Element types are `f64`, `f32`, `f16`,
    `bf16`, `i64`, `i32` and `i1`. Arithmetic follows NumPy/PyTorch
    semantics; elementwise ops take operands of one type (broadcasting is an
    explicit `tcc.broadcast`), so every pass sees each data movement.

    The dialect also carries the vocabulary of distribution: device meshes
    with named axes (`tcc.mesh`), shardings with partial sums
    (`#tcc.sharding`), collectives over mesh axes and point-to-point
    transfers between pipeline stages (`tcc.stage`).

    Example:

    ```mlir
    func.func @forward(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>) -> tensor<8x4xf32> {
      %y = tcc.matmul %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
      %r = tcc.relu %y : tensor<8x4xf32>
      return %r : tensor<8x4xf32>
    }
    ```
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Tcc_FloatElement : AnyTypeOf<[F64, F32, F16, BF16]>;
def Tcc_IntElement : AnyTypeOf<[I64, I32]>;

// Every tensor tcc accepts has a static shape of at most 2^40 elements, so
// that element counts and byte sizes never overflow anywhere downstream.
def Tcc_BoundedSize : CPred<
    "::mlir::tcc::hasBoundedSize(::llvm::cast<::mlir::ShapedType>($_self))">;

class Tcc_TensorOf<list<Type> types>
    : Type<And<[StaticShapeTensorOf<types>.predicate, Tcc_BoundedSize]>,
           StaticShapeTensorOf<types>.summary # " of at most 2^40 elements",
           "::mlir::RankedTensorType">;

def Tcc_Tensor : Tcc_TensorOf<[F64, F32, F16, BF16, I64, I32, I1]>;
def Tcc_NumericTensor : Tcc_TensorOf<[F64, F32, F16, BF16, I64, I32]>;
def Tcc_FloatTensor : Tcc_TensorOf<[F64, F32, F16, BF16]>;
def Tcc_IntTensor : Tcc_TensorOf<[I64, I32]>;
def Tcc_BoolTensor : Tcc_TensorOf<[I1]>;
def Tcc_SeedTensor : 0DTensorOf<[I64]>;
def Tcc_FloatScalarTensor : 0DTensorOf<[F64, F32, F16, BF16]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Tcc_CompareDirectionAttr : I32EnumAttr<"CompareDirection",
    "comparison predicate of tcc.compare", [
      I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
      I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
      I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::mlir::tcc";
}

def Tcc_ReduceKindAttr : I32EnumAttr<"ReduceKind",
    "reduction computed by tcc.reduce", [
      I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
      I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
      I32EnumAttrCase<"prod", 4>]> {
  let cppNamespace = "::mlir::tcc";
}

def Tcc_CollectiveKindAttr : I32EnumAttr<"CollectiveKind",
    "reduction applied by a collective, or pending in a partial sharding", [
      I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"avg", 1>,
      I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>]> {
  let cppNamespace = "::mlir::tcc";
}

def Tcc_GeluApproximationAttr : I32EnumAttr<"GeluApproximation",
    "approximation used by tcc.gelu", [
      I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"tanh", 1>]> {
  let cppNamespace = "::mlir::tcc";
}

#endif // TCC_DIALECT_TCC_IR_TCCBASE_TD
