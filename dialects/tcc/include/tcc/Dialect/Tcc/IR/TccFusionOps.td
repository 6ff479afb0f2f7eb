//===- TccFusionOps.td - fused groups of ops ---------------*- tablegen -*-===//
//
// Included from TccOps.td.
//
//===----------------------------------------------------------------------===//

def Tcc_FusionKindAttr : I32EnumAttr<"FusionKind",
    "what a fused group computes, which picks its code generation strategy", [
      I32EnumAttrCase<"elementwise", 0>, I32EnumAttrCase<"reduction", 1>,
      I32EnumAttrCase<"contraction", 2>]> {
  let cppNamespace = "::mlir::tcc";
}

def Tcc_FusionOp : Tcc_Op<"fusion", [
    IsolatedFromAbove, SingleBlock, RecursiveMemoryEffects]> {
  let summary = "A group of ops compiled into one kernel";
  let description = [{
    The body computes the results from the operands, which it receives as
    block arguments, and ends with `tcc.yield`; it means exactly what its ops
    mean. A backend compiles each fusion into one kernel, so values inside
    it never reach memory:

    - `elementwise`: elementwise ops over one iteration space, with the
      broadcasts, iotas and splat constants they read recomputed inside;
    - `reduction`: one row reduction (`reduce`, `softmax`, `log_softmax`,
      `layer_norm`) with the elementwise ops that feed it and consume it;
    - `contraction`: one `matmul` or `conv2d` and its elementwise epilogue
      (bias, activation, residual add).

    Created by `tcc-fuse`; lowered by the backends.

    ```mlir
    %y = tcc.fusion contraction (%x, %w, %b)
        : (tensor<16x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<16x128xf32> {
    ^bb0(%x0: tensor<16x64xf32>, %w0: tensor<128x64xf32>, %b0: tensor<128xf32>):
      %m = tcc.matmul %x0, %w0 {transpose_rhs} : (tensor<16x64xf32>, tensor<128x64xf32>) -> tensor<16x128xf32>
      %bb = tcc.broadcast %b0 : tensor<128xf32> -> tensor<16x128xf32>
      %a = tcc.add %m, %bb : tensor<16x128xf32>
      %g = tcc.gelu %a : tensor<16x128xf32>
      tcc.yield %g : tensor<16x128xf32>
    }
    ```
  }];
  let arguments = (ins Tcc_FusionKindAttr:$kind, Variadic<Tcc_Tensor>:$inputs);
  let results = (outs Variadic<Tcc_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind `(` $inputs `)` attr-dict-with-keyword `:` functional-type($inputs, $results)
    $body
  }];
  let hasRegionVerifier = 1;
}
