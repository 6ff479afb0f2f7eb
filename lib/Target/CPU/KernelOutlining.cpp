//===- KernelOutlining.cpp - from a fused function to kernels and a plan --===//
//
// Walks the fused entry function in order. A reshape outside any group
// aliases its operand's buffer. Each tcc.fusion and each other tcc op
// becomes one command: a kernel (a new function on memrefs whose
// body is the op's linalg lowering), or for an f32/f64 matmul a BLAS call
// (which may add a bias and apply ReLU/GELU itself: LibraryEpilogue.cpp)
// followed by a kernel for the rest of its group. Every value that reaches
// memory gets an arena buffer; buffers are placed by liveness with the same
// placement the compile-time memory report uses (placeBuffers).
//
//===----------------------------------------------------------------------===//

#include "tcc/Target/CPU/CpuPipeline.h"

#include "tcc/Analysis/MemoryPlan.h"
#include "tcc/Analysis/RandomInputs.h"
#include "tcc/Conversion/TccToLinalg.h"
#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/Support/DType.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::cpu;

namespace {

/// Bytes of a tensor in memory (i1 takes a byte, as in .npy and LLVM).
int64_t byteSizeOf(RankedTensorType type) {
  return type.getNumElements() *
         static_cast<int64_t>(rt::dtypeSize(*dtypeOf(type.getElementType())));
}

MemRefType memrefFor(Type tensor) {
  auto type = cast<RankedTensorType>(tensor);
  return MemRefType::get(type.getShape(), type.getElementType());
}

std::string roleOfResult(func::FuncOp function, unsigned index) {
  if (auto role =
          function.getResultAttrOfType<StringAttr>(index, attrs::kRole))
    return role.str();
  return "output";
}

class Outliner {
public:
  Outliner(func::FuncOp entry, ModuleOp kernels,
           const CpuTargetOptions &options)
      : entry(entry), kernels(kernels), options(options) {}

  FailureOr<rt::Plan> run();

private:
  LogicalResult signature();
  LogicalResult unit(Operation *op);
  /// Whether a matmul goes to the BLAS library (else its loops are
  /// generated in a kernel).
  bool blasEligible(MatmulOp matmul) const;
  LogicalResult contraction(Operation *anchor, MatmulOp matmul,
                            ArrayRef<Operation *> ops, ArrayRef<Value> inputs,
                            ArrayRef<Value> outputs,
                            ArrayRef<rt::BufferRef> outputRefs);
  LogicalResult kernel(Operation *anchor, ArrayRef<Operation *> ops,
                       ArrayRef<Value> inputs, ArrayRef<Value> outputs,
                       ArrayRef<rt::BufferRef> inputRefs,
                       ArrayRef<rt::BufferRef> outputRefs);

  rt::BufferRef newBuffer(RankedTensorType type);
  /// The program output `v` is returned as, the first time a buffer is made
  /// for it; else a new arena buffer.
  rt::BufferRef bufferFor(Value v);
  void use(const rt::BufferRef &ref);
  rt::BufferRef refOf(Value v) const { return refs.lookup(v); }

  func::FuncOp entry;
  ModuleOp kernels;
  const CpuTargetOptions &options;
  rt::Plan plan;
  DenseMap<Value, rt::BufferRef> refs;
  /// Per arena buffer: the first and last command that touches it.
  std::vector<BufferRequest> live;
  /// Values the entry function returns, with the first result index.
  DenseMap<Value, int64_t> returned;
  unsigned kernelCount = 0;
};

rt::BufferRef Outliner::newBuffer(RankedTensorType type) {
  rt::BufferRef ref{rt::BufferRef::Kind::Buffer,
                    static_cast<int64_t>(plan.buffers.size())};
  rt::ArenaBuffer buffer;
  buffer.bytes = byteSizeOf(type);
  plan.buffers.push_back(buffer);
  unsigned now = plan.commands.size();
  live.push_back(BufferRequest{buffer.bytes, now, now});
  return ref;
}

rt::BufferRef Outliner::bufferFor(Value v) {
  auto it = returned.find(v);
  if (it == returned.end())
    return newBuffer(cast<RankedTensorType>(v.getType()));
  rt::BufferRef ref{rt::BufferRef::Kind::Output, it->second};
  // A later duplicate gets a copy at the end.
  returned.erase(it);
  return ref;
}

void Outliner::use(const rt::BufferRef &ref) {
  if (ref.kind != rt::BufferRef::Kind::Buffer)
    return;
  BufferRequest &request = live[ref.index];
  request.end = std::max<unsigned>(request.end, plan.commands.size());
}

/// The split axes of each dimension under `sharding` (empty: replicated).
/// A single-device program's tensors have none.
static std::vector<std::vector<std::string>> shardingOf(ShardingAttr sharding,
                                                        int64_t rank) {
  std::vector<std::vector<std::string>> dims;
  if (!sharding || sharding.isFullyReplicated())
    return dims;
  for (int64_t d = 0; d < rank; ++d) {
    std::vector<std::string> axes;
    for (StringRef axis : sharding.getDimAxes(d))
      axes.push_back(axis.str());
    dims.push_back(std::move(axes));
  }
  return dims;
}

LogicalResult Outliner::signature() {
  for (auto [i, arg] : llvm::enumerate(entry.getArguments())) {
    auto type = cast<RankedTensorType>(arg.getType());
    rt::TensorSpec spec;
    spec.name = argumentName(entry, i);
    spec.role = argumentRole(entry, i).str();
    if (spec.role.empty())
      spec.role = "input";
    spec.dtype = *dtypeOf(type.getElementType());
    spec.shape.assign(type.getShape().begin(), type.getShape().end());
    spec.random = randomInitFor(entry, i, type);
    spec.sharding = shardingOf(entry.getArgAttrOfType<ShardingAttr>(i, attrs::kSharding),
                               type.getRank());
    if (auto view =
            entry.getArgAttrOfType<DenseI64ArrayAttr>(i, attrs::kUserShape))
      spec.userShape.assign(view.asArrayRef().begin(), view.asArrayRef().end());
    plan.inputs.push_back(std::move(spec));
    refs[arg] = {rt::BufferRef::Kind::Input, static_cast<int64_t>(i)};
  }
  for (auto [i, type] : llvm::enumerate(entry.getResultTypes())) {
    auto tensor = cast<RankedTensorType>(type);
    rt::TensorSpec spec;
    spec.name = resultName(entry, i);
    spec.role = roleOfResult(entry, i);
    spec.dtype = *dtypeOf(tensor.getElementType());
    spec.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    spec.sharding = shardingOf(
        entry.getResultAttrOfType<ShardingAttr>(i, attrs::kSharding),
        tensor.getRank());
    if (auto view = entry.getResultAttrOfType<DenseI64ArrayAttr>(
            i, attrs::kUserShape))
      spec.userShape.assign(view.asArrayRef().begin(), view.asArrayRef().end());
    plan.outputs.push_back(std::move(spec));
  }
  if (MeshOp mesh = functionMesh(entry)) {
    for (Attribute axis : mesh.getAxisNames())
      plan.mesh.axes.push_back(cast<StringAttr>(axis).str());
    plan.mesh.sizes.assign(mesh.getAxisSizes().begin(),
                           mesh.getAxisSizes().end());
  }
  return success();
}

bool Outliner::blasEligible(MatmulOp matmul) const {
  Type element = cast<RankedTensorType>(matmul.getType()).getElementType();
  return options.useBlas &&
         (element.isF32() || element.isF64() ||
          (options.libraryMatmulsInHalf && (element.isF16() || element.isBF16())));
}

LogicalResult Outliner::kernel(Operation *anchor, ArrayRef<Operation *> ops,
                               ArrayRef<Value> inputs, ArrayRef<Value> outputs,
                               ArrayRef<rt::BufferRef> inputRefs,
                               ArrayRef<rt::BufferRef> outputRefs) {
  MLIRContext *context = entry.getContext();
  Location loc = anchor->getLoc();
  std::string name = "tcc_kernel_" + std::to_string(kernelCount++);
  SmallVector<Type> argTypes;
  for (Value v : inputs)
    argTypes.push_back(memrefFor(v.getType()));
  for (Value v : outputs)
    argTypes.push_back(memrefFor(v.getType()));
  argTypes.push_back(MemRefType::get({1}, IntegerType::get(context, 32)));
  argTypes.push_back(IndexType::get(context));
  argTypes.push_back(IndexType::get(context));
  OpBuilder b = OpBuilder::atBlockEnd(kernels.getBody());
  auto function = func::FuncOp::create(
      b, loc, name, FunctionType::get(context, argTypes, {}));
  Block *body = function.addEntryBlock();
  b.setInsertionPointToStart(body);
  IRMapping mapping;
  for (auto [i, v] : llvm::enumerate(inputs)) {
    auto toTensor = bufferization::ToTensorOp::create(
        b, loc, v.getType(), body->getArgument(i), /*restrict=*/true,
        /*writable=*/false);
    mapping.map(v, toTensor.getResult());
  }
  Value status = body->getArgument(inputs.size() + outputs.size());
  for (Operation *op : ops) {
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      Value mapped = mapping.lookupOrNull(operand);
      if (!mapped)
        return op->emitOpError("internal: an operand of this op is outside "
                               "its kernel");
      operands.push_back(mapped);
    }
    SmallVector<Value> results;
    if (failed(lowerToLinalg(b, op, operands, status, results)))
      return failure();
    mapping.map(op->getResults(), results);
  }
  for (auto [i, v] : llvm::enumerate(outputs)) {
    auto store = bufferization::MaterializeInDestinationOp::create(
        b, loc, mapping.lookup(v), body->getArgument(inputs.size() + i));
    store.setRestrict(true);
    store.setWritable(true);
  }
  func::ReturnOp::create(b, loc);

  rt::Command command;
  command.kind = rt::Command::Kind::Kernel;
  command.label = commandLabel(anchor);
  command.kernel.symbol = name;
  command.kernel.args.assign(inputRefs.begin(), inputRefs.end());
  command.kernel.args.insert(command.kernel.args.end(), outputRefs.begin(),
                             outputRefs.end());
  for (const rt::BufferRef &ref : command.kernel.args)
    use(ref);
  plan.commands.push_back(std::move(command));
  return success();
}

LogicalResult Outliner::contraction(Operation *anchor, MatmulOp matmul,
                                    ArrayRef<Operation *> ops,
                                    ArrayRef<Value> inputs,
                                    ArrayRef<Value> outputs,
                                    ArrayRef<rt::BufferRef> outputRefs) {
  auto lhsType = cast<RankedTensorType>(matmul.getLhs().getType());
  auto rhsType = cast<RankedTensorType>(matmul.getRhs().getType());
  auto resultType = cast<RankedTensorType>(matmul.getType());
  // The ops the library applies to the product itself; `written` is what
  // the command stores (the product when there are none).
  LibraryEpilogue epilogue;
  epilogue.result = matmul.getResult();
  if (options.matmulEpilogues.value_or(false))
    epilogue = matchLibraryEpilogue(matmul, ops, inputs, outputs);
  Value written = epilogue.result;
  // The command writes straight into an output when the group yields it.
  rt::BufferRef product;
  bool yielded = false;
  for (auto [v, ref] : llvm::zip(outputs, outputRefs))
    if (v == written && !yielded) {
      product = ref;
      yielded = true;
    }
  if (!yielded)
    product = newBuffer(resultType);

  auto indexOf = [&](Value v) {
    return llvm::find(inputs, v) - inputs.begin();
  };
  rt::Command command;
  command.kind = rt::Command::Kind::Matmul;
  command.label = commandLabel(anchor);
  rt::MatmulCommand &mm = command.matmul;
  mm.dtype = *dtypeOf(resultType.getElementType());
  mm.lhs = refOf(inputs[indexOf(matmul.getLhs())]);
  mm.rhs = refOf(inputs[indexOf(matmul.getRhs())]);
  mm.out = product;
  int64_t rank = resultType.getRank();
  mm.m = resultType.getDimSize(rank - 2);
  mm.n = resultType.getDimSize(rank - 1);
  mm.k = matmul.getTransposeLhs() ? lhsType.getDimSize(lhsType.getRank() - 2)
                                  : lhsType.getDimSize(lhsType.getRank() - 1);
  mm.transposeLhs = matmul.getTransposeLhs();
  mm.transposeRhs = matmul.getTransposeRhs();
  for (int64_t d = 0; d < rank - 2; ++d)
    mm.batch.push_back(resultType.getDimSize(d));
  auto batchOf = [&](RankedTensorType type) {
    std::vector<int64_t> dims(rank - type.getRank(), 1);
    for (int64_t d = 0; d < type.getRank() - 2; ++d)
      dims.push_back(type.getDimSize(d));
    return dims;
  };
  mm.lhsBatch = batchOf(lhsType);
  mm.rhsBatch = batchOf(rhsType);
  // x[B, T, C] @ W[C, N]: the batches of an untransposed lhs are stacked
  // rows, so with one shared rhs the whole batch is one GEMM of B*T rows.
  if (!mm.batch.empty() && !mm.transposeLhs && mm.lhsBatch == mm.batch &&
      llvm::all_of(mm.rhsBatch, [](int64_t d) { return d == 1; })) {
    for (int64_t d : mm.batch)
      mm.m *= d;
    mm.batch.clear();
    mm.lhsBatch.clear();
    mm.rhsBatch.clear();
  }
  if (epilogue.bias) {
    mm.hasBias = true;
    mm.bias = refOf(inputs[indexOf(epilogue.bias)]);
    use(mm.bias);
  }
  mm.activation = epilogue.activation;
  for (const rt::BufferRef &ref : {mm.lhs, mm.rhs, mm.out})
    use(ref);
  plan.commands.push_back(std::move(command));

  // The epilogue kernel: everything else in the group, reading what the
  // command wrote.
  SmallVector<Operation *> rest;
  for (Operation *op : ops)
    if (op != matmul.getOperation() &&
        !llvm::is_contained(epilogue.absorbed, op))
      rest.push_back(op);
  SmallVector<Value> epilogueOutputs;
  SmallVector<rt::BufferRef> epilogueRefs;
  for (auto [v, ref] : llvm::zip(outputs, outputRefs))
    if (v != written) {
      epilogueOutputs.push_back(v);
      epilogueRefs.push_back(ref);
    } else if (!(ref == product)) {
      // Yielded twice: the copy keeps both outputs.
      rt::Command copy;
      copy.kind = rt::Command::Kind::Copy;
      copy.label = commandLabel(anchor);
      copy.copy = {product, ref, byteSizeOf(resultType)};
      use(product);
      use(ref);
      plan.commands.push_back(std::move(copy));
    }
  if (epilogueOutputs.empty())
    return success();
  SmallVector<Value> epilogueInputs;
  SmallVector<rt::BufferRef> epilogueInputRefs;
  llvm::SetVector<Value> used;
  for (Operation *op : rest)
    for (Value operand : op->getOperands())
      if (llvm::is_contained(inputs, operand) || operand == written)
        used.insert(operand);
  for (Value v : epilogueOutputs)
    if (llvm::is_contained(inputs, v) || v == written)
      used.insert(v);
  for (Value v : used) {
    epilogueInputs.push_back(v);
    epilogueInputRefs.push_back(v == written ? product
                                             : refOf(inputs[indexOf(v)]));
  }
  return kernel(anchor, rest, epilogueInputs, epilogueOutputs,
                epilogueInputRefs, epilogueRefs);
}

/// The plan's collective command for `op`, or nullopt when `op` is none
/// the runtime runs (all_to_all, send/recv and stages are not yet).
static std::optional<rt::CollectiveCommand> collectiveOf(Operation *op) {
  rt::CollectiveCommand cc;
  auto reduceOf = [](CollectiveKind kind) {
    switch (kind) {
    case CollectiveKind::sum:
      return rt::ReduceOp::Sum;
    case CollectiveKind::avg:
      return rt::ReduceOp::Avg;
    case CollectiveKind::max:
      return rt::ReduceOp::Max;
    case CollectiveKind::min:
      return rt::ReduceOp::Min;
    }
    return rt::ReduceOp::Sum;
  };
  ArrayAttr axes;
  if (auto allReduce = dyn_cast<AllReduceOp>(op)) {
    cc.kind = rt::CollectiveCommand::Kind::AllReduce;
    cc.op = reduceOf(allReduce.getKind());
    axes = allReduce.getAxes();
  } else if (auto gather = dyn_cast<AllGatherOp>(op)) {
    cc.kind = rt::CollectiveCommand::Kind::AllGather;
    cc.dim = gather.getDim();
    axes = gather.getAxes();
  } else if (auto scatter = dyn_cast<ReduceScatterOp>(op)) {
    cc.kind = rt::CollectiveCommand::Kind::ReduceScatter;
    cc.op = reduceOf(scatter.getKind());
    cc.dim = scatter.getDim();
    axes = scatter.getAxes();
  } else if (auto slice = dyn_cast<AllSliceOp>(op)) {
    cc.kind = rt::CollectiveCommand::Kind::AllSlice;
    cc.dim = slice.getDim();
    axes = slice.getAxes();
  } else if (auto broadcast = dyn_cast<CollectiveBroadcastOp>(op)) {
    cc.kind = rt::CollectiveCommand::Kind::Broadcast;
    cc.root = broadcast.getRoot();
    axes = broadcast.getAxes();
  } else {
    return std::nullopt;
  }
  for (Attribute axis : axes)
    cc.axes.push_back(cast<StringAttr>(axis).str());
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  cc.dtype = *dtypeOf(type.getElementType());
  cc.shape.assign(type.getShape().begin(), type.getShape().end());
  return cc;
}

LogicalResult Outliner::unit(Operation *op) {
  if (!isa_and_present<TccDialect>(op->getDialect()))
    return op->emitOpError("is not supported by the CPU backend: the entry "
                           "function may hold only tcc ops");
  // A collective is a command of its own, run by the runtime's
  // communicator on the operand's and the result's buffers.
  if (std::optional<rt::CollectiveCommand> cc = collectiveOf(op)) {
    if (plan.mesh.empty())
      return op->emitOpError("is a collective in a single-device program: "
                             "its function needs tcc.mesh = @<mesh> to run "
                             "on one process per device");
    cc->in = refOf(op->getOperand(0));
    cc->out = bufferFor(op->getResult(0));
    rt::Command command;
    command.kind = rt::Command::Kind::Collective;
    command.label = commandLabel(op);
    command.collective = std::move(*cc);
    use(command.collective.in);
    use(command.collective.out);
    refs[op->getResult(0)] = command.collective.out;
    plan.commands.push_back(std::move(command));
    return success();
  }
  if (!isa<FusionOp>(op) && !hasLinalgLowering(op->getName()))
    return op->emitOpError(
        "cannot run on the CPU backend yet: all_to_all, send/recv and "
        "pipeline stages are not implemented by the runtime");

  // A reshape keeps the bytes where they are (row-major order does not
  // change): its result is its operand's buffer, read under another shape,
  // and that buffer lives as long as either is used. A reshape the program
  // returns is computed into its output like any other result.
  if (auto reshape = dyn_cast<ReshapeOp>(op);
      reshape && !returned.count(reshape.getResult())) {
    refs[reshape.getResult()] = refOf(reshape.getOperand());
    return success();
  }

  // The values the unit reads from memory and those it writes.
  SmallVector<Operation *> ops;
  SmallVector<Value> inputs, outputs;
  SmallVector<rt::BufferRef> inputRefs;
  if (auto fusion = dyn_cast<FusionOp>(op)) {
    Block &body = fusion.getBody().front();
    for (Operation &inner : body.without_terminator())
      ops.push_back(&inner);
    for (auto [arg, operand] :
         llvm::zip(body.getArguments(), fusion.getInputs())) {
      inputs.push_back(arg);
      inputRefs.push_back(refOf(operand));
    }
    llvm::append_range(outputs, body.getTerminator()->getOperands());
  } else {
    ops.push_back(op);
    for (Value operand : op->getOperands())
      if (!llvm::is_contained(inputs, operand)) {
        inputs.push_back(operand);
        inputRefs.push_back(refOf(operand));
      }
    llvm::append_range(outputs, op->getResults());
  }
  SmallVector<rt::BufferRef> outputRefs;
  for (Value result : op->getResults()) {
    rt::BufferRef ref = bufferFor(result);
    refs[result] = ref;
    outputRefs.push_back(ref);
  }

  MatmulOp matmul;
  for (Operation *inner : ops)
    if (auto candidate = dyn_cast<MatmulOp>(inner))
      matmul = candidate;
  if (matmul && blasEligible(matmul) &&
      llvm::is_contained(inputs, matmul.getLhs()) &&
      llvm::is_contained(inputs, matmul.getRhs())) {
    // Map the inputs to their buffers for contraction().
    for (auto [v, ref] : llvm::zip(inputs, inputRefs))
      refs[v] = ref;
    return contraction(op, matmul, ops, inputs, outputs, outputRefs);
  }
  return kernel(op, ops, inputs, outputs, inputRefs, outputRefs);
}

FailureOr<rt::Plan> Outliner::run() {
  if (failed(signature()))
    return failure();
  Block &block = entry.getBody().front();
  Operation *terminator = block.getTerminator();
  for (auto [i, v] : llvm::enumerate(terminator->getOperands()))
    returned.try_emplace(v, static_cast<int64_t>(i));
  for (Operation &op : block.without_terminator())
    if (failed(unit(&op)))
      return failure();
  // Results computed into their output are done; the others (program
  // inputs returned, a value returned twice) are copied there.
  for (auto [i, v] : llvm::enumerate(terminator->getOperands())) {
    rt::BufferRef output{rt::BufferRef::Kind::Output, static_cast<int64_t>(i)};
    rt::BufferRef from = refOf(v);
    if (from == output)
      continue;
    rt::Command copy;
    copy.kind = rt::Command::Kind::Copy;
    copy.label = "return of '" + resultName(entry, i) + "'";
    copy.copy = {from, output,
                 byteSizeOf(cast<RankedTensorType>(v.getType()))};
    use(from);
    plan.commands.push_back(std::move(copy));
  }
  SmallVector<int64_t> offsets = placeBuffers(live, /*alignment=*/64);
  for (auto [buffer, offset] : llvm::zip(plan.buffers, offsets)) {
    buffer.offset = offset;
    plan.arenaBytes = std::max(plan.arenaBytes, offset + buffer.bytes);
  }
  plan.arenaBytes = (plan.arenaBytes + 63) / 64 * 64;
  return plan;
}

} // namespace

FailureOr<rt::Plan> cpu::outlineKernels(func::FuncOp entry, ModuleOp kernels,
                                        const CpuTargetOptions &options) {
  return Outliner(entry, kernels, options).run();
}
