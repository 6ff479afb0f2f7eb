//===- TccShapeOps.td - data movement and reductions -------*- tablegen -*-===//
//
// Included from TccOps.td.
//
//===----------------------------------------------------------------------===//

def Tcc_BroadcastOp : Tcc_Op<"broadcast", [Pure]> {
  let summary = "Broadcasts a tensor to a shape by NumPy's rules";
  let description = [{
    Aligns the operand's dimensions with the trailing dimensions of the
    result; each operand dimension must equal the result's or be 1.
    `np.broadcast_to(operand, shape)`.

    ```mlir
    %b = tcc.broadcast %bias : tensor<16xf32> -> tensor<8x16xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tcc_BroadcastInDimOp : Tcc_Op<"broadcast_in_dim", [Pure]> {
  let summary = "Broadcasts with an explicit dimension map";
  let description = [{
    Operand dimension `i` becomes result dimension `dims[i]`; `dims` is
    strictly increasing and each operand dimension equals the result's or
    is 1. The other result dimensions are new.

    ```mlir
    %b = tcc.broadcast_in_dim %x, dims = [0] : tensor<8xf32> -> tensor<8x16xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, DenseI64ArrayAttr:$dims);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `dims` `=` $dims attr-dict `:` type($operand) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tcc_ReshapeOp : Tcc_Op<"reshape", [Pure]> {
  let summary = "Reinterprets the elements in row-major order with a new shape";
  let description = [{
    The element count and type are unchanged (`torch.reshape`).

    ```mlir
    %r = tcc.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tcc_TransposeOp : Tcc_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "Permutes dimensions";
  let description = [{
    `result.shape[i] = operand.shape[permutation[i]]`
    (`torch.permute(operand, permutation)`).

    ```mlir
    %t = tcc.transpose %x, permutation = [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, DenseI64ArrayAttr:$permutation);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `permutation` `=` $permutation attr-dict `:` type($operand)
    `->` type($result)
  }];
  let hasFolder = 1;
}

def Tcc_SliceOp : Tcc_Op<"slice", [Pure, InferTypeOpAdaptor]> {
  let summary = "A strided box of a tensor";
  let description = [{
    Per dimension `d`, takes indices `start[d], start[d] + stride[d], ...`
    below `limit[d]` (`x[start:limit:stride]`, with
    `0 <= start <= limit <= size` and `stride >= 1`).

    ```mlir
    %s = tcc.slice %x, start = [0, 2], limit = [4, 8], stride = [1, 2]
        : tensor<4x8xf32> -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, DenseI64ArrayAttr:$start,
                       DenseI64ArrayAttr:$limit, DenseI64ArrayAttr:$stride);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `start` `=` $start `,` `limit` `=` $limit `,` `stride` `=`
    $stride attr-dict `:` type($operand) `->` type($result)
  }];
}

def Tcc_ConcatOp : Tcc_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "Joins tensors along one dimension";
  let description = [{
    `torch.cat(inputs, dim)`: all inputs share the element type and every
    dimension but `dim`.

    ```mlir
    %c = tcc.concat %a, %b dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Tcc_Tensor>:$inputs, I64Attr:$dim);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $inputs `dim` `=` $dim attr-dict `:` functional-type($inputs, $result)
  }];
}

def Tcc_GatherOp : Tcc_Op<"gather", [Pure, InferTypeOpAdaptor]> {
  let summary = "Takes slices of a table at integer indices (embedding lookup)";
  let description = [{
    `np.take(table, indices, axis)`: the result's shape is
    `table.shape[:axis] + indices.shape + table.shape[axis+1:]`. An index
    outside `[0, table.shape[axis])` is an error in the evaluator.
    `nn.Embedding` is `axis = 0`.

    ```mlir
    %e = tcc.gather %wte, %tokens axis = 0
        : (tensor<50x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$table, Tcc_IntTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $table `,` $indices `axis` `=` $axis attr-dict `:`
    functional-type(operands, $result)
  }];
}

def Tcc_ScatterAddOp : Tcc_Op<"scatter_add", [Pure, InferTypeOpAdaptor]> {
  let summary = "Adds rows of updates into a zero table at integer indices";
  let description = [{
    `result[indices[i], :] += updates[i, :]` for every `i`, into a table of
    `rows` rows that starts at zero (`torch.zeros(rows, C).index_add_(0,
    indices, updates)`). Rows no index names stay zero; an index may repeat.
    It is the adjoint of `tcc.gather` (the gradient of an embedding lookup),
    which costs indices x columns work where a one-hot matmul would cost
    indices x rows x columns. An index outside `[0, rows)` is an error in
    the evaluator; compiled kernels skip its row and report it.

    ```mlir
    %dw = tcc.scatter_add %dy, %tokens rows = 50
        : (tensor<16x8xf32>, tensor<16xi64>) -> tensor<50x8xf32>
    ```
  }];
  let arguments = (ins Tcc_FloatTensor:$updates, Tcc_IntTensor:$indices,
                       I64Attr:$rows);
  let results = (outs Tcc_FloatTensor:$result);
  let assemblyFormat = [{
    $updates `,` $indices `rows` `=` $rows attr-dict `:`
    functional-type(operands, $result)
  }];
}

def Tcc_ReduceOp : Tcc_Op<"reduce", [Pure, InferTypeOpAdaptor]> {
  let summary = "Reduces over a set of dimensions";
  let description = [{
    Applies `kind` (`sum`, `mean`, `max`, `min`, `prod`) over the listed
    dimensions (distinct, in range; `mean` needs floats). With `keepdims`
    the reduced dimensions stay with size 1 (`torch.sum(x, dims, keepdim)`).
    An empty list of dimensions is the identity.

    ```mlir
    %s = tcc.reduce sum %x dims = [1] keepdims : tensor<4x8xf32> -> tensor<4x1xf32>
    ```
  }];
  let arguments = (ins Tcc_NumericTensor:$operand, Tcc_ReduceKindAttr:$kind,
                       DenseI64ArrayAttr:$dims, UnitAttr:$keepdims);
  let results = (outs Tcc_NumericTensor:$result);
  let assemblyFormat = [{
    $kind $operand `dims` `=` $dims (`keepdims` $keepdims^)? attr-dict `:`
    type($operand) `->` type($result)
  }];
}
