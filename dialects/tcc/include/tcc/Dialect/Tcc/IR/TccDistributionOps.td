//===- TccDistributionOps.td - meshes, collectives, stages -*- tablegen -*-===//
//
// Included from TccOps.td. These ops describe how a program runs on many
// devices. A function with a `tcc.mesh = @name` attribute is a per-device
// (SPMD) program: every device of the mesh runs it on its own shards, and
// the collectives below exchange data between the devices of a group.
//
//===----------------------------------------------------------------------===//

def Tcc_MeshOp : Tcc_Op<"mesh", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "A device mesh with named axes";
  let description = [{
    Declares a logical N-dimensional array of devices. Axis names are
    unique; a device is identified by its coordinate along each axis, and
    its rank is the row-major linearization of the coordinate (the last axis
    varies fastest). Shardings and collectives name axes, never positions.

    Created by the user or by `tcc compile --mesh=dp=4,tp=2`.

    ```mlir
    tcc.mesh @world(dp = 4, tp = 2)
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$axis_names,
                       DenseI64ArrayAttr:$axis_sizes);
  let assemblyFormat = [{
    $sym_name custom<MeshAxes>($axis_names, $axis_sizes) attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of devices in the mesh.
    int64_t getNumDevices();
    /// Size of the named axis, or std::nullopt when there is no such axis.
    std::optional<int64_t> getAxisSize(llvm::StringRef name);
    /// Position of the named axis, or std::nullopt.
    std::optional<unsigned> getAxisIndex(llvm::StringRef name);
    /// Coordinates of the device of row-major rank `rank`.
    llvm::SmallVector<int64_t> getCoordinates(int64_t rank);
  }];
}

def Tcc_AnnotateOp : Tcc_Op<"annotate",
    [Pure, SameOperandsAndResultType,
     DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Requests a sharding for a value";
  let description = [{
    Returns its operand unchanged and records that the value should be laid
    out as `sharding` says. Written by users, and by the PyTorch tracer for
    `tcc.shard(tensor, *spec)`. On a parameter, `tcc-train-step`'s tensor
    parallelism honours it: a split over tp along one dimension is made or
    is an error (a warning when the mesh has no tp axis: the tensor stays
    whole), replicated keeps the parameter whole. Annotations of other
    values are dropped with a warning (sharding propagation, which would
    honour them, is not built); compiled single-device programs ignore
    them.
    The sharding's split axes must divide the dimensions they split.

    ```mlir
    %w1 = tcc.annotate %w {sharding = #tcc.sharding<@world, [[], ["tp"]]>} : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, Tcc_ShardingAttr:$sharding);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

class Tcc_CollectiveOp<string mnemonic, list<Trait> traits = []>
    : Tcc_Op<mnemonic, traits # [
        DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  // Collectives have no Pure trait: every device of a group must issue the
  // same collectives in the same order, so none may be removed or moved alone.
  code commonDescription = [{
    The group is the set of devices that share every mesh coordinate except
    those along `axes`; a device's position in the group is the row-major
    linearization of its coordinates along `axes`, in the order listed.
    Created by the SPMD partitioner; lowered to the runtime's communicator.
  }];
}

def Tcc_AllReduceOp : Tcc_CollectiveOp<"all_reduce", [SameOperandsAndResultType]> {
  let summary = "Reduces a tensor over a device group, result on every device";
  let description = [{
    Every device of the group receives the elementwise `kind` (`sum`, `avg`,
    `max`, `min`) of the group's operands.
  }] # commonDescription # [{

    ```mlir
    %s = tcc.all_reduce sum %g over @world ["dp"] : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Tcc_NumericTensor:$operand, Tcc_CollectiveKindAttr:$kind,
                       FlatSymbolRefAttr:$mesh, StrArrayAttr:$axes);
  let results = (outs Tcc_NumericTensor:$result);
  let assemblyFormat = [{
    $kind $operand `over` $mesh $axes attr-dict `:` type($result)
  }];
}

def Tcc_AllGatherOp : Tcc_CollectiveOp<"all_gather"> {
  let summary = "Concatenates the group's tensors along a dimension";
  let description = [{
    Every device receives the concatenation along `dim` of the group's
    operands in group order: `result.shape[dim] = operand.shape[dim] * n`
    for a group of `n` devices.
  }] # commonDescription # [{

    ```mlir
    %w = tcc.all_gather %ws over @world ["dp"] dim = 0 : tensor<4x64xf32> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, FlatSymbolRefAttr:$mesh,
                       StrArrayAttr:$axes, I64Attr:$dim);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $operand `over` $mesh $axes `dim` `=` $dim attr-dict `:` type($operand)
    `->` type($result)
  }];
}

def Tcc_ReduceScatterOp : Tcc_CollectiveOp<"reduce_scatter"> {
  let summary = "Reduces over a group and leaves each device one slice";
  let description = [{
    The elementwise `kind` of the group's operands, split into `n` equal
    slices along `dim`; the device at group position `k` receives slice `k`:
    `result.shape[dim] = operand.shape[dim] / n`, which must divide.
  }] # commonDescription # [{

    ```mlir
    %g = tcc.reduce_scatter sum %dg over @world ["dp"] dim = 0 : tensor<16x64xf32> -> tensor<4x64xf32>
    ```
  }];
  let arguments = (ins Tcc_NumericTensor:$operand, Tcc_CollectiveKindAttr:$kind,
                       FlatSymbolRefAttr:$mesh, StrArrayAttr:$axes, I64Attr:$dim);
  let results = (outs Tcc_NumericTensor:$result);
  let assemblyFormat = [{
    $kind $operand `over` $mesh $axes `dim` `=` $dim attr-dict `:`
    type($operand) `->` type($result)
  }];
}

def Tcc_AllSliceOp : Tcc_CollectiveOp<"all_slice"> {
  let summary = "Keeps this device's slice of a tensor the group holds whole";
  let description = [{
    The inverse of `all_gather`: the operand is the same on every device of
    the group, split into `n` equal slices along `dim`; the device at group
    position `k` keeps slice `k`: `result.shape[dim] = operand.shape[dim] /
    n`, which must divide. Nothing is communicated (upstream's
    `shard.all_slice`); it is a collective because its result depends on
    the device's position. ZeRO-1 uses it to update only a device's shard of
    a parameter from the full, averaged gradient.
  }] # commonDescription # [{

    ```mlir
    %ws = tcc.all_slice %w over @world ["dp"] dim = 0 : tensor<16x64xf32> -> tensor<4x64xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, FlatSymbolRefAttr:$mesh,
                       StrArrayAttr:$axes, I64Attr:$dim);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $operand `over` $mesh $axes `dim` `=` $dim attr-dict `:` type($operand)
    `->` type($result)
  }];
}

def Tcc_AllToAllOp : Tcc_CollectiveOp<"all_to_all"> {
  let summary = "Exchanges slices between every pair of devices of a group";
  let description = [{
    Each device splits its operand into `n` slices along `split_dim` and
    sends slice `k` to group position `k`; the received slices are
    concatenated along `concat_dim` in group order. `result.shape[split_dim]
    = operand.shape[split_dim] / n` and `result.shape[concat_dim] *= n`
    (both apply when the dims are equal, leaving it unchanged).
  }] # commonDescription # [{

    ```mlir
    %y = tcc.all_to_all %x over @world ["tp"] split_dim = 1 concat_dim = 0
        : tensor<4x8xf32> -> tensor<8x4xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, FlatSymbolRefAttr:$mesh,
                       StrArrayAttr:$axes, I64Attr:$split_dim,
                       I64Attr:$concat_dim);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $operand `over` $mesh $axes `split_dim` `=` $split_dim `concat_dim` `=`
    $concat_dim attr-dict `:` type($operand) `->` type($result)
  }];
}

def Tcc_CollectiveBroadcastOp : Tcc_CollectiveOp<"collective_broadcast",
    [SameOperandsAndResultType]> {
  let summary = "Copies one device's tensor to every device of its group";
  let description = [{
    Every device receives the operand of the device at group position
    `root`. (Named apart from `tcc.broadcast`, which broadcasts shapes.)
  }] # commonDescription # [{

    ```mlir
    %p = tcc.collective_broadcast %x over @world ["dp"] root = 0 : tensor<16xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, FlatSymbolRefAttr:$mesh,
                       StrArrayAttr:$axes, I64Attr:$root);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    $operand `over` $mesh $axes `root` `=` $root attr-dict `:` type($result)
  }];
}

def Tcc_SendOp : Tcc_CollectiveOp<"send"> {
  let summary = "Sends a tensor to another pipeline stage";
  let description = [{
    Sends `operand` to the device whose coordinate along `axis` is `peer`
    and whose other coordinates equal the sender's. Matched with the
    `tcc.recv` on that device with the same `tag`, in order. Created by the
    pipeline pass between `tcc.stage` regions.

    ```mlir
    tcc.send %h over @world "pp" to 1 : tensor<8x64xf32>
    ```
  }];
  let arguments = (ins Tcc_Tensor:$operand, FlatSymbolRefAttr:$mesh,
                       StrAttr:$axis, I64Attr:$peer,
                       DefaultValuedAttr<I64Attr, "0">:$tag);
  let assemblyFormat = [{
    $operand `over` $mesh $axis `to` $peer attr-dict `:` type($operand)
  }];
}

def Tcc_RecvOp : Tcc_CollectiveOp<"recv"> {
  let summary = "Receives a tensor from another pipeline stage";
  let description = [{
    Receives the tensor that the device at coordinate `peer` along `axis`
    (other coordinates equal) sent with the same `tag`. The result type must
    match the sent tensor's.

    ```mlir
    %h = tcc.recv over @world "pp" from 0 : tensor<8x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$mesh, StrAttr:$axis, I64Attr:$peer,
                       DefaultValuedAttr<I64Attr, "0">:$tag);
  let results = (outs Tcc_Tensor:$result);
  let assemblyFormat = [{
    `over` $mesh $axis `from` $peer attr-dict `:` type($result)
  }];
}

def Tcc_StageOp : Tcc_Op<"stage", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>,
    SingleBlock, RecursiveMemoryEffects]> {
  let summary = "A pipeline stage: code that runs on one coordinate of an axis";
  let description = [{
    The body runs only on devices whose coordinate along `axis` is `index`;
    elsewhere it is skipped and its results hold no value (using them there
    is an error). Values cross stages through `tcc.send` / `tcc.recv`.
    Created by users or by the pipeline pass; the body ends with
    `tcc.yield`.

    ```mlir
    %h = tcc.stage 0 over @world "pp" -> tensor<8x64xf32> {
      %y = tcc.relu %x : tensor<8x64xf32>
      tcc.yield %y : tensor<8x64xf32>
    }
    ```
  }];
  let arguments = (ins I64Attr:$index, FlatSymbolRefAttr:$mesh, StrAttr:$axis);
  let results = (outs Variadic<Tcc_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $index `over` $mesh $axis (`->` type($results)^)? attr-dict-with-keyword
    $body
  }];
  let hasRegionVerifier = 1;
}

def Tcc_YieldOp : Tcc_Op<"yield", [Pure, Terminator,
                                   ParentOneOf<["StageOp", "FusionOp"]>]> {
  let summary = "Returns values from a tcc.stage or tcc.fusion body";
  let description = [{
    ```mlir
    tcc.yield %y : tensor<8x64xf32>
    ```
  }];
  let arguments = (ins Variadic<Tcc_Tensor>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}
