//===- Interpreter.cpp - the reference evaluator's walk over a function ---===//

#include "tcc/Interpreter/Interpreter.h"

#include "Kernels.h"
#include "SimulatedMesh.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/SymbolTable.h"

#include <thread>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

//===----------------------------------------------------------------------===//
// Kernel support
//===----------------------------------------------------------------------===//

void interp::forEachIndex(
    ArrayRef<int64_t> shape,
    llvm::function_ref<void(ArrayRef<int64_t>, int64_t)> fn) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  SmallVector<int64_t, 6> index(shape.size(), 0);
  for (int64_t linear = 0; linear < count; ++linear) {
    fn(index, linear);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

int64_t interp::evaluatorBytes(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d; // Bounded by the dialect's 2^40-element type constraint.
  // Every element is a double or an int64.
  return count * 8;
}

LogicalResult KernelContext::checkBudget(Operation *op,
                                         ArrayRef<int64_t> shape) {
  int64_t bytes = evaluatorBytes(shape);
  if (bytes > budgetBytes)
    return op->emitOpError("result of ")
           << bytes / 8 << " elements needs " << bytes / (1 << 20)
           << " MiB in the evaluator, more than its limit of "
           << budgetBytes / (1 << 20) << " MiB (--max-memory)";
  if (liveBytes + bytes > budgetBytes)
    return op->emitOpError("result of ")
           << bytes / 8 << " elements needs " << bytes / (1 << 20)
           << " MiB besides the " << liveBytes / (1 << 20)
           << " MiB of live tensors, more than the evaluator's limit of "
           << budgetBytes / (1 << 20) << " MiB (--max-memory)";
  return success();
}

FailureOr<Tensor> KernelContext::allocate(Operation *op, DType dtype,
                                          ArrayRef<int64_t> shape) {
  if (failed(checkBudget(op, shape)))
    return failure();
  return Tensor(dtype, shape);
}

FailureOr<Tensor> KernelContext::allocate(Operation *op, Value result) {
  auto type = cast<RankedTensorType>(result.getType());
  return allocate(op, *dtypeOf(type.getElementType()), type.getShape());
}

namespace {
const KernelTable &kernels() {
  static const KernelTable table = [] {
    KernelTable t;
    registerElementwiseKernels(t);
    registerDataMovementKernels(t);
    registerReductionKernels(t);
    registerContractionKernels(t);
    registerNormalizationKernels(t);
    registerRandomKernels(t);
    registerCollectiveKernels(t);
    return t;
  }();
  return table;
}
} // namespace

SmallVector<StringRef> interp::supportedOperations() {
  SmallVector<StringRef> names;
  for (const auto &entry : kernels())
    names.push_back(entry.getKey());
  // Structural ops the walk itself handles.
  names.append({AnnotateOp::getOperationName(), StageOp::getOperationName(),
                YieldOp::getOperationName(), MeshOp::getOperationName(),
                FusionOp::getOperationName()});
  llvm::sort(names);
  return names;
}

LogicalResult interp::checkSignature(func::FuncOp function) {
  // The walk runs straight-line code: branches between blocks are not tcc.
  if (function.getBody().getBlocks().size() > 1)
    return function.emitError("has ")
           << function.getBody().getBlocks().size()
           << " blocks; the evaluator runs single-block functions";
  auto evaluable = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.hasStaticShape() &&
           dtypeOf(tensor.getElementType()) && hasBoundedSize(tensor);
  };
  for (auto [i, type] : llvm::enumerate(function.getArgumentTypes()))
    if (!evaluable(type))
      return function.emitError("argument #")
             << i << " has type " << type << ", which tcc cannot evaluate";
  for (auto [i, type] : llvm::enumerate(function.getResultTypes()))
    if (!evaluable(type))
      return function.emitError("result #")
             << i << " has type " << type << ", which tcc cannot evaluate";
  return success();
}

//===----------------------------------------------------------------------===//
// The walk
//===----------------------------------------------------------------------===//

namespace {

/// Evaluates one function on one device.
class FunctionEvaluator {
public:
  /// `context` is shared with the evaluators of nested calls, so that their
  /// values count against the same budget.
  explicit FunctionEvaluator(KernelContext &context) : context(context) {}
  ~FunctionEvaluator() {
    for (auto &entry : values)
      context.liveBytes -= evaluatorBytes(entry.second.shape());
  }

  FailureOr<SmallVector<Tensor>> run(func::FuncOp function,
                                     ArrayRef<Tensor> arguments,
                                     unsigned depth = 0);

private:
  /// Runs `block`; the terminator's operands are returned in `yielded`.
  LogicalResult runBlock(Block &block, SmallVectorImpl<Tensor> &yielded,
                         unsigned depth);
  LogicalResult runOp(Operation &op, unsigned depth);
  FailureOr<SmallVector<const Tensor *>> operandsOf(Operation &op);

  /// Makes `tensor` the value of `value`, counting its bytes as live.
  void bind(Value value, Tensor tensor) {
    context.liveBytes += evaluatorBytes(tensor.shape());
    auto [it, inserted] = values.try_emplace(value, std::move(tensor));
    if (!inserted) {
      context.liveBytes -= evaluatorBytes(it->second.shape());
      it->second = std::move(tensor);
    }
  }
  void release(Value value) {
    auto it = values.find(value);
    if (it == values.end())
      return;
    context.liveBytes -= evaluatorBytes(it->second.shape());
    values.erase(it);
  }

  KernelContext &context;
  llvm::DenseMap<Value, Tensor> values;
};

LogicalResult checkArguments(func::FuncOp function, ArrayRef<Tensor> arguments) {
  if (failed(checkSignature(function)))
    return failure();
  if (arguments.size() != function.getNumArguments())
    return function.emitError("expects ")
           << function.getNumArguments() << " arguments, got "
           << arguments.size();
  for (auto [i, type, argument] :
       llvm::enumerate(function.getArgumentTypes(), arguments)) {
    auto tensor = cast<RankedTensorType>(type);
    if (tensor.getShape() != argument.shape() ||
        *dtypeOf(tensor.getElementType()) != argument.dtype()) {
      std::string got;
      llvm::raw_string_ostream os(got);
      os << rt::dtypeName(argument.dtype()) << "[";
      llvm::interleaveComma(argument.shape(), os);
      os << "]";
      return function.emitError("the tensor bound to argument ")
             << i << " is " << got << ", but the function expects " << type;
    }
  }
  return success();
}

FailureOr<SmallVector<Tensor>>
FunctionEvaluator::run(func::FuncOp function, ArrayRef<Tensor> arguments,
                       unsigned depth) {
  if (function.isExternal())
    return function.emitError("cannot evaluate a function without a body");
  if (failed(checkArguments(function, arguments)))
    return failure();
  Block &entry = function.getBody().front();
  for (auto [arg, tensor] : llvm::zip(entry.getArguments(), arguments))
    bind(arg, tensor);
  SmallVector<Tensor> results;
  if (failed(runBlock(entry, results, depth)))
    return failure();
  return results;
}

FailureOr<SmallVector<const Tensor *>>
FunctionEvaluator::operandsOf(Operation &op) {
  SmallVector<const Tensor *> operands;
  for (auto [i, operand] : llvm::enumerate(op.getOperands())) {
    auto it = values.find(operand);
    if (it == values.end()) {
      InFlightDiagnostic diag = op.emitOpError("operand #")
                                << i << " has no value on this device";
      if (auto stage = operand.getDefiningOp<StageOp>())
        diag << ": it comes from tcc.stage " << stage.getIndex()
             << ", which runs on other devices; send it with tcc.send";
      return diag;
    }
    operands.push_back(&it->second);
  }
  return operands;
}

LogicalResult FunctionEvaluator::runBlock(Block &block,
                                          SmallVectorImpl<Tensor> &yielded,
                                          unsigned depth) {
  // Free each value of this block after its last use, so the evaluator's
  // memory follows the program's liveness rather than its size. Values from
  // enclosing blocks stay: their own block frees them.
  llvm::DenseMap<Operation *, SmallVector<Value>> dies;
  {
    llvm::DenseMap<Value, Operation *> lastUse;
    for (Operation &op : block) {
      op.walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          if (operand.getParentBlock() == &block)
            lastUse[operand] = &op;
      });
    }
    for (auto [value, op] : lastUse)
      dies[op].push_back(value);
  }
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      FailureOr<SmallVector<const Tensor *>> operands = operandsOf(op);
      if (failed(operands))
        return failure();
      for (const Tensor *t : *operands)
        yielded.push_back(*t);
      // What dies here leaves with the yielded copies.
      for (Value value : dies.lookup(&op))
        release(value);
      return success();
    }
    if (failed(runOp(op, depth)))
      return failure();
    for (Value value : dies.lookup(&op))
      release(value);
  }
  return success();
}

LogicalResult FunctionEvaluator::runOp(Operation &op, unsigned depth) {
  if (auto annotate = dyn_cast<AnnotateOp>(op)) {
    FailureOr<SmallVector<const Tensor *>> operands = operandsOf(op);
    if (failed(operands))
      return failure();
    bind(annotate.getResult(), *operands->front());
    return success();
  }
  if (auto stage = dyn_cast<StageOp>(op)) {
    DeviceState *device = context.device;
    if (!device)
      return op.emitOpError(kNeedsMesh);
    unsigned axis = *device->mesh.axisIndex(stage.getAxis());
    if (device->coordinates[axis] != static_cast<int64_t>(stage.getIndex()))
      return success(); // Not this device's stage: its results stay absent.
    SmallVector<Tensor> yielded;
    if (failed(runBlock(stage.getBody().front(), yielded, depth)))
      return failure();
    for (auto [result, tensor] : llvm::zip(stage.getResults(), yielded))
      bind(result, std::move(tensor));
    return success();
  }
  if (auto fusion = dyn_cast<FusionOp>(op)) {
    // A fusion means what its body means: evaluate it in place.
    FailureOr<SmallVector<const Tensor *>> operands = operandsOf(op);
    if (failed(operands))
      return failure();
    // Copies first: binding inserts into the map the operand pointers
    // point into, and a rehash would leave the later ones dangling.
    SmallVector<Tensor> inputs;
    for (const Tensor *t : *operands)
      inputs.push_back(*t);
    Block &body = fusion.getBody().front();
    for (auto [argument, tensor] : llvm::zip(body.getArguments(), inputs))
      bind(argument, std::move(tensor));
    SmallVector<Tensor> yielded;
    if (failed(runBlock(body, yielded, depth)))
      return failure();
    for (auto [result, tensor] : llvm::zip(fusion.getResults(), yielded))
      bind(result, std::move(tensor));
    return success();
  }
  if (auto call = dyn_cast<func::CallOp>(op)) {
    if (depth >= 64)
      return op.emitOpError("calls nest more than 64 deep (recursion?)");
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        &op, call.getCalleeAttr());
    if (!callee)
      return op.emitOpError("calls unknown function ") << call.getCalleeAttr();
    FailureOr<SmallVector<const Tensor *>> operands = operandsOf(op);
    if (failed(operands))
      return failure();
    SmallVector<Tensor> arguments;
    for (const Tensor *t : *operands)
      arguments.push_back(*t);
    FailureOr<SmallVector<Tensor>> results = failure();
    {
      FunctionEvaluator nested(context);
      results = nested.run(callee, arguments, depth + 1);
    }
    if (failed(results))
      return failure();
    for (auto [result, tensor] : llvm::zip(call.getResults(), *results))
      bind(result, std::move(tensor));
    return success();
  }

  auto kernel = kernels().find(op.getName().getStringRef());
  if (kernel == kernels().end())
    return op.emitOpError("is not supported by the evaluator");
  FailureOr<SmallVector<const Tensor *>> operands = operandsOf(op);
  if (failed(operands))
    return failure();
  SmallVector<Tensor> results;
  if (failed(kernel->second(&op, *operands, results, context)))
    return failure();
  for (auto [i, result, tensor] : llvm::enumerate(op.getResults(), results)) {
    // A kernel's result must have its declared type: anything else is an
    // evaluator bug, caught here before it corrupts a later op.
    auto type = cast<RankedTensorType>(result.getType());
    if (tensor.shape() != type.getShape() ||
        tensor.dtype() != dtypeOf(type.getElementType()))
      return op.emitOpError("evaluator bug: its kernel made result ")
             << i << " a tensor of " << rt::dtypeName(tensor.dtype()) << " of "
             << tensor.numElements() << " elements, not " << type;
    if (!context.options.computeInF64 || !tensor.isFloat())
      tensor.roundToDType();
    bind(result, std::move(tensor));
  }
  return success();
}

} // namespace

FailureOr<SmallVector<Tensor>> interp::evaluate(func::FuncOp function,
                                                ArrayRef<Tensor> arguments,
                                                const EvalOptions &options) {
  KernelContext context(options, /*device=*/nullptr, options.maxBytes);
  FunctionEvaluator evaluator(context);
  return evaluator.run(function, arguments);
}

FailureOr<SmallVector<SmallVector<Tensor>>>
interp::evaluateSpmd(func::FuncOp function, MeshOp mesh,
                     ArrayRef<SmallVector<Tensor>> arguments,
                     const EvalOptions &options) {
  SimulatedMesh simulated(mesh, options.collectiveTimeout);
  int64_t n = simulated.numDevices();
  // One thread per device: beyond this the host, not the program, fails.
  if (n > kMaxSimulatedDevices)
    return function.emitError("mesh @")
           << mesh.getSymName() << " has " << n
           << " devices; the evaluator simulates at most "
           << kMaxSimulatedDevices;
  if (static_cast<int64_t>(arguments.size()) != n)
    return function.emitError("needs arguments for ")
           << n << " devices, got " << arguments.size();
  SmallVector<SmallVector<Tensor>> results(n);
  SmallVector<char> ok(n, 0);
  // Kernels may build attributes (e.g. for diagnostics) from any thread.
  MLIRContext *ctx = function.getContext();
  bool wasMultithreaded = ctx->isMultithreadingEnabled();
  if (!wasMultithreaded)
    ctx->enableMultithreading(true);
  {
    std::vector<std::thread> threads;
    for (int64_t rank = 0; rank < n; ++rank) {
      threads.emplace_back([&, rank] {
        DeviceState device(simulated, rank);
        // Each device gets an equal share of the memory budget.
        KernelContext context(options, &device, options.maxBytes / n);
        FunctionEvaluator evaluator(context);
        FailureOr<SmallVector<Tensor>> out =
            evaluator.run(function, arguments[rank]);
        if (succeeded(out)) {
          results[rank] = std::move(*out);
          ok[rank] = 1;
          return;
        }
        if (!device.aborted)
          function.emitRemark("evaluation failed on ") << device.describe();
        simulated.abort();
      });
    }
    for (std::thread &t : threads)
      t.join();
  }
  if (!wasMultithreaded)
    ctx->enableMultithreading(false);
  if (llvm::is_contained(ok, 0))
    return failure();
  return results;
}
