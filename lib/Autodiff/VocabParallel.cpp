//===- VocabParallel.cpp - Megatron's vocabulary-parallel tables ----------===//
//
// Device k of tp holds rows [k V/tp, (k+1) V/tp) of a table W [V, C]; an
// all_slice of iota(V) gives each device the ids of its tokens, `ids`.
//
//   lookup          e = W[i]: local = i - ids[0]; the device reads
//                   W_k[clamp(local)], zero where local was outside its
//                   rows; e = all_reduce sum over tp.
//   head            z = x W^T: each device computes z_k = x W_k^T, its
//                   tokens' logits (column-parallel, nothing sent); ops
//                   that keep the vocabulary last carry the split.
//   reduction       over the vocabulary (a z-loss): each device reduces
//                   its part, an all_reduce (sum, avg, max, min) combines.
//   cross-entropy   of z [N, V] against labels t [N], from [N] values:
//                     m = all_reduce max over tp of max_c z_k
//                     [s, p, q] = all_reduce sum over tp of
//                       [sum_c exp(z_k - m), z_k[t] where ids hold t,
//                        sum_c z_k (label smoothing only)]
//                     loss_n = m + log s - (1 - eps) p - eps q / V
//                   averaged over the rows whose label is not ignore_index.
//
// The gradient is autodiff's of these ops: an all_reduce sum passes its
// adjoint through, a max gives it to the devices holding the maximum
// (where it cancels: m only shifts the exponentials), and the head's and
// lookups' gradients land in the device's rows.
//
// A label outside [0, V) that is not ignore_index matches no device's ids
// and adds nothing (the evaluator's tcc.cross_entropy reports it).
//
//===----------------------------------------------------------------------===//

#include "VocabParallel.h"

#include "DataParallel.h"
#include "GradientBuilder.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

#include <numeric>
#include <vector>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::autodiff;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// `value` as a parameter argument of `function`, or null.
BlockArgument asParameter(func::FuncOp function, Value value) {
  auto argument = dyn_cast<BlockArgument>(value);
  if (!argument || argument.getOwner() != &function.getBody().front() ||
      argumentRole(function, argument.getArgNumber()) != "parameter")
    return {};
  return argument;
}

/// Whether `value` is computed from a data input of `function` (token ids,
/// as opposed to positions made by tcc.iota).
bool computedFromData(func::FuncOp function, Value value) {
  SmallVector<Value> work{value};
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    if (auto argument = dyn_cast<BlockArgument>(v)) {
      if (argument.getOwner() == &function.getBody().front() &&
          argumentRole(function, argument.getArgNumber()) == "input")
        return true;
      continue;
    }
    llvm::append_range(work, v.getDefiningOp()->getOperands());
  }
  return false;
}

/// An output head: the logits x W^T and the values computed from them that
/// keep the vocabulary as their last dimension, all split along it.
struct Head {
  llvm::SetVector<Value> values;
  /// Operands that repeat along the vocabulary: each gets a local copy.
  SmallVector<std::pair<Operation *, unsigned>> repeated;
  /// Bias vectors [V], split with the table.
  SmallVector<BlockArgument> biases;
  SmallVector<CrossEntropyOp> losses;
  /// Reductions over the vocabulary: each device reduces its part, an
  /// all_reduce combines the parts.
  SmallVector<ReduceOp> reductions;
  /// Uses that read logits whole: an all_gather each.
  SmallVector<OpOperand *> wholeReaders;
};

class HeadMatcher {
public:
  HeadMatcher(func::FuncOp function, int64_t vocab)
      : function(function), vocab(vocab) {}

  Head match(MatmulOp logits);

private:
  /// Whether `op`, which reads values of the head, computes another one
  /// (or is a loss over them).
  bool carriesSplit(Operation *op);
  bool takeSideInput(Operation *user, unsigned operand);

  func::FuncOp function;
  int64_t vocab;
  Head head;
};

Head HeadMatcher::match(MatmulOp logits) {
  head = Head();
  head.values.insert(logits.getResult());
  // In program order, every operand from the head is known by its reader.
  for (Operation *op = logits->getNextNode(); op; op = op->getNextNode()) {
    SmallVector<OpOperand *> reads;
    for (OpOperand &operand : op->getOpOperands())
      if (head.values.contains(operand.get()))
        reads.push_back(&operand);
    if (!reads.empty() && !carriesSplit(op))
      head.wholeReaders.append(reads);
  }
  return std::move(head);
}

bool HeadMatcher::carriesSplit(Operation *op) {
  if (auto loss = dyn_cast<CrossEntropyOp>(op)) {
    if (!head.values.contains(loss.getLogits()))
      return false;
    head.losses.push_back(loss);
    return true;
  }
  // A z-loss's log-sum-exp, a mean of squares: reduced where they are,
  // then combined (a product would overflow or vanish per device first).
  if (auto reduce = dyn_cast<ReduceOp>(op)) {
    int64_t last = typeOf(reduce.getOperand()).getRank() - 1;
    if (!llvm::is_contained(reduce.getDims(), last) ||
        reduce.getKind() == ReduceKind::prod)
      return false;
    head.reductions.push_back(reduce);
    return true;
  }
  if (op->getNumResults() != 1 || op->getNumRegions() != 0)
    return false;
  auto result = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!result || result.getRank() == 0 || result.getShape().back() != vocab)
    return false;
  // A reshape that keeps the vocabulary last keeps each device's tokens
  // together ([B, T, V] <-> [B*T, V]).
  if (isa<ReshapeOp>(op)) {
    head.values.insert(op->getResult(0));
    return true;
  }
  // Dropout would draw another mask for each device's part.
  if (!op->hasTrait<OpTrait::Elementwise>() || isa<DropoutOp>(op))
    return false;
  size_t values = head.values.size(), repeated = head.repeated.size(),
         biases = head.biases.size();
  for (OpOperand &operand : op->getOpOperands())
    if (!head.values.contains(operand.get()) &&
        !takeSideInput(op, operand.getOperandNumber())) {
      while (head.values.size() > values)
        head.values.pop_back();
      head.repeated.truncate(repeated);
      head.biases.truncate(biases);
      return false;
    }
  head.values.insert(op->getResult(0));
  return true;
}

bool HeadMatcher::takeSideInput(Operation *user, unsigned operand) {
  Value value = user->getOperand(operand);
  if (typeOf(value).getShape() != typeOf(user->getResult(0)).getShape())
    return false;
  if (auto constant = value.getDefiningOp<ConstantOp>()) {
    auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
    if (!dense || !dense.isSplat())
      return false;
    head.repeated.push_back({user, operand});
    return true;
  }
  auto broadcast = value.getDefiningOp<BroadcastOp>();
  if (!broadcast)
    return false;
  RankedTensorType source = typeOf(broadcast.getOperand());
  if (source.getRank() == 0 || source.getShape().back() == 1) {
    head.repeated.push_back({user, operand});
    return true;
  }
  // The head's bias, read nowhere else.
  BlockArgument bias = asParameter(function, broadcast.getOperand());
  if (!bias || source.getRank() != 1 || !bias.hasOneUse() ||
      !broadcast->hasOneUse() ||
      function.getArgAttr(bias.getArgNumber(), attrs::kSharding))
    return false;
  head.biases.push_back(bias);
  head.values.insert(broadcast.getResult());
  return true;
}

struct Vocabulary {
  BlockArgument table;
  SmallVector<GatherOp> lookups;
  std::vector<Head> heads;
};

/// `argument` as a table to split, or nullopt (see splitVocabularies).
std::optional<Vocabulary> matchVocabulary(func::FuncOp function,
                                          BlockArgument argument, int64_t tp,
                                          const SplitRequests &requests) {
  RankedTensorType type = typeOf(argument);
  if (type.getRank() != 2 || !isa<FloatType>(type.getElementType()) ||
      type.getDimSize(0) % tp != 0 ||
      function.getArgAttr(argument.getArgNumber(), attrs::kSharding))
    return std::nullopt;
  auto request = requests.find(argument);
  bool asked = request != requests.end();
  if (asked && request->second.dim != std::optional<int64_t>(0))
    return std::nullopt;
  int64_t vocab = type.getDimSize(0);
  Vocabulary vocabulary{argument, {}, {}};
  for (OpOperand &use : argument.getUses()) {
    Operation *user = use.getOwner();
    if (auto lookup = dyn_cast<GatherOp>(user);
        lookup && use.getOperandNumber() == 0 && lookup.getAxis() == 0) {
      vocabulary.lookups.push_back(lookup);
      continue;
    }
    auto head = dyn_cast<MatmulOp>(user);
    if (!head || use.getOperandNumber() != 1 || !head.getTransposeRhs() ||
        head.getTransposeLhs() || head.getLhs() == argument)
      return std::nullopt;
    vocabulary.heads.push_back(HeadMatcher(function, vocab).match(head));
  }
  bool feedsLoss = llvm::any_of(
      vocabulary.heads, [](const Head &head) { return !head.losses.empty(); });
  bool readsTokens = llvm::any_of(vocabulary.lookups, [&](GatherOp lookup) {
    return computedFromData(function, lookup.getIndices());
  });
  if (asked || (vocab >= type.getDimSize(1) && (feedsLoss || readsTokens)))
    return vocabulary;
  return std::nullopt;
}

/// Lookup `lookup` of rows of the table, now the device's `rows` rows of
/// token ids `ids`: the device's rows, zeros for the others' tokens, summed
/// over `axis`.
void lookUpAcross(GatherOp lookup, Value ids, int64_t rows, StringRef table,
                  FlatSymbolRefAttr mesh, StringRef axis) {
  OpBuilder b(lookup);
  GradientBuilder g(b, lookup.getLoc());
  Type i64 = b.getI64Type();
  ArrayRef<int64_t> shape = g.shapeOf(lookup.getIndices());
  Value first = g.reshape(g.slice(ids, {0}, {1}, {1}), {});
  Value local =
      g.sub(g.convert(lookup.getIndices(), i64), g.broadcastTo(first, shape));
  Value clamped = MinOp::create(
      b, lookup.getLoc(),
      MaxOp::create(b, lookup.getLoc(), local, g.splat(0, shape, i64)),
      g.splat(double(rows - 1), shape, i64));
  Value held = g.compare(CompareDirection::eq, clamped, local);
  RankedTensorType resultType = typeOf(lookup.getResult());
  Value read = GatherOp::create(b, lookup.getLoc(), resultType,
                                lookup.getTable(), clamped, 0);
  SmallVector<int64_t> indexDims(shape.size());
  std::iota(indexDims.begin(), indexDims.end(), 0);
  Value mask = BroadcastInDimOp::create(
      b, lookup.getLoc(),
      RankedTensorType::get(resultType.getShape(), b.getI1Type()), held,
      b.getDenseI64ArrayAttr(indexDims));
  Value part = g.select(mask, read, g.zerosLike(read));
  Value sum = because(
      AllReduceOp::create(
          b, lookup.getLoc(), resultType, part,
          CollectiveKindAttr::get(b.getContext(), CollectiveKind::sum), mesh,
          b.getStrArrayAttr({axis})),
      "tp: sums the rows of " + table +
          " the devices hold (Megatron's vocabulary-parallel embedding)");
  lookup.replaceAllUsesWith(sum);
  lookup.erase();
}

/// Combines over `axis` what `reduce` computed from the device's part of
/// the vocabulary: sums and extrema as such; a mean of equal parts is the
/// mean of the parts' means.
void combineAcross(ReduceOp reduce, StringRef table, FlatSymbolRefAttr mesh,
                   StringRef axis) {
  OpBuilder b(reduce->getContext());
  b.setInsertionPointAfter(reduce);
  CollectiveKind kind = CollectiveKind::sum;
  switch (reduce.getKind()) {
  case ReduceKind::sum:
    break;
  case ReduceKind::prod:
    llvm_unreachable("HeadMatcher leaves products of logits whole");
  case ReduceKind::mean:
    kind = CollectiveKind::avg;
    break;
  case ReduceKind::max:
    kind = CollectiveKind::max;
    break;
  case ReduceKind::min:
    kind = CollectiveKind::min;
    break;
  }
  Value part = reduce.getResult();
  Value whole = because(
      AllReduceOp::create(b, reduce.getLoc(), part.getType(), part,
                          CollectiveKindAttr::get(b.getContext(), kind), mesh,
                          b.getStrArrayAttr({axis})),
      "tp: combines the devices' " + stringifyReduceKind(reduce.getKind()) +
          "s of " + table + "'s logits over the vocabulary's parts");
  part.replaceAllUsesExcept(whole, whole.getDefiningOp());
}

/// Replaces `loss`, whose logits hold the device's tokens `ids` out of
/// `vocab`, by the cross-entropy computed across the devices of `axis`.
void crossEntropyAcross(CrossEntropyOp loss, Value ids, int64_t vocab,
                        FlatSymbolRefAttr mesh, StringRef axis) {
  OpBuilder b(loss);
  Location loc = loss.getLoc();
  GradientBuilder g(b, loc);
  Value z = loss.getLogits();
  int64_t n = g.shapeOf(z)[0], local = g.shapeOf(z)[1];
  Type i64 = b.getI64Type();
  Value labels = g.convert(loss.getLabels(), i64);
  auto across = [&](CollectiveKind kind, Value value, const Twine &what) {
    return because(
        AllReduceOp::create(b, loc, value.getType(), value,
                            CollectiveKindAttr::get(b.getContext(), kind), mesh,
                            b.getStrArrayAttr({axis})),
        "tp: " + what +
            " over the vocabulary's parts (vocabulary-parallel cross-entropy)");
  };
  auto perRow = [&](Value row) -> Value {
    return BroadcastInDimOp::create(
        b, loc, RankedTensorType::get({n, local}, typeOf(row).getElementType()),
        row, b.getDenseI64ArrayAttr({0}));
  };

  // The shift cancels in the loss, and so in its gradient: autodiff takes
  // it as a constant (no [N, V/tp] gradient summed over tp for nothing).
  Value m =
      across(CollectiveKind::max, g.reduce(ReduceKind::max, z, {1}, false),
             "each row's largest logit");
  m.getDefiningOp()->setAttr(attrs::kNoGradient, b.getUnitAttr());
  Value ours = g.compare(CompareDirection::eq, g.broadcastTo(ids, {n, local}),
                         perRow(labels));
  SmallVector<Value> parts{
      g.sum(g.exp(g.sub(z, perRow(m))), {1}, false),
      g.sum(g.select(ours, z, g.zerosLike(z)), {1}, false)};
  double smoothing = loss.getLabelSmoothing().convertToDouble();
  if (smoothing != 0)
    parts.push_back(g.sum(z, {1}, false));
  SmallVector<Value> rows;
  for (Value part : parts)
    rows.push_back(g.reshape(part, {1, n}));
  Value summed = across(CollectiveKind::sum, ConcatOp::create(b, loc, rows, 0),
                        smoothing != 0 ? "each row's sum of exponentials, "
                                         "target logit and sum of logits"
                                       : "each row's sum of exponentials and "
                                         "target logit");
  auto row = [&](int64_t k) {
    return g.reshape(g.slice(summed, {k, 0}, {k + 1, n}, {1, 1}), {n});
  };
  Value perExample =
      g.sub(g.add(g.log(row(0)), m), g.scale(row(1), 1.0 - smoothing));
  if (smoothing != 0)
    perExample = g.sub(perExample, g.scale(row(2), smoothing / double(vocab)));
  Value result;
  if (std::optional<int64_t> ignored = loss.getIgnoreIndex()) {
    Value kept = g.convert(g.compare(CompareDirection::ne, labels,
                                     g.splat(double(*ignored), {n}, i64)),
                           typeOf(z).getElementType());
    result = g.div(g.sum(g.mul(perExample, kept), {0}, false),
                   g.sum(kept, {0}, false));
  } else {
    result = g.mean(perExample, {0}, false);
  }
  loss.replaceAllUsesWith(result);
  loss.erase();
}

void apply(func::FuncOp function, Vocabulary &vocabulary,
           FlatSymbolRefAttr mesh, StringRef axis, int64_t tp) {
  BlockArgument table = vocabulary.table;
  std::string name = argumentName(function, table.getArgNumber());
  RankedTensorType tableType = typeOf(table);
  int64_t vocab = tableType.getDimSize(0), rows = vocab / tp;
  auto split = [&](Value value) {
    RankedTensorType type = typeOf(value);
    return shardType(type, type.getRank() - 1, tp);
  };

  // Local copies of what repeats along the vocabulary, before any type
  // changes; an original nothing else reads goes.
  llvm::SetVector<Operation *> originals;
  for (Head &head : vocabulary.heads)
    for (auto [user, operand] : head.repeated) {
      Value value = user->getOperand(operand);
      originals.insert(value.getDefiningOp());
      useLocalCopy(user, operand, split(value));
    }
  for (Operation *original : originals)
    if (original->use_empty())
      original->erase();

  // Readers of whole logits: an all_gather each, of the original type.
  for (Head &head : vocabulary.heads)
    for (OpOperand *use : head.wholeReaders) {
      OpBuilder b(use->getOwner());
      Value logits = use->get();
      RankedTensorType whole = typeOf(logits);
      use->set(because(
          AllGatherOp::create(b, logits.getLoc(), whole, logits, mesh,
                              b.getStrArrayAttr({axis}),
                              b.getI64IntegerAttr(whole.getRank() - 1)),
          "tp: gathers the logits of " + name +
              " (split over the vocabulary) for a reader that needs them "
              "whole"));
    }

  // The device's rows: of the table, of the heads' biases, of the logits.
  auto splitArgument = [&](BlockArgument argument, int64_t dim) {
    RankedTensorType type = typeOf(argument);
    argument.setType(shardType(type, dim, tp));
    function.setArgAttr(argument.getArgNumber(), attrs::kSharding,
                        splitSharding(mesh, type.getRank(), dim, axis));
  };
  splitArgument(table, 0);
  for (Head &head : vocabulary.heads) {
    for (BlockArgument bias : head.biases)
      splitArgument(bias, 0);
    for (Value value : head.values)
      value.setType(split(value));
  }

  OpBuilder b = OpBuilder::atBlockBegin(&function.getBody().front());
  Location loc = table.getLoc();
  Value allIds =
      IotaOp::create(b, loc, RankedTensorType::get({vocab}, b.getI64Type()), 0);
  Value ids = because(
      AllSliceOp::create(b, loc, RankedTensorType::get({rows}, b.getI64Type()),
                         allIds, mesh, b.getStrArrayAttr({axis}),
                         b.getI64IntegerAttr(0)),
      "tp: the ids of the tokens whose rows of " + name + " the device holds");

  for (Head &head : vocabulary.heads)
    for (ReduceOp reduce : head.reductions)
      combineAcross(reduce, name, mesh, axis);
  for (GatherOp lookup : vocabulary.lookups)
    lookUpAcross(lookup, ids, rows, name, mesh, axis);
  for (Head &head : vocabulary.heads)
    for (CrossEntropyOp loss : head.losses)
      crossEntropyAcross(loss, ids, vocab, mesh, axis);
}

} // namespace

unsigned autodiff::splitVocabularies(func::FuncOp forward,
                                     FlatSymbolRefAttr mesh, StringRef axis,
                                     int64_t tp,
                                     const SplitRequests &requests) {
  std::vector<Vocabulary> vocabularies;
  for (BlockArgument argument : forward.getArguments())
    if (asParameter(forward, argument))
      if (std::optional<Vocabulary> vocabulary =
              matchVocabulary(forward, argument, tp, requests))
        vocabularies.push_back(std::move(*vocabulary));
  for (Vocabulary &vocabulary : vocabularies)
    apply(forward, vocabulary, mesh, axis, tp);
  return vocabularies.size();
}
