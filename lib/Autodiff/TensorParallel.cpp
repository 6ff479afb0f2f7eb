//===- TensorParallel.cpp - Megatron's split of matmul pairs --------------===//
//
// A pair is found from its first matmul: the values that follow it are
// walked through their users while each user is an elementwise op (whose
// other operands are broadcasts of a 0-d value or of the pair's bias) or a
// reshape that keeps the last dimension, until the second matmul reads one
// of them. Anything else reading a value of the pair (a second consumer, a
// result of the function, a reduction over H, dropout, whose mask would
// differ per slice) leaves the pair whole.
//
//===----------------------------------------------------------------------===//

#include "TensorParallel.h"

#include "DataParallel.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "llvm/ADT/SetVector.h"

#include <optional>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::autodiff;

namespace {

struct Pair {
  MatmulOp first, second;
  BlockArgument w1, b1, w2;
  /// The values whose last dimension (H) becomes H / tp.
  llvm::SetVector<Value> hidden;
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

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

std::optional<Pair> matchPair(func::FuncOp function, MatmulOp first,
                              int64_t tp) {
  if (!first.getTransposeRhs() || first.getTransposeLhs())
    return std::nullopt;
  Pair pair;
  pair.first = first;
  pair.w1 = soleParameter(function, first.getRhs());
  if (!pair.w1 || typeOf(pair.w1).getRank() != 2)
    return std::nullopt;
  int64_t hidden = typeOf(pair.w1).getDimSize(0);
  if (hidden % tp != 0)
    return std::nullopt;
  auto endsInHidden = [&](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.getRank() >= 1 && type.getShape().back() == hidden;
  };
  // A side input of an elementwise op: a broadcast, read once, of a 0-d
  // value or of the bias.
  auto takeSideInput = [&](Value operand) {
    auto broadcast = operand.getDefiningOp<BroadcastOp>();
    if (!broadcast || !broadcast->hasOneUse() || !endsInHidden(operand))
      return false;
    RankedTensorType source = typeOf(broadcast.getOperand());
    if (source.getRank() == 0) {
      pair.hidden.insert(operand);
      return true;
    }
    BlockArgument bias = soleParameter(function, broadcast.getOperand());
    if (pair.b1 || !bias || source.getRank() != 1 ||
        source.getDimSize(0) != hidden)
      return false;
    pair.b1 = bias;
    pair.hidden.insert(operand);
    return true;
  };

  SmallVector<Value> worklist{first.getResult()};
  pair.hidden.insert(first.getResult());
  llvm::SetVector<Operation *> visited;
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (auto second = dyn_cast<MatmulOp>(user)) {
        BlockArgument w2 = soleParameter(function, second.getRhs());
        if (second.getLhs() != value || !second.getTransposeRhs() ||
            second.getTransposeLhs() || !w2 || typeOf(w2).getRank() != 2 ||
            typeOf(w2).getDimSize(1) != hidden ||
            (pair.second && pair.second != second))
          return std::nullopt;
        pair.second = second;
        pair.w2 = w2;
        continue;
      }
      if (!visited.insert(user))
        continue;
      bool takes = false;
      if (isa<ReshapeOp>(user)) {
        takes = true;
      } else if (user->hasTrait<OpTrait::Elementwise>()) {
        takes = llvm::all_of(user->getOperands(), [&](Value operand) {
          return pair.hidden.contains(operand) || takeSideInput(operand);
        });
      }
      if (!takes || user->getNumRegions() != 0)
        return std::nullopt;
      for (Value result : user->getResults()) {
        if (!endsInHidden(result))
          return std::nullopt;
        if (pair.hidden.insert(result))
          worklist.push_back(result);
      }
    }
  }
  if (!pair.second)
    return std::nullopt;
  return pair;
}

/// Makes argument `argument` of `function` its shard along `dim`.
void shardArgument(func::FuncOp function, BlockArgument argument, int64_t dim,
                   FlatSymbolRefAttr mesh, StringRef axis, int64_t tp) {
  RankedTensorType type = typeOf(argument);
  argument.setType(shardType(type, dim, tp));
  function.setArgAttr(argument.getArgNumber(), attrs::kSharding,
                      splitSharding(mesh, type.getRank(), dim, axis));
}

} // namespace

unsigned autodiff::splitMatmulPairs(func::FuncOp forward,
                                    FlatSymbolRefAttr mesh, StringRef axis,
                                    int64_t tp) {
  Block &body = forward.getBody().front();
  SmallVector<Pair> pairs;
  llvm::DenseSet<Operation *> paired;
  for (auto matmul : body.getOps<MatmulOp>()) {
    if (paired.contains(matmul))
      continue;
    if (std::optional<Pair> pair = matchPair(forward, matmul, tp)) {
      paired.insert(pair->second);
      pairs.push_back(std::move(*pair));
    }
  }
  for (Pair &pair : pairs) {
    shardArgument(forward, pair.w1, 0, mesh, axis, tp);
    if (pair.b1)
      shardArgument(forward, pair.b1, 0, mesh, axis, tp);
    shardArgument(forward, pair.w2, 1, mesh, axis, tp);
    for (Value value : pair.hidden) {
      RankedTensorType type = typeOf(value);
      value.setType(shardType(type, type.getRank() - 1, tp));
    }
    // Each device's product covers its slice of H: a partial sum.
    OpBuilder b(pair.second->getContext());
    b.setInsertionPointAfter(pair.second);
    Value partial = pair.second.getResult();
    Value sum = because(
        AllReduceOp::create(
            b, pair.second.getLoc(), partial.getType(), partial,
            CollectiveKindAttr::get(b.getContext(), CollectiveKind::sum), mesh,
            b.getStrArrayAttr({axis})),
        "tp: sums the devices' partial products of " +
            argumentName(forward, pair.w2.getArgNumber()) +
            " (Megatron's row-parallel matmul)");
    partial.replaceAllUsesExcept(sum, sum.getDefiningOp());
  }
  SmallVector<Type> inputs;
  for (BlockArgument argument : body.getArguments())
    inputs.push_back(argument.getType());
  forward.setType(FunctionType::get(forward.getContext(), inputs,
                                    forward.getResultTypes()));
  return pairs.size();
}
