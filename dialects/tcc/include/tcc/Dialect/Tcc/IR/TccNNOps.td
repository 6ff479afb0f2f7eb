//===- TccNNOps.td - contractions, normalization, losses ---*- tablegen -*-===//
//
// Included from TccOps.td.
//
//===----------------------------------------------------------------------===//

def Tcc_MatmulOp : Tcc_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "Batched matrix product";
  let description = [{
    `torch.matmul` for operands of rank >= 2: the last two dimensions are
    multiplied (after transposing them where `transpose_lhs` /
    `transpose_rhs` is set) and the leading (batch) dimensions broadcast by
    NumPy's rules, so `[B, T, C] x [C, D]` is a linear layer. Float types;
    accumulation is at least f32.

    ```mlir
    %y = tcc.matmul %x, %w {transpose_rhs}
        : (tensor<4x8x16xf32>, tensor<32x16xf32>) -> tensor<4x8x32xf32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$lhs, Tcc_FloatTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, $result)";
}

def Tcc_SoftmaxOp : Tcc_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "Softmax along one dimension";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `dim`
    (`torch.softmax(x, dim)`).

    ```mlir
    %p = tcc.softmax %x dim = 1 : tensor<4x10xf32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$operand, I64Attr:$dim);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat = "$operand `dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tcc_LogSoftmaxOp : Tcc_Op<"log_softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "Log-softmax along one dimension";
  let description = [{
    `x - max(x) - log(sum(exp(x - max(x))))` along `dim`
    (`torch.log_softmax(x, dim)`).

    ```mlir
    %p = tcc.log_softmax %x dim = 1 : tensor<4x10xf32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$operand, I64Attr:$dim);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat = "$operand `dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tcc_LayerNormOp : Tcc_Op<"layer_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "Layer normalization over the trailing dimensions";
  let description = [{
    Normalizes over the last `rank(weight)` dimensions of `input` with the
    biased variance, then applies `weight` and `bias` (both shaped like
    those dimensions): `nn.LayerNorm(normalized_shape, eps)`.

    ```mlir
    %y = tcc.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f64}
        : (tensor<4x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x8x16xf32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$input, Tcc_FloatTensor:$weight,
                       Tcc_FloatTensor:$bias,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight `,` $bias attr-dict `:` functional-type(operands, $result)";
}

def Tcc_BatchNormOp : Tcc_Op<"batch_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "Batch normalization over dimension 1, in training or inference";
  let description = [{
    `input` is `[N, C, ...]`; `weight`, `bias`, `running_mean` and
    `running_var` are `[C]`. With `training`, each channel is normalized by
    the batch's mean and biased variance over every dimension but 1, and
    the new running statistics are `(1 - momentum) * running + momentum *
    batch` (the variance unbiased), as `nn.BatchNorm2d` in `train()` mode.
    Without `training`, the running statistics normalize and are returned
    unchanged. Results: `(output, new_running_mean, new_running_var)`.

    ```mlir
    %y, %m, %v = tcc.batch_norm %x, %g, %b, %rm, %rv {training}
        : (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
           tensor<4xf32>) -> (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>)
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$input, Tcc_FloatTensor:$weight,
                       Tcc_FloatTensor:$bias, Tcc_FloatTensor:$running_mean,
                       Tcc_FloatTensor:$running_var,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<F64Attr, "0.1">:$momentum,
                       UnitAttr:$training);
  let results = (outs Tcc_FloatTensor:$output,
                      Tcc_FloatTensor:$new_running_mean,
                      Tcc_FloatTensor:$new_running_var);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `,` $running_mean `,` $running_var attr-dict
    `:` functional-type(operands, results)
  }];
}

def Tcc_Conv2dOp : Tcc_Op<"conv2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D convolution in NCHW layout";
  let description = [{
    `nn.functional.conv2d`: `input [N, C, H, W]`, `weight [O, C / groups,
    KH, KW]`, optional `bias [O]`. `padding` is `[top, bottom, left, right]`
    (zeros), `stride` and `dilation` are `[h, w]`. The output is
    `[N, O, (H + top + bottom - dilation_h (KH - 1) - 1) / stride_h + 1, ...]`.

    ```mlir
    %y = tcc.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>}
        : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<2x16x8x8xf32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$input, Tcc_FloatTensor:$weight,
                       Optional<Tcc_FloatTensor>:$bias,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$stride,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, $result)
  }];
}

class Tcc_Pool2dOp<string mnemonic, string what, dag extraArgs>
    : Tcc_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = what # " pooling over the spatial dimensions of NCHW";
  let arguments = !con((ins Tcc_FloatTensor:$input,
      DenseI64ArrayAttr:$kernel_size, DenseI64ArrayAttr:$stride,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
      UnitAttr:$ceil_mode), extraArgs);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Tcc_MaxPool2dOp : Tcc_Pool2dOp<"max_pool2d", "Max",
    (ins DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilation)> {
  let description = [{
    `nn.MaxPool2d(kernel_size, stride, padding, dilation, ceil_mode)`;
    padding is `[top, bottom, left, right]` and never wins (it is -inf).
    Output sizes follow PyTorch, including `ceil_mode`'s rule that a window
    must start inside the input or the leading padding.

    ```mlir
    %y = tcc.max_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>,
                            padding = array<i64: 1, 1, 1, 1>}
        : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
    ```
  }];
}

def Tcc_AvgPool2dOp : Tcc_Pool2dOp<"avg_pool2d", "Average",
    (ins UnitAttr:$count_include_pad)> {
  let description = [{
    `nn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad)`;
    padding is `[top, bottom, left, right]` zeros. The divisor is the
    window's size clipped to the padded input with `count_include_pad`, or
    the number of input elements in the window without it (PyTorch's
    default is `count_include_pad=True`: frontends set the attribute).

    ```mlir
    %y = tcc.avg_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>}
        : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
    ```
  }];
}

def Tcc_CrossEntropyOp : Tcc_Op<"cross_entropy", [Pure, InferTypeOpAdaptor]> {
  let summary = "Mean cross-entropy of logits against integer labels";
  let description = [{
    `nn.functional.cross_entropy(logits, labels, reduction='mean',
    label_smoothing, ignore_index)` for `logits [N, C]` and `labels [N]`:
    the mean over rows whose label is not `ignore_index` of
    `(1 - s) * -log_softmax(logits)[label] + s * mean_c(-log_softmax(logits)[c])`.
    A label outside `[0, C)` that is not `ignore_index` is an error in the
    evaluator. The result is a 0-d tensor of the logits' type.

    ```mlir
    %l = tcc.cross_entropy %logits, %labels {label_smoothing = 0.1 : f64}
        : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$logits, Tcc_IntTensor:$labels,
                       DefaultValuedAttr<F64Attr, "0.0">:$label_smoothing,
                       OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs Tcc_FloatScalarTensor:$result);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` functional-type(operands, $result)";
}

def Tcc_MseLossOp : Tcc_Op<"mse_loss", [Pure, InferTypeOpAdaptor]> {
  let summary = "Mean squared error";
  let description = [{
    `mean((input - target)^2)` over all elements, a 0-d tensor
    (`nn.functional.mse_loss(input, target)`).

    ```mlir
    %l = tcc.mse_loss %y, %t : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$input, Tcc_FloatTensor:$target);
  let results = (outs Tcc_FloatScalarTensor:$result);
  let assemblyFormat = "$input `,` $target attr-dict `:` functional-type(operands, $result)";
}
