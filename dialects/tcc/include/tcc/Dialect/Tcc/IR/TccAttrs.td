//===- TccAttrs.td - tcc dialect attributes ----------------*- tablegen -*-===//

#ifndef TCC_DIALECT_TCC_IR_TCCATTRS_TD
#define TCC_DIALECT_TCC_IR_TCCATTRS_TD

include "tcc/Dialect/Tcc/IR/TccBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

class Tcc_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Tcc_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Tcc_ShardingAttr : Tcc_Attr<"Sharding", "sharding"> {
  let summary = "How a tensor is laid out over the axes of a device mesh";
  let description = [{
    A sharding names a `tcc.mesh` and, for every dimension of the tensor, the
    mesh axes it is split over (major to minor; an empty list means the
    dimension is replicated). A tensor that is not split over an axis is
    replicated over it, unless the axis is listed as `partial`: then each
    device holds a partial result, and the full value is the reduction
    (`sum`, `avg`, `max` or `min`) over that axis. Partial sums are what a
    matmul contracting a sharded dimension produces before its all_reduce,
    and what lets the partitioner turn all_reduce + slice into reduce_scatter.

    The shape of a tensor in the IR is always its global shape; each
    device's shard has dimension `d` divided by the product of the sizes of
    the axes listed for `d`.

    Created by frontends (`tcc.shard` hints), by users in MLIR, and by
    sharding propagation; consumed by the SPMD partitioner.

    Example: a [batch, hidden] activation split over `dp` on dim 0 and
    holding partial sums over `tp`:

    ```mlir
    #tcc.sharding<@world, [["dp"], []], partial = sum ["tp"]>
    ```
  }];
  let parameters = (ins
    "FlatSymbolRefAttr":$mesh,
    "ArrayAttr":$dims,
    "ArrayAttr":$partialAxes,
    "CollectiveKind":$partialKind);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Mesh axes that split dimension `dim`, major to minor.
    llvm::SmallVector<llvm::StringRef> getDimAxes(unsigned dim) const;
    /// Names of the axes holding partial results.
    llvm::SmallVector<llvm::StringRef> getPartialAxisNames() const;
    /// True if no dimension is split and nothing is partial.
    bool isFullyReplicated() const;
  }];
}

#endif // TCC_DIALECT_TCC_IR_TCCATTRS_TD
