//===- DataParallel.cpp - a training step over a dp mesh ------------------===//
//
// Data parallelism as PyTorch's DistributedDataParallel does it (gradient
// buckets averaged as the backward finishes them) and ZeRO's sharding of
// what DDP replicates (Rajbhandari et al., "ZeRO: Memory Optimizations
// Toward Training Trillion Parameter Models", 2020): a bucket of gradients
// that ZeRO-2/3 shard is reduce-scattered instead of all-reduced, so each
// device only ever holds the averaged shard it updates.
//
//===----------------------------------------------------------------------===//

#include "DataParallel.h"

#include "ForwardOps.h"
#include "GradientBuilder.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

#include <numeric>
#include <tuple>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::autodiff;

namespace {

FlatSymbolRefAttr meshRef(MLIRContext *context) {
  return FlatSymbolRefAttr::get(context, kMeshName);
}

ArrayAttr dpAxes(OpBuilder &b) {
  return b.getStrArrayAttr({kDataParallelAxis});
}

/// `permutation` moving dimension `dim` of a rank-`rank` tensor to the front.
SmallVector<int64_t> dimFirst(int64_t rank, int64_t dim) {
  SmallVector<int64_t> permutation{dim};
  for (int64_t d = 0; d < rank; ++d)
    if (d != dim)
      permutation.push_back(d);
  return permutation;
}

SmallVector<int64_t> inverse(ArrayRef<int64_t> permutation) {
  SmallVector<int64_t> result(permutation.size());
  for (auto [i, p] : llvm::enumerate(permutation))
    result[p] = static_cast<int64_t>(i);
  return result;
}

int64_t byteSize(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  return type.getNumElements() * int64_t(type.getElementTypeBitWidth() / 8);
}

/// Averages `bucket` (gradients of one element type, in the order they are
/// finished) over dp with one all_reduce: flattened and concatenated right
/// after the last of them, then cut back into the gradients' shapes.
void averageBucket(ArrayRef<Value *> bucket, const Twine &why) {
  Value last = *bucket.back();
  OpBuilder b(last.getContext());
  b.setInsertionPointAfterValue(last);
  if (bucket.size() == 1) {
    *bucket[0] = because(reduceOverDp(b, last, CollectiveKind::avg), why);
    return;
  }
  GradientBuilder g(b, last.getLoc());
  SmallVector<Value> flat;
  for (Value *gradient : bucket)
    flat.push_back(
        g.reshape(*gradient, {g.typeOf(*gradient).getNumElements()}));
  Value joined =
      ConcatOp::create(b, last.getLoc(), flat, b.getI64IntegerAttr(0));
  Value averaged = because(reduceOverDp(b, joined, CollectiveKind::avg), why);
  b.setInsertionPointAfterValue(averaged);
  int64_t offset = 0;
  for (Value *gradient : bucket) {
    RankedTensorType type = g.typeOf(*gradient);
    int64_t n = type.getNumElements();
    Value part = g.slice(averaged, {offset}, {offset + n}, {1});
    *gradient = g.reshape(part, type.getShape());
    offset += n;
  }
}

/// Reduce-scatters `bucket` (gradients of one element type, each split
/// along `dims[k]`) over dp with one reduce_scatter avg: each gradient,
/// its split dimension moved to the front, is viewed as [devices, rest] --
/// row r is device r's shard -- and the views are joined along the rest,
/// so that row r of the joined tensor holds device r's shards of them all.
void scatterBucket(ArrayRef<Value *> bucket, ArrayRef<int64_t> dims,
                   int64_t devices, const Twine &why) {
  Value last = *bucket.back();
  OpBuilder b(last.getContext());
  b.setInsertionPointAfterValue(last);
  GradientBuilder g(b, last.getLoc());
  MLIRContext *context = b.getContext();
  if (bucket.size() == 1) {
    RankedTensorType type = g.typeOf(last);
    *bucket[0] =
        because(ReduceScatterOp::create(
                    b, last.getLoc(), shardType(type, dims[0], devices), last,
                    CollectiveKindAttr::get(context, CollectiveKind::avg),
                    meshRef(context), dpAxes(b), b.getI64IntegerAttr(dims[0])),
                why);
    return;
  }
  SmallVector<Value> rows;
  for (auto [gradient, dim] : llvm::zip_equal(bucket, dims)) {
    RankedTensorType type = g.typeOf(*gradient);
    Value front = dim == 0
                      ? *gradient
                      : g.transpose(*gradient, dimFirst(type.getRank(), dim));
    rows.push_back(
        g.reshape(front, {devices, type.getNumElements() / devices}));
  }
  Value joined =
      ConcatOp::create(b, last.getLoc(), rows, b.getI64IntegerAttr(1));
  RankedTensorType joinedType = g.typeOf(joined);
  Value mine =
      because(ReduceScatterOp::create(
                  b, last.getLoc(), shardType(joinedType, 0, devices), joined,
                  CollectiveKindAttr::get(context, CollectiveKind::avg),
                  meshRef(context), dpAxes(b), b.getI64IntegerAttr(0)),
              why);
  int64_t offset = 0;
  for (auto [gradient, dim] : llvm::zip_equal(bucket, dims)) {
    RankedTensorType type = g.typeOf(*gradient);
    int64_t n = type.getNumElements() / devices;
    Value part = g.slice(mine, {0, offset}, {1, offset + n}, {1, 1});
    offset += n;
    SmallVector<int64_t> permutation = dimFirst(type.getRank(), dim);
    SmallVector<int64_t> frontShape;
    for (int64_t d : permutation)
      frontShape.push_back(type.getDimSize(d));
    frontShape[0] /= devices;
    Value shard = g.reshape(part, frontShape);
    *gradient = dim == 0 ? shard : g.transpose(shard, inverse(permutation));
  }
}

} // namespace

Value autodiff::because(Value value, const Twine &why) {
  Operation *op = value.getDefiningOp();
  op->setAttr(attrs::kWhy, StringAttr::get(op->getContext(), why));
  return value;
}

void autodiff::dropLabels(func::FuncOp step) {
  step.walk([](Operation *op) { op->removeAttr(attrs::kWhy); });
}

FlatSymbolRefAttr autodiff::declareMesh(ModuleOp module, Location loc,
                                       int64_t dp, int64_t tp) {
  MLIRContext *context = module.getContext();
  if (!SymbolTable::lookupSymbolIn(module, kMeshName)) {
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    SmallVector<StringRef> axes;
    SmallVector<int64_t> sizes;
    for (auto [axis, size] : {std::make_pair(kDataParallelAxis, dp),
                              std::make_pair(kTensorParallelAxis, tp)})
      if (size > 1) {
        axes.push_back(axis);
        sizes.push_back(size);
      }
    MeshOp::create(b, loc, b.getStringAttr(kMeshName), b.getStrArrayAttr(axes),
                   b.getDenseI64ArrayAttr(sizes));
  }
  return meshRef(context);
}

void autodiff::declareDataParallel(func::FuncOp step) {
  MLIRContext *context = step.getContext();
  step->setAttr(attrs::kMesh, meshRef(context));
  for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i) {
    auto role = step.getArgAttrOfType<StringAttr>(i, attrs::kRole);
    auto type = cast<RankedTensorType>(step.getArgumentTypes()[i]);
    if (role && role.getValue() == "input" && type.getRank() >= 1)
      step.setArgAttr(i, attrs::kSharding,
                      dataParallelSharding(context, type.getRank(), 0));
  }
}

std::optional<int64_t> autodiff::zeroShardDim(RankedTensorType type,
                                              int64_t devices) {
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.getDimSize(d) % devices == 0)
      return d;
  return std::nullopt;
}

RankedTensorType autodiff::shardType(RankedTensorType type, int64_t dim,
                                     int64_t devices) {
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] /= devices;
  return RankedTensorType::get(shape, type.getElementType());
}

Attribute autodiff::splitSharding(FlatSymbolRefAttr mesh, int64_t rank,
                                  int64_t dim, StringRef axis) {
  OpBuilder b(mesh.getContext());
  SmallVector<Attribute> dims(rank, b.getArrayAttr({}));
  dims[dim] = b.getStrArrayAttr({axis});
  return ShardingAttr::get(mesh.getContext(), mesh, b.getArrayAttr(dims),
                           b.getArrayAttr({}), CollectiveKind::sum);
}

Attribute autodiff::dataParallelSharding(MLIRContext *context, int64_t rank,
                                         int64_t dim, Attribute existing) {
  auto sharding = dyn_cast_or_null<ShardingAttr>(existing);
  if (!sharding)
    return splitSharding(meshRef(context), rank, dim, kDataParallelAxis);
  OpBuilder b(context);
  SmallVector<Attribute> dims;
  for (int64_t d = 0; d < rank; ++d) {
    SmallVector<StringRef> axes = sharding.getDimAxes(d);
    if (d == dim)
      axes.push_back(kDataParallelAxis);
    dims.push_back(b.getStrArrayAttr(axes));
  }
  return ShardingAttr::get(context, sharding.getMesh(), b.getArrayAttr(dims),
                           b.getArrayAttr({}), CollectiveKind::sum);
}

Value autodiff::reduceOverDp(OpBuilder &b, Value value, CollectiveKind kind) {
  return reduceOver(b, value, kind, {kDataParallelAxis.str()});
}

Value autodiff::reduceOver(OpBuilder &b, Value value, CollectiveKind kind,
                           ArrayRef<std::string> axes) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfterValue(value);
  MLIRContext *context = b.getContext();
  SmallVector<StringRef> names(axes.begin(), axes.end());
  return AllReduceOp::create(b, value.getLoc(), value.getType(), value,
                             CollectiveKindAttr::get(context, kind),
                             meshRef(context), b.getStrArrayAttr(names));
}

Value autodiff::sliceOverDp(OpBuilder &b, Value full, int64_t dim,
                            int64_t devices) {
  auto type = cast<RankedTensorType>(full.getType());
  return AllSliceOp::create(b, full.getLoc(), shardType(type, dim, devices),
                            full, meshRef(b.getContext()), dpAxes(b),
                            b.getI64IntegerAttr(dim));
}

Value autodiff::gatherOverDp(OpBuilder &b, Value shard, int64_t dim,
                             int64_t devices) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfterValue(shard);
  auto type = cast<RankedTensorType>(shard.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] *= devices;
  return AllGatherOp::create(
      b, shard.getLoc(), RankedTensorType::get(shape, type.getElementType()),
      shard, meshRef(b.getContext()), dpAxes(b), b.getI64IntegerAttr(dim));
}

void autodiff::averageGradients(int64_t devices, int64_t bucketBytes,
                                MutableArrayRef<Value> gradients,
                                ArrayRef<std::optional<int64_t>> scatterDims,
                                ArrayRef<Attribute> layouts,
                                ArrayRef<std::string> names) {
  // The gradients in the order the backward finishes them (an argument or
  // a constant counts as finished first).
  SmallVector<unsigned> order(gradients.size());
  std::iota(order.begin(), order.end(), 0u);
  llvm::stable_sort(order, [&](unsigned x, unsigned y) {
    Operation *a = gradients[x].getDefiningOp();
    Operation *c = gradients[y].getDefiningOp();
    if (!a || !c)
      return a == nullptr && c != nullptr;
    return a->getBlock() == c->getBlock() && a->isBeforeInBlock(c);
  });
  // One open bucket per element type, kind (whole or ZeRO-sharded) and
  // layout, flushed in the order they were opened (the same program on
  // every compile).
  struct Bucket {
    SmallVector<Value *> gradients;
    SmallVector<int64_t> dims;
    SmallVector<StringRef> names;
    int64_t bytes = 0;
  };
  using Key = std::tuple<const void *, unsigned, const void *>;
  llvm::MapVector<Key, Bucket> open;
  auto flush = [&](Bucket &bucket, bool sharded) {
    if (bucket.gradients.empty())
      return;
    std::string which = llvm::join(bucket.names, ", ");
    if (sharded)
      scatterBucket(bucket.gradients, bucket.dims, devices,
                    "averages the gradients of " + which + " (" +
                        Twine(bucket.bytes) +
                        " bytes); each device keeps its shards (ZeRO-2/3)");
    else
      averageBucket(bucket.gradients, "averages the gradients of " + which +
                                          " (" + Twine(bucket.bytes) +
                                          " bytes)");
    bucket = Bucket();
  };
  for (unsigned k : order) {
    Value &gradient = gradients[k];
    bool sharded = scatterDims[k].has_value();
    Key key(getElementTypeOrSelf(gradient.getType()).getAsOpaquePointer(),
            sharded, layouts[k].getAsOpaquePointer());
    Bucket &bucket = open[key];
    if (!bucket.gradients.empty() &&
        bucket.bytes + byteSize(gradient) > bucketBytes)
      flush(bucket, sharded);
    bucket.gradients.push_back(&gradient);
    bucket.dims.push_back(sharded ? *scatterDims[k] : 0);
    bucket.names.push_back(names[k]);
    bucket.bytes += byteSize(gradient);
  }
  for (auto &[key, bucket] : open)
    flush(bucket, std::get<1>(key));
}

Value autodiff::shardParameter(func::FuncOp step, unsigned argument,
                               int64_t dim, int64_t devices) {
  Block &body = step.getBody().front();
  BlockArgument parameter = body.getArgument(argument);
  auto type = cast<RankedTensorType>(parameter.getType());
  RankedTensorType shard = shardType(type, dim, devices);
  parameter.setType(shard);
  SmallVector<Type> inputs(step.getArgumentTypes());
  inputs[argument] = shard;
  step.setType(
      FunctionType::get(step.getContext(), inputs, step.getResultTypes()));
  step.setArgAttr(argument, attrs::kSharding,
                  dataParallelSharding(step.getContext(), type.getRank(), dim,
                                       step.getArgAttr(argument,
                                                       attrs::kSharding)));
  OpBuilder b = OpBuilder::atBlockBegin(&body);
  Value full =
      because(AllGatherOp::create(b, parameter.getLoc(), type, parameter,
                                  meshRef(step.getContext()), dpAxes(b),
                                  b.getI64IntegerAttr(dim)),
              "ZeRO-3: gathers the parameter " + argumentName(step, argument) +
                  " right before the forward reads it");
  parameter.replaceAllUsesExcept(full, full.getDefiningOp());
  return full;
}

void autodiff::placeParameterGathers(func::FuncOp step, Value loss) {
  Block &body = step.getBody().front();
  // Dead code first (the backward computes gradients nobody returns, such
  // as the input's): a collective is never removed as dead, so a gather
  // only dead code reads would stay, communicating for nothing.
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops))
    if (isOpTriviallyDead(op))
      op->erase();
  llvm::DenseSet<Operation *> forward = forwardOps(body, loss);
  SmallVector<AllGatherOp> gathers;
  for (auto gather : body.getOps<AllGatherOp>())
    if (isa<BlockArgument>(gather.getOperand()))
      gathers.push_back(gather);
  for (AllGatherOp gather : gathers) {
    if (gather->use_empty()) {
      gather->erase();
      continue;
    }
    // The readers in program order, cut into runs on one side of the
    // boundary; each run reads a gather of its own, issued right before it.
    SmallVector<Operation *> readers;
    for (Operation *user : gather->getUsers())
      readers.push_back(body.findAncestorOpInBlock(*user));
    llvm::sort(readers, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    readers.erase(llvm::unique(readers), readers.end());
    gather->moveBefore(readers.front());
    Operation *current = gather;
    bool side = forward.contains(readers.front());
    for (Operation *reader : llvm::drop_begin(readers)) {
      if (forward.contains(reader) != side) {
        side = !side;
        OpBuilder b(reader);
        current = b.clone(*gather);
        if (current->hasAttr(attrs::kWhy))
          because(
              current->getResult(0),
              "ZeRO-3: gathers the parameter " +
                  argumentName(
                      step,
                      cast<BlockArgument>(gather.getOperand()).getArgNumber()) +
                  " again right before the " + (side ? "forward" : "backward") +
                  " reads it");
      }
      if (current != gather)
        gather.getResult().replaceUsesWithIf(
            current->getResult(0),
            [&](OpOperand &use) { return reader->isAncestor(use.getOwner()); });
    }
  }
}
