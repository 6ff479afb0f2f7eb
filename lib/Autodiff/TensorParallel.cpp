//===- TensorParallel.cpp - Megatron's split of matmul regions ------------===//
//
// A region is found from its first matmul (x W1^T, W1 a parameter read
// nowhere else) by walking the ops after it in program order. Every value
// the region computes carries a Split: one dimension, viewed as
// [outer, size, inner], whose middle factor is cut into tp blocks (a
// device holds its block of every outer group). The first matmul's result
// is split along its last dimension, with `outer` the number of groups its
// weight's rows form (1 for an MLP's up projection; 3 for a fused qkv
// projection, whose q, k and v are sliced apart later). Each op of the
// region maps its operands' splits to its result's:
//
//   elementwise ops   the same split (other operands: splat constants,
//                     broadcasts that repeat along the split dimension, or a
//                     broadcast bias, which is then split like the values)
//   slice             the same split (whole along the split dimension), or
//                     one whole group of it (q of qkv: outer 3 -> 1)
//   reshape           the split factor found in the result's dimensions
//                     ([B, T, C] -> [B, T, H, D]: C's blocks are heads;
//                     [B, H, T, D] -> [B*H, T, D]: H inside the merged batch)
//   transpose         the permuted dimension
//   concat            operands split alike, joined along another dimension
//                     (rotary embeddings' rotate_half)
//   softmax           the same split, over another dimension
//   matmul            both operands split alike along a batch dimension
//                     (attention's q k^T and p v, per head); or the region's
//                     end: the lhs split along the contracted dimension and
//                     the rhs a parameter W2, whose columns are then split
//                     (row-parallel), followed by an all_reduce over tp.
//
// Separate q, k and v projections are one region with three starts: a
// walk that meets attention's matmul with an operand not yet split finds
// the projection behind it (through views, slices, concatenations and
// elementwise ops: the bias add, a rotary embedding) and starts again
// with both.
//
// Anything else reading a region value (a result of the function, a
// reduction over the split dimension, dropout, whose mask would differ per
// slice, a matmul with an unsplit operand) leaves the region whole, as do
// sizes tp does not divide. A weight whose groups interleave (fused qkv)
// becomes the argument [groups, rows / groups / tp, D], split along
// dimension 1, with tcc.user_shape recording the user's [rows, D]: the
// runtime cuts and joins checkpoints through that view.
//
//===----------------------------------------------------------------------===//

#include "TensorParallel.h"

#include "DataParallel.h"
#include "VocabParallel.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

#include <optional>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::autodiff;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// Dimension `dim`, of extent outer * size * inner, with its `size` factor
/// cut into tp blocks.
struct Split {
  int64_t dim = 0, outer = 1, size = 1, inner = 1;

  bool operator==(const Split &other) const {
    return dim == other.dim && outer == other.outer && size == other.size &&
           inner == other.inner;
  }
  int64_t group() const { return size * inner; }
};

/// A parameter the region splits: along `dim` into tp blocks, or, when
/// `groups` > 1, viewed as [groups, rows / groups, ...] and split along
/// dimension 1.
struct SplitParameter {
  BlockArgument argument;
  int64_t dim = 0, groups = 1;
};

/// An operand that repeats along the split dimension: replaced by a copy
/// of its splat constant or broadcast with the local type.
struct Repeated {
  Operation *user;
  unsigned operand;
  Split split;
};

struct SplitRegion {
  /// The column-parallel matmuls (the first, and its sibling projections).
  SmallVector<MatmulOp> starts;
  SmallVector<MatmulOp> ends;
  llvm::MapVector<Value, Split> values;
  SmallVector<std::pair<SliceOp, Split>> slices;
  SmallVector<Repeated> repeated;
  SmallVector<SplitParameter> parameters;
};

/// `value` when it is a parameter argument of `function` read by one op.
BlockArgument soleParameter(func::FuncOp function, Value value) {
  auto argument = dyn_cast<BlockArgument>(value);
  if (!argument || argument.getOwner() != &function.getBody().front() ||
      argumentRole(function, argument.getArgNumber()) != "parameter" ||
      !argument.hasOneUse())
    return {};
  return argument;
}

/// Row-major strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

/// The split of a reshape's result: the split factor occupies elements
/// stride * [0, size) of the flat index (stride: the factor's own); a
/// result dimension holds it when its extent is outer' * size' * inner'
/// with the factor (regrouped by k, which keeps the blocks whole:
/// size' = size / k, inner' * its stride = stride * k) inside.
std::optional<Split> splitThroughReshape(const Split &split,
                                         ArrayRef<int64_t> from,
                                         ArrayRef<int64_t> to, int64_t tp) {
  int64_t stride = stridesOf(from)[split.dim] * split.inner;
  int64_t block = split.size / tp;
  SmallVector<int64_t> toStrides = stridesOf(to);
  for (size_t e = 0; e < to.size(); ++e)
    for (int64_t k = 1; k <= block; ++k) {
      if (block % k != 0 || (stride * k) % toStrides[e] != 0)
        continue;
      int64_t inner = stride * k / toStrides[e];
      int64_t size = split.size / k;
      if (inner == 0 || to[e] % (size * inner) != 0)
        continue;
      // Every element of the factor must lie inside dimension e: the
      // factor's span must not reach past it.
      return Split{int64_t(e), to[e] / (size * inner), size, inner};
    }
  return std::nullopt;
}

class RegionMatcher {
public:
  RegionMatcher(func::FuncOp function, int64_t tp,
                const llvm::DenseSet<Operation *> &taken)
      : function(function), tp(tp), taken(taken) {}

  std::optional<SplitRegion> match(MatmulOp first, int64_t groups);

private:
  BlockArgument columnParallelWeight(MatmulOp matmul, int64_t groups) const;
  /// The column-parallel matmul `value` is a view of (a projection the
  /// region has not reached yet), or null.
  MatmulOp producingColumnParallel(Value value) const;
  LogicalResult visit(Operation *op);
  LogicalResult visitMatmul(MatmulOp matmul);
  LogicalResult visitElementwise(Operation *op);
  /// Whether `operand` of `user` repeats along `split` (kept, with a local
  /// copy) or is the region's bias (split with it).
  bool takeSideInput(Operation *user, unsigned operand, const Split &split);
  void setSplit(Value value, const Split &split) {
    region.values[value] = split;
  }
  std::optional<Split> splitOf(Value value) const {
    auto it = region.values.find(value);
    if (it == region.values.end())
      return std::nullopt;
    return it->second;
  }

  func::FuncOp function;
  int64_t tp;
  const llvm::DenseSet<Operation *> &taken;
  SplitRegion region;
  /// Set by a visit that failed for want of another projection.
  MatmulOp discovered;
};

/// The weight of a column-parallel matmul `x W^T` that can start a region
/// with `groups` groups of rows, or null.
BlockArgument RegionMatcher::columnParallelWeight(MatmulOp matmul,
                                                  int64_t groups) const {
  if (!matmul.getTransposeRhs() || matmul.getTransposeLhs() ||
      taken.contains(matmul))
    return {};
  BlockArgument weight = soleParameter(function, matmul.getRhs());
  if (!weight || typeOf(weight).getRank() != 2 ||
      typeOf(weight).getDimSize(0) % (groups * tp) != 0)
    return {};
  return weight;
}

std::optional<SplitRegion> RegionMatcher::match(MatmulOp first,
                                                int64_t groups) {
  if (!columnParallelWeight(first, groups))
    return std::nullopt;
  // The region's column-parallel matmuls: `first`, and those found to feed
  // the same attention (q, k and v projected apart); each discovery starts
  // the walk again with one more seed.
  SmallVector<MatmulOp> seeds{first};
  Block &body = function.getBody().front();
  for (;;) {
    region = SplitRegion();
    discovered = nullptr;
    Operation *earliest = first;
    for (MatmulOp seed : seeds)
      if (seed->isBeforeInBlock(earliest))
        earliest = seed;
    bool failedWalk = false;
    for (Operation *op = earliest; op && op != body.getTerminator();
         op = op->getNextNode()) {
      if (auto seed = dyn_cast<MatmulOp>(op);
          seed && llvm::is_contained(seeds, seed)) {
        int64_t g = seed == first ? groups : 1;
        BlockArgument weight = columnParallelWeight(seed, g);
        int64_t rows = typeOf(weight).getDimSize(0);
        region.parameters.push_back({weight, 0, g});
        setSplit(seed.getResult(),
                 Split{typeOf(seed.getResult()).getRank() - 1, g, rows / g, 1});
        continue;
      }
      if (llvm::none_of(op->getOperands(),
                        [&](Value v) { return region.values.contains(v); }))
        continue;
      if (failed(visit(op))) {
        failedWalk = true;
        break;
      }
    }
    if (!failedWalk)
      break;
    if (!discovered || llvm::is_contained(seeds, discovered))
      return std::nullopt;
    seeds.push_back(discovered);
  }
  // A region value the function returns would be a slice.
  for (Value v : body.getTerminator()->getOperands())
    if (region.values.contains(v))
      return std::nullopt;
  if (region.ends.empty())
    return std::nullopt;
  region.starts.assign(seeds.begin(), seeds.end());
  return std::move(region);
}

MatmulOp RegionMatcher::producingColumnParallel(Value value) const {
  // Back through the ops that carry a projection's output to attention:
  // views, slices, concatenations and elementwise ops (the bias add, a
  // rotary embedding), past their constant and broadcast side inputs.
  SmallVector<Value> work{value};
  llvm::DenseSet<Operation *> seen;
  while (!work.empty() && seen.size() < 64) {
    Operation *op = work.pop_back_val().getDefiningOp();
    if (!op || !seen.insert(op).second)
      continue;
    if (auto matmul = dyn_cast<MatmulOp>(op)) {
      if (columnParallelWeight(matmul, 1))
        return matmul;
      continue;
    }
    if (!isa<ReshapeOp, TransposeOp, SliceOp, ConcatOp>(op) &&
        (!op->hasTrait<OpTrait::Elementwise>() || isa<DropoutOp>(op)))
      continue;
    for (Value operand : op->getOperands())
      if (!operand.getDefiningOp<ConstantOp>() &&
          !operand.getDefiningOp<BroadcastOp>())
        work.push_back(operand);
  }
  return {};
}

LogicalResult RegionMatcher::visit(Operation *op) {
  if (taken.contains(op) || op->getNumRegions() != 0)
    return failure();
  if (auto matmul = dyn_cast<MatmulOp>(op))
    return visitMatmul(matmul);
  if (auto slice = dyn_cast<SliceOp>(op)) {
    Split split = *splitOf(slice.getOperand());
    int64_t d = split.dim;
    int64_t extent = typeOf(slice.getOperand()).getDimSize(d);
    int64_t start = slice.getStart()[d], limit = slice.getLimit()[d],
            stride = slice.getStride()[d];
    // Whole along the split dimension (rotate_half's halves of the head
    // dimension): its limit there becomes the local extent.
    if (start == 0 && limit == extent && stride == 1) {
      region.slices.push_back({slice, split});
      setSplit(slice.getResult(), split);
      return success();
    }
    // Whole groups of the split dimension: q out of [q | k | v].
    if (stride != 1 || start % split.group() != 0 || limit % split.group() != 0)
      return failure();
    region.slices.push_back({slice, split});
    setSplit(slice.getResult(), Split{d, (limit - start) / split.group(),
                                      split.size, split.inner});
    return success();
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    std::optional<Split> split = splitThroughReshape(
        *splitOf(reshape.getOperand()), typeOf(reshape.getOperand()).getShape(),
        typeOf(reshape.getResult()).getShape(), tp);
    if (!split)
      return failure();
    setSplit(reshape.getResult(), *split);
    return success();
  }
  if (auto transpose = dyn_cast<TransposeOp>(op)) {
    Split split = *splitOf(transpose.getOperand());
    ArrayRef<int64_t> permutation = transpose.getPermutation();
    for (size_t e = 0; e < permutation.size(); ++e)
      if (permutation[e] == split.dim) {
        split.dim = int64_t(e);
        setSplit(transpose.getResult(), split);
        return success();
      }
    return failure();
  }
  // Halves joined back along another dimension (rotary embeddings'
  // rotate_half: cat(-x2, x1) along the head dimension).
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    std::optional<Split> split = splitOf(concat.getInputs().front());
    for (Value input : concat.getInputs()) {
      std::optional<Split> s = splitOf(input);
      if (!s || !(*s == *split))
        return failure();
    }
    if (int64_t(concat.getDim()) == split->dim)
      return failure();
    setSplit(concat.getResult(), *split);
    return success();
  }
  if (auto softmax = dyn_cast<SoftmaxOp>(op)) {
    Split split = *splitOf(softmax.getOperand());
    if (int64_t(softmax.getDim()) == split.dim)
      return failure();
    setSplit(softmax.getResult(), split);
    return success();
  }
  if (op->hasTrait<OpTrait::Elementwise>() && !isa<DropoutOp>(op))
    return visitElementwise(op);
  return failure();
}

LogicalResult RegionMatcher::visitMatmul(MatmulOp matmul) {
  std::optional<Split> lhs = splitOf(matmul.getLhs());
  std::optional<Split> rhs = splitOf(matmul.getRhs());
  RankedTensorType lhsType = typeOf(matmul.getLhs());
  int64_t lhsRank = lhsType.getRank();
  // The region's end: the contracted dimension is split, the weight's
  // columns are split alike.
  if (lhs && !rhs) {
    BlockArgument w2 = soleParameter(function, matmul.getRhs());
    if (w2 && typeOf(w2).getRank() == 2 && matmul.getTransposeRhs() &&
        !matmul.getTransposeLhs() && lhs->dim == lhsRank - 1 &&
        lhs->outer == 1) {
      region.ends.push_back(matmul);
      region.parameters.push_back({w2, 1, 1});
      return success();
    }
  }
  // Both split alike along a batch dimension, aligned in the result. An
  // operand outside the region may come from another projection of the
  // same attention (k of separate q, k, v projections): the walk restarts
  // with it.
  if (!lhs || !rhs) {
    discovered =
        producingColumnParallel(lhs ? matmul.getRhs() : matmul.getLhs());
    return failure();
  }
  int64_t rank = typeOf(matmul.getResult()).getRank();
  int64_t lhsDim = lhs->dim + (rank - lhsRank);
  int64_t rhsDim = rhs->dim + (rank - typeOf(matmul.getRhs()).getRank());
  if (lhsDim != rhsDim || lhsDim >= rank - 2 || lhs->outer != rhs->outer ||
      lhs->size != rhs->size || lhs->inner != rhs->inner ||
      lhsType.getDimSize(lhs->dim) !=
          typeOf(matmul.getRhs()).getDimSize(rhs->dim))
    return failure();
  Split split = *lhs;
  split.dim = lhsDim;
  setSplit(matmul.getResult(), split);
  return success();
}

LogicalResult RegionMatcher::visitElementwise(Operation *op) {
  std::optional<Split> split;
  for (Value operand : op->getOperands())
    if (std::optional<Split> s = splitOf(operand)) {
      if (split && !(*split == *s))
        return failure();
      split = s;
    }
  RankedTensorType result = typeOf(op->getResult(0));
  for (OpOperand &operand : op->getOpOperands())
    if (!region.values.contains(operand.get()) &&
        (typeOf(operand.get()).getShape() != result.getShape() ||
         !takeSideInput(op, operand.getOperandNumber(), *split)))
      return failure();
  for (Value value : op->getResults())
    setSplit(value, *split);
  return success();
}

bool RegionMatcher::takeSideInput(Operation *user, unsigned operand,
                                  const Split &split) {
  Value value = user->getOperand(operand);
  if (auto constant = value.getDefiningOp<ConstantOp>()) {
    auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
    if (!dense || !dense.isSplat())
      return false;
    region.repeated.push_back({user, operand, split});
    return true;
  }
  auto broadcast = value.getDefiningOp<BroadcastOp>();
  if (!broadcast)
    return false;
  RankedTensorType source = typeOf(broadcast.getOperand());
  int64_t sourceDim =
      split.dim - (typeOf(broadcast.getResult()).getRank() - source.getRank());
  if (sourceDim < 0 || source.getDimSize(sourceDim) == 1) {
    region.repeated.push_back({user, operand, split});
    return true;
  }
  // The bias of the first matmul (or of any split vector): a parameter
  // vector along the split dimension, split with it.
  BlockArgument bias = soleParameter(function, broadcast.getOperand());
  if (!bias || source.getRank() != 1 || !broadcast->hasOneUse() ||
      split.inner * split.size * split.outer != source.getDimSize(0) ||
      (split.inner != 1 && split.outer != 1))
    return false;
  region.parameters.push_back({bias, 0, split.outer});
  setSplit(broadcast.getResult(), split);
  return true;
}

} // namespace

void autodiff::useLocalCopy(Operation *user, unsigned operand,
                            RankedTensorType local) {
  Value value = user->getOperand(operand);
  OpBuilder b(user);
  Value copy;
  if (auto constant = value.getDefiningOp<ConstantOp>()) {
    auto dense = cast<DenseElementsAttr>(constant.getValue());
    copy = ConstantOp::create(
        b, constant.getLoc(),
        DenseElementsAttr::get(local, dense.getSplatValue<Attribute>()));
  } else {
    auto broadcast = value.getDefiningOp<BroadcastOp>();
    copy = BroadcastOp::create(b, broadcast.getLoc(), local,
                               broadcast.getOperand());
  }
  user->setOperand(operand, copy);
}

namespace {

/// The local type of a value split by `split`.
RankedTensorType localType(RankedTensorType type, const Split &split,
                           int64_t tp) {
  return shardType(type, split.dim, tp);
}

/// Makes `parameter` the device's part, with its tcc.sharding over `axis`
/// (and, for a grouped weight, the view recorded in tcc.user_shape).
void splitParameter(func::FuncOp function, const SplitParameter &parameter,
                    FlatSymbolRefAttr mesh, StringRef axis, int64_t tp) {
  BlockArgument argument = parameter.argument;
  RankedTensorType type = typeOf(argument);
  unsigned index = argument.getArgNumber();
  if (parameter.groups == 1) {
    argument.setType(shardType(type, parameter.dim, tp));
    function.setArgAttr(
        index, attrs::kSharding,
        splitSharding(mesh, type.getRank(), parameter.dim, axis));
    return;
  }
  // [rows, ...] viewed as [groups, rows / groups, ...]; each device holds
  // its rows of every group, which the function reads as [rows / tp, ...].
  SmallVector<int64_t> view{parameter.groups,
                            type.getDimSize(0) / parameter.groups / tp};
  llvm::append_range(view, type.getShape().drop_front());
  auto viewType = RankedTensorType::get(view, type.getElementType());
  argument.setType(viewType);
  function.setArgAttr(index, attrs::kSharding,
                      splitSharding(mesh, viewType.getRank(), 1, axis));
  function.setArgAttr(
      index, attrs::kUserShape,
      DenseI64ArrayAttr::get(function.getContext(), type.getShape()));
  OpBuilder b = OpBuilder::atBlockBegin(&function.getBody().front());
  Value rows =
      ReshapeOp::create(b, argument.getLoc(), shardType(type, 0, tp), argument);
  argument.replaceAllUsesExcept(rows, rows.getDefiningOp());
}

void apply(func::FuncOp function, SplitRegion &region, FlatSymbolRefAttr mesh,
           StringRef axis, int64_t tp) {
  // Local copies of the repeated operands, made before any type changes;
  // an original nothing else reads goes.
  llvm::SetVector<Operation *> originals;
  for (const Repeated &repeated : region.repeated) {
    Value value = repeated.user->getOperand(repeated.operand);
    originals.insert(value.getDefiningOp());
    useLocalCopy(repeated.user, repeated.operand,
                 localType(typeOf(value), repeated.split, tp));
  }
  for (Operation *original : originals)
    if (original->use_empty())
      original->erase();
  for (auto &[slice, split] : region.slices) {
    int64_t local = split.group() / tp;
    SmallVector<int64_t> start(slice.getStart()), limit(slice.getLimit());
    start[split.dim] = start[split.dim] / split.group() * local;
    limit[split.dim] = limit[split.dim] / split.group() * local;
    slice.setStart(start);
    slice.setLimit(limit);
  }
  for (auto &[value, split] : region.values)
    value.setType(localType(typeOf(value), split, tp));
  for (const SplitParameter &parameter : region.parameters)
    splitParameter(function, parameter, mesh, axis, tp);
  // Each device's product covers its part of the contracted dimension: a
  // partial sum.
  for (MatmulOp end : region.ends) {
    OpBuilder b(end->getContext());
    b.setInsertionPointAfter(end);
    Value partial = end.getResult();
    auto w2 = cast<BlockArgument>(end.getRhs());
    Value sum =
        because(AllReduceOp::create(b, end.getLoc(), partial.getType(), partial,
                                    CollectiveKindAttr::get(
                                        b.getContext(), CollectiveKind::sum),
                                    mesh, b.getStrArrayAttr({axis})),
                "tp: sums the devices' partial products of " +
                    argumentName(function, w2.getArgNumber()) +
                    " (Megatron's row-parallel matmul)");
    partial.replaceAllUsesExcept(sum, sum.getDefiningOp());
  }
}

/// Reads the annotations on parameters, and removes every annotation (the
/// per-device program runs on tcc's mesh, not the one they name); fails on
/// one tensor parallelism cannot honour, warns on those of other values
/// (not honoured yet).
FailureOr<SplitRequests> takeRequests(func::FuncOp forward, StringRef axis) {
  SplitRequests requests;
  Block &body = forward.getBody().front();
  for (AnnotateOp annotate :
       llvm::make_early_inc_range(body.getOps<AnnotateOp>())) {
    auto argument = dyn_cast<BlockArgument>(annotate.getOperand());
    if (!argument || argument.getOwner() != &body ||
        argumentRole(forward, argument.getArgNumber()) != "parameter") {
      annotate.emitWarning("tcc.annotate is honoured on parameters only "
                           "(tensor parallelism's splits); this one is "
                           "ignored");
      annotate.replaceAllUsesWith(annotate.getOperand());
      annotate.erase();
      continue;
    }
    ShardingAttr sharding = annotate.getSharding();
    SplitRequest request{annotate.getLoc(), std::nullopt};
    for (unsigned d = 0, e = sharding.getDims().size(); d < e; ++d) {
      SmallVector<StringRef> axes = sharding.getDimAxes(d);
      if (axes.empty())
        continue;
      if (axes.size() != 1 || axes[0] != axis || request.dim)
        return annotate.emitError("asks to split ")
               << argumentName(forward, argument.getArgNumber())
               << " other than along one dimension over '" << axis
               << "': only tensor parallelism's splits of parameters are "
                  "honoured (ZeRO chooses its own)";
      request.dim = d;
    }
    if (requests.count(argument))
      return annotate.emitError("annotates ")
             << argumentName(forward, argument.getArgNumber()) << " twice";
    requests.try_emplace(argument, request);
    annotate.replaceAllUsesWith(annotate.getOperand());
    annotate.erase();
  }
  return requests;
}

/// Whether `region` splits its parameters as their annotations ask.
bool honours(const SplitRegion &region, const SplitRequests &requests) {
  for (const SplitParameter &parameter : region.parameters) {
    auto it = requests.find(parameter.argument);
    if (it == requests.end())
      continue;
    // A grouped weight (fused qkv) is split by rows, through its view.
    int64_t dim = parameter.groups > 1 ? 0 : parameter.dim;
    if (!it->second.dim || *it->second.dim != dim)
      return false;
  }
  return true;
}

} // namespace

LogicalResult autodiff::dropAnnotations(func::FuncOp function, StringRef axis) {
  FailureOr<SplitRequests> requests = takeRequests(function, axis);
  if (failed(requests))
    return failure();
  // An axis --mesh does not have is one of size 1: the split holds the
  // whole tensor. Said, in case --mesh forgot it.
  for (auto &[value, request] : *requests)
    if (request.dim)
      emitWarning(request.loc)
          << "asks to split "
          << argumentName(function, cast<BlockArgument>(value).getArgNumber())
          << " over '" << axis << "'; --mesh has no " << axis
          << " axis, so every device holds it whole";
  return success();
}

FailureOr<unsigned> autodiff::splitMatmulRegions(func::FuncOp forward,
                                                 FlatSymbolRefAttr mesh,
                                                 StringRef axis, int64_t tp) {
  Block &body = forward.getBody().front();
  FailureOr<SplitRequests> requests = takeRequests(forward, axis);
  if (failed(requests))
    return failure();
  std::vector<SplitRegion> regions;
  llvm::DenseSet<Operation *> taken;
  for (auto matmul : body.getOps<MatmulOp>()) {
    if (taken.contains(matmul))
      continue;
    RegionMatcher matcher(forward, tp, taken);
    std::optional<SplitRegion> region;
    // A weight of one group (an MLP's up projection) or of several whose
    // rows the program slices apart (q, k and v).
    for (int64_t groups : {1, 2, 3, 4})
      if ((region = matcher.match(matmul, groups)))
        break;
    if (!region || !honours(*region, *requests))
      continue;
    for (MatmulOp start : region->starts)
      taken.insert(start);
    for (auto &[value, split] : region->values)
      if (Operation *op = value.getDefiningOp())
        taken.insert(op);
    for (MatmulOp end : region->ends)
      taken.insert(end);
    regions.push_back(std::move(*region));
  }
  for (SplitRegion &region : regions)
    apply(forward, region, mesh, axis, tp);
  unsigned tables = splitVocabularies(forward, mesh, axis, tp, *requests);
  // A split asked for and not made is an error, not a silent replica.
  for (auto &[value, request] : *requests)
    if (request.dim &&
        !forward.getArgAttr(cast<BlockArgument>(value).getArgNumber(),
                            attrs::kSharding))
      return emitError(request.loc)
             << "asks to split "
             << argumentName(forward, cast<BlockArgument>(value).getArgNumber())
             << " along dimension " << *request.dim << " over '" << axis
             << "', but it is in no region tensor parallelism splits that "
                "way (a matmul x W^T whose result reaches matmuls h W2^T "
                "through ops it can split, tp dividing every size it cuts; "
                "W split by rows, W2 by columns) and no table it splits by "
                "rows (read only by lookups and output heads x W^T, tp "
                "dividing its rows): docs/distributed.md";
  SmallVector<Type> inputs;
  for (BlockArgument argument : body.getArguments())
    inputs.push_back(argument.getType());
  forward.setType(FunctionType::get(forward.getContext(), inputs,
                                    forward.getResultTypes()));
  if (regions.empty() && tables == 0)
    forward.emitWarning("tensor parallelism found nothing to split (no "
                        "matmul pair: matmul -> elementwise ops -> matmul, "
                        "weights read nowhere else, hidden size divisible by ")
        << tp
        << "; no vocabulary table whose rows it divides, read only by "
           "lookups and output heads): every device computes everything";
  return regions.size() + tables;
}
