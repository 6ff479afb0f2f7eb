//===- TccOps.td - tcc compute operations ------------------*- tablegen -*-===//
//
// The compute ops of the tcc dialect. Each description states what the op
// computes; the reference evaluator (lib/Interpreter) implements exactly that.
// Ops whose result type follows from operands and attributes infer it through
// the shape library (ShapeInference.h); that inference is also their verifier.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_DIALECT_TCC_IR_TCCOPS_TD
#define TCC_DIALECT_TCC_IR_TCCOPS_TD

include "tcc/Dialect/Tcc/IR/TccBase.td"
include "tcc/Dialect/Tcc/IR/TccAttrs.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpBase.td"

class Tcc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tcc_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Constants and generators
//===----------------------------------------------------------------------===//

def Tcc_ConstantOp : Tcc_Op<"constant",
    [ConstantLike, Pure, InferTypeOpAdaptor]> {
  let summary = "A tensor constant";
  let description = [{
    Produces the tensor held by `value`, a dense elements attribute whose type
    is the result type.

    ```mlir
    %c = tcc.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def Tcc_IotaOp : Tcc_Op<"iota", [Pure]> {
  let summary = "Indices along one dimension";
  let description = [{
    `result[i0, ..., in] = i_dim`, converted to the result's element type.
    With `torch.arange` semantics for a rank-1 result.

    ```mlir
    %i = tcc.iota dim = 0 : tensor<4x3xi64>
    ```
  }];
  let arguments = (ins I64Attr:$dim);
  let results = (outs Tcc_NumericTensor:$result);
  let assemblyFormat = "`dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tcc_DropoutOp : Tcc_Op<"dropout",
    [Pure, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Zeroes elements with probability `rate`, scales the rest";
  let description = [{
    `result[i] = keep(i) ? input[i] / (1 - rate) : 0` (PyTorch's inverted
    dropout). `keep(i)` draws from Philox-4x32-10 keyed by the 0-d `seed`
    operand, counted by (global element index `i`, `stream`): the first
    32-bit output word `w` gives `u = (w >> 8) * 2^-24` and `keep = u >= rate`.
    `stream` distinguishes the dropout ops of one graph and must be unique
    per function. The backward pass regenerates the mask instead of storing
    it.

    In a per-device function, `sharding` (set by the SPMD partitioner) says
    how the operand is one shard of a global tensor; `i` is then the
    element's row-major index in the global tensor, so every device, every
    backend and the evaluator draw the same mask for the same element as the
    single-device program does.

    ```mlir
    %y = tcc.dropout %x, %seed {rate = 0.1 : f64, stream = 3 : i64}
        : tensor<8x16xf32>, tensor<i64>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$input, Tcc_SeedTensor:$seed,
                       F64Attr:$rate, I64Attr:$stream,
                       OptionalAttr<Tcc_ShardingAttr>:$sharding);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat =
      "$input `,` $seed attr-dict `:` type($input) `,` type($seed)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Tcc_UnaryOp<string mnemonic, Type type, string formula,
                  list<Trait> traits = []>
    : Tcc_Op<mnemonic, traits # [Pure, Elementwise,
                                 SameOperandsAndResultType]> {
  let summary = "Elementwise " # mnemonic;
  let description = "Computes `" # formula # "` for every element.\n\n" #
      "```mlir\n%y = tcc." # mnemonic # " %x : tensor<4x8xf32>\n```";
  let arguments = (ins type:$operand);
  let results = (outs type:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

def Tcc_NegOp : Tcc_UnaryOp<"neg", Tcc_NumericTensor, "-x">;
def Tcc_AbsOp : Tcc_UnaryOp<"abs", Tcc_NumericTensor, "|x|">;
def Tcc_ExpOp : Tcc_UnaryOp<"exp", Tcc_FloatTensor, "e^x">;
def Tcc_LogOp : Tcc_UnaryOp<"log", Tcc_FloatTensor, "ln(x)">;
def Tcc_SqrtOp : Tcc_UnaryOp<"sqrt", Tcc_FloatTensor, "sqrt(x)">;
def Tcc_RsqrtOp : Tcc_UnaryOp<"rsqrt", Tcc_FloatTensor, "1 / sqrt(x)">;
def Tcc_TanhOp : Tcc_UnaryOp<"tanh", Tcc_FloatTensor, "tanh(x)">;
def Tcc_ErfOp : Tcc_UnaryOp<"erf", Tcc_FloatTensor, "erf(x)">;
def Tcc_SigmoidOp : Tcc_UnaryOp<"sigmoid", Tcc_FloatTensor, "1 / (1 + e^-x)">;
def Tcc_ReluOp : Tcc_UnaryOp<"relu", Tcc_NumericTensor, "max(x, 0)">;
def Tcc_SiluOp : Tcc_UnaryOp<"silu", Tcc_FloatTensor, "x * sigmoid(x)">;

def Tcc_GeluOp : Tcc_Op<"gelu", [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "Elementwise GELU, exact or with the tanh approximation";
  let description = [{
    `approximate = none` (the default): `0.5 x (1 + erf(x / sqrt(2)))`.
    `approximate = tanh`: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    These are PyTorch's `gelu(x, approximate='none'|'tanh')`.

    ```mlir
    %y = tcc.gelu %x approximate = tanh : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$operand,
      DefaultValuedAttr<Tcc_GeluApproximationAttr,
                        "GeluApproximation::none">:$approximate);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat = [{
    $operand (`approximate` `=` $approximate^)? attr-dict `:` type($result)
  }];
}

class Tcc_BinaryOp<string mnemonic, Type type, string formula,
                   list<Trait> traits = []>
    : Tcc_Op<mnemonic, traits # [Pure, Elementwise,
                                 SameOperandsAndResultType]> {
  let summary = "Elementwise " # mnemonic;
  let description = "Computes `" # formula # "` for every element. Operands " #
      "have the result's type; broadcast them first with `tcc.broadcast`.\n\n" #
      "```mlir\n%z = tcc." # mnemonic # " %x, %y : tensor<4x8xf32>\n```";
  let arguments = (ins type:$lhs, type:$rhs);
  let results = (outs type:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Tcc_AddOp : Tcc_BinaryOp<"add", Tcc_NumericTensor, "x + y", [Commutative]>;
def Tcc_SubOp : Tcc_BinaryOp<"sub", Tcc_NumericTensor, "x - y">;
def Tcc_MulOp : Tcc_BinaryOp<"mul", Tcc_NumericTensor, "x * y", [Commutative]>;
def Tcc_DivOp : Tcc_BinaryOp<"div", Tcc_NumericTensor,
    "x / y (integers: truncated toward zero; division by zero is an error)">;
def Tcc_MaxOp : Tcc_BinaryOp<"max", Tcc_NumericTensor,
    "max(x, y) (NaN if either is NaN)", [Commutative]>;
def Tcc_MinOp : Tcc_BinaryOp<"min", Tcc_NumericTensor,
    "min(x, y) (NaN if either is NaN)", [Commutative]>;
def Tcc_PowOp : Tcc_BinaryOp<"pow", Tcc_NumericTensor,
    "x ^ y (integers: y >= 0)">;

def Tcc_CompareOp : Tcc_Op<"compare",
    [Pure, Elementwise, SameTypeOperands, InferTypeOpAdaptor]> {
  let summary = "Elementwise comparison";
  let description = [{
    `result[i] = lhs[i] <direction> rhs[i]` as `i1`. Comparisons with NaN are
    false except `ne`, as in IEEE 754 and NumPy.

    ```mlir
    %m = tcc.compare lt, %x, %y : tensor<4xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$lhs, Tcc_Tensor:$rhs,
                       Tcc_CompareDirectionAttr:$direction);
  let results = (outs Tcc_BoolTensor:$result);
  let assemblyFormat =
      "$direction `,` $lhs `,` $rhs attr-dict `:` type($lhs)";
}

def Tcc_SelectOp : Tcc_Op<"select",
    [Pure, Elementwise, AllTypesMatch<["on_true", "on_false", "result"]>,
     AllShapesMatch<["condition", "result"]>]> {
  let summary = "Elementwise choice between two tensors";
  let description = [{
    `result[i] = condition[i] ? on_true[i] : on_false[i]`
    (`torch.where`, and `masked_fill` with a broadcast fill value).

    ```mlir
    %y = tcc.select %mask, %x, %fill : tensor<4x4xi1>, tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Tcc_BoolTensor:$condition, Tcc_Tensor:$on_true,
                       Tcc_Tensor:$on_false);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:` type($condition) `,`
    type($result)
  }];
}

def Tcc_CastOp : Tcc_Op<"cast", [Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "Elementwise conversion of the element type";
  let description = [{
    Converts each element as `tensor.to(dtype)` does in PyTorch: floats round
    to nearest even; float to integer truncates toward zero (NaN and values
    out of range are an error in the evaluator); to `i1`, nonzero is true;
    from `i1`, true is 1.

    ```mlir
    %h = tcc.cast %x : tensor<4xf32> -> tensor<4xbf16>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasFolder = 1;
}

include "tcc/Dialect/Tcc/IR/TccShapeOps.td"
include "tcc/Dialect/Tcc/IR/TccNNOps.td"
include "tcc/Dialect/Tcc/IR/TccDistributionOps.td"
include "tcc/Dialect/Tcc/IR/TccFusionOps.td"

#endif // TCC_DIALECT_TCC_IR_TCCOPS_TD
