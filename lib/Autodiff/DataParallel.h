//===- DataParallel.h - a training step over a dp mesh ----------*- C++ -*-===//
//
// The pieces buildTrainStep uses to make its step a per-device program for
// data parallelism (DDP) and ZeRO: the `dp` mesh and the data inputs' shards,
// gradient buckets averaged (all_reduce) or reduce-scattered into each
// device's shard, and, for ZeRO-3, parameters held as shards and gathered
// right before each use.
//
// ZeRO splits a tensor along the first dimension that `dp` divides
// (zeroShardDim); a tensor with no such dimension stays replicated, as
// DeepSpeed pads nothing it cannot split evenly here (those are biases and
// norms: small).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_AUTODIFF_DATAPARALLEL_H
#define TCC_LIB_AUTODIFF_DATAPARALLEL_H

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <optional>
#include <string>

namespace mlir::tcc::autodiff {

/// The mesh a distributed step runs on, and its axes (data and tensor
/// parallelism).
inline constexpr llvm::StringLiteral kMeshName = "tcc_mesh";
inline constexpr llvm::StringLiteral kDataParallelAxis = "dp";
inline constexpr llvm::StringLiteral kTensorParallelAxis = "tp";

/// Declares `tcc.mesh @tcc_mesh(dp = dp, tp = tp)` in `module` (an axis of
/// size 1 is left out) and returns a reference to it.
FlatSymbolRefAttr declareMesh(ModuleOp module, Location loc, int64_t dp,
                              int64_t tp);

/// Labels the collective producing `value` with why it is there (attribute
/// attrs::kWhy, which `tcc compile --explain` prints and buildTrainStep
/// drops otherwise); returns `value`.
Value because(Value value, const Twine &why);

/// Makes `step` a per-device program on the mesh (declareMesh) and shards
/// its data inputs (role `input` with a batch dimension) over dp on their
/// first dimension.
void declareDataParallel(func::FuncOp step);

/// The dimension ZeRO splits a tensor of `type` along over `devices`
/// devices (the first one they divide), or nullopt: replicated.
std::optional<int64_t> zeroShardDim(RankedTensorType type, int64_t devices);

/// `type` with dimension `dim` divided by `devices`: one device's shard.
RankedTensorType shardType(RankedTensorType type, int64_t dim, int64_t devices);

/// The sharding attribute of a shard split along `dim` over dp: `existing`
/// (a tensor-parallel slice's sharding, or null) with dp added to `dim`'s
/// axes, minor to those already there (ZeRO splits the device's tp slice).
Attribute dataParallelSharding(MLIRContext *context, int64_t rank, int64_t dim,
                               Attribute existing = {});

/// The sharding of a rank-`rank` tensor split along `dim` over `axis` of
/// `mesh`.
Attribute splitSharding(FlatSymbolRefAttr mesh, int64_t rank, int64_t dim,
                        StringRef axis);

/// `kind` (sum, avg, ...) of `value` over dp, right after `value` exists.
Value reduceOverDp(OpBuilder &b, Value value, CollectiveKind kind);

/// `kind` of `value` over the mesh axes `axes`, right after `value` exists.
Value reduceOver(OpBuilder &b, Value value, CollectiveKind kind,
                 ArrayRef<std::string> axes);

/// This device's slice of `full` (the same on every device) along `dim`,
/// at `b`'s insertion point.
Value sliceOverDp(OpBuilder &b, Value full, int64_t dim, int64_t devices);

/// The devices' shards of a tensor joined along `dim`, right after `shard`
/// exists.
Value gatherOverDp(OpBuilder &b, Value shard, int64_t dim, int64_t devices);

/// Replaces every gradient by its average over dp: whole where
/// `scatterDims[k]` is nullopt, else this device's shard of it along that
/// dimension (ZeRO-2/3). Gradients travel in buckets of about `bucketBytes`
/// in the order the backward finishes them, each bucket one collective
/// placed right after its last gradient (whole and sharded gradients, and
/// each element type, fill buckets of their own, and so do gradients of
/// parameters split over different mesh axes, `layouts[k]`: a bucket is one
/// tensor, so a tp slice and a tensor every tp device holds whole must not
/// share one). `names[k]`
/// names the parameter of gradient k, for the collectives' labels.
void averageGradients(int64_t devices, int64_t bucketBytes,
                      MutableArrayRef<Value> gradients,
                      ArrayRef<std::optional<int64_t>> scatterDims,
                      ArrayRef<Attribute> layouts,
                      ArrayRef<std::string> names);

/// ZeRO-3: makes argument `argument` of `step` (a parameter) this device's
/// shard along `dim` and returns the full parameter, gathered at the start
/// of the body, which every former use of the argument now reads.
/// placeParameterGathers later moves the gather next to its readers.
Value shardParameter(func::FuncOp step, unsigned argument, int64_t dim,
                     int64_t devices);

/// Removes every collective's attrs::kWhy label from `step`.
void dropLabels(func::FuncOp step);

/// ZeRO-3: each gather of a sharded parameter (from shardParameter) is
/// placed right before its first reader, and issued again before each later
/// run of readers on the other side of the forward/backward boundary (the
/// forward: the ops `loss` depends on), so that a full parameter lives only
/// while the forward, or the backward, reads it.
void placeParameterGathers(func::FuncOp step, Value loss);

} // namespace mlir::tcc::autodiff

#endif // TCC_LIB_AUTODIFF_DATAPARALLEL_H
