//===- Plan.h - the execution plan inside an artifact -----------*- C++ -*-===//
//
// What the runtime executes: the compiled program's signature, its buffers
// (byte ranges of one arena planned at compile time) and a list of
// commands, run in order. The compiler writes it and every driver reads it
// through this one definition; it travels as JSON in the artifact's `plan`
// section (docs/artifact-format.md documents the fields).
//
// Parsing validates everything the executor relies on: every buffer inside
// the arena, every reference to an existing input or buffer, every
// command's byte counts consistent with its shapes. An executor can then
// run a parsed plan without further checks.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_PLAN_H
#define TCC_RUNTIME_PLAN_H

#include "tcc/runtime/Communicator.h"
#include "tcc/runtime/DType.h"
#include "tcc/runtime/RandomInputs.h"
#include "tcc/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tcc::rt {

inline constexpr int64_t kPlanVersion = 1;

/// A tensor of the program's signature.
struct TensorSpec {
  std::string name;
  /// "input", "parameter", "buffer", "output", "loss", ...
  std::string role;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// For inputs: what to draw when the user gives none.
  RandomInit random;
  /// In a per-device program: the mesh axes each dimension is split over
  /// (empty: not split), so that `shape` is one device's shard of the
  /// tensor the user sees. Empty for a single-device program.
  std::vector<std::vector<std::string>> sharding;
  /// The shape of the tensor the user holds when the global tensor is a
  /// row-major view of it (tensor parallelism keeps a fused qkv weight
  /// [3C, C] as [3, C, C], split per head along dimension 1); empty: the
  /// global shape.
  std::vector<int64_t> userShape;

  int64_t numElements() const;
  int64_t byteSize() const;
};

/// Where a command reads or writes: a program input, an arena buffer, or a
/// program output (memory the caller provides, so results are written where
/// the caller wants them instead of copied out of the arena).
struct BufferRef {
  enum class Kind : uint8_t { Input, Buffer, Output };
  Kind kind = Kind::Buffer;
  int64_t index = 0;

  bool operator==(const BufferRef &other) const {
    return kind == other.kind && index == other.index;
  }
};

struct ArenaBuffer {
  int64_t offset = 0;
  int64_t bytes = 0;
};

/// CPU: runs symbol(args, begin, end) of the kernel object over tiles
/// [0, tiles), split between threads. CUDA: launches kernel `symbol` on a
/// grid of `tiles` blocks of `threads` threads. The kernel's last argument
/// is a status word the executor provides.
struct KernelCommand {
  std::string symbol;
  std::vector<BufferRef> args;
  int64_t tiles = 1;
  /// Threads per tile: a GPU block's size; 1 on the CPU.
  int64_t threads = 1;
};

/// out[b] = op(lhs[b]) x op(rhs[b]) for each batch index b, through the
/// BLAS library (cuBLASLt on CUDA, which also takes f16 and bf16). Batch
/// shapes are broadcast like numpy's: lhsBatch and rhsBatch have the rank of
/// batch, with 1 where an operand is broadcast.
///
/// The library applies the command's epilogue to each product before it is
/// stored (cuBLASLt's CUBLASLT_EPILOGUE_*): out = act(product + bias), with
/// `bias` a vector of n elements added to every row of every batch.
enum class MatmulActivation : uint8_t {
  None,
  Relu,
  /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), cuBLASLt's GELU.
  GeluTanh
};

struct MatmulCommand {
  DType dtype = DType::F32;
  BufferRef lhs, rhs, out;
  int64_t m = 0, n = 0, k = 0;
  bool transposeLhs = false, transposeRhs = false;
  std::vector<int64_t> batch, lhsBatch, rhsBatch;
  bool hasBias = false;
  BufferRef bias;
  MatmulActivation activation = MatmulActivation::None;

  bool hasEpilogue() const {
    return hasBias || activation != MatmulActivation::None;
  }
};

/// "none", "relu", "gelu_tanh".
const char *matmulActivationName(MatmulActivation activation);

/// Copies bytes between buffers (a program input passed through, or an
/// output that is also an input).
struct CopyCommand {
  BufferRef from, to;
  int64_t bytes = 0;
};

/// A collective over this device's group: the devices that share every
/// mesh coordinate but those along `axes` (tcc.all_reduce, all_gather,
/// reduce_scatter, all_slice, collective_broadcast). `shape` is the
/// operand's; `dim` the dimension gathered, scattered or sliced; `root` the
/// broadcast's group position. Executed through the runtime's Communicator
/// (all_slice only needs the device's position in the group).
struct CollectiveCommand {
  enum class Kind : uint8_t {
    AllReduce,
    AllGather,
    ReduceScatter,
    AllSlice,
    Broadcast
  };
  Kind kind = Kind::AllReduce;
  ReduceOp op = ReduceOp::Sum;
  DType dtype = DType::F32;
  BufferRef in, out;
  std::vector<int64_t> shape;
  std::vector<std::string> axes;
  int64_t dim = 0;
  int64_t root = 0;
};

/// "all_reduce", "all_gather", "reduce_scatter", "all_slice",
/// "collective_broadcast".
const char *collectiveKindName(CollectiveCommand::Kind kind);

/// The device mesh of a per-device (SPMD) program (tcc.mesh): axis names
/// and sizes; a device's rank is the row-major linearization of its
/// coordinates. Empty for a single-device program.
struct MeshSpec {
  std::vector<std::string> axes;
  std::vector<int64_t> sizes;

  bool empty() const { return axes.empty(); }
  int64_t numDevices() const;
  /// "dp=2, tp=2".
  std::string describe() const;
  /// The coordinates of `rank`.
  std::vector<int64_t> coordinates(int64_t rank) const;
  /// The position of `axis`, or -1.
  int axisIndex(const std::string &axis) const;
};

struct Command {
  enum class Kind : uint8_t { Kernel, Matmul, Copy, Collective };
  Kind kind = Kind::Kernel;
  /// What the command computes, for errors and traces: the op's name and
  /// the user's source location.
  std::string label;
  KernelCommand kernel;
  MatmulCommand matmul;
  CopyCommand copy;
  CollectiveCommand collective;
};

struct Plan {
  std::string target = "cpu";
  /// The CPU the kernels were compiled for and its LLVM feature string
  /// ("+avx2,+avx512f,-sse4a,..."); the executor refuses to run kernels
  /// that use features the host lacks.
  std::string cpu, cpuFeatures;
  /// Set for a per-device program: the runtime then needs a communicator
  /// of mesh.numDevices() ranks.
  MeshSpec mesh;
  std::vector<TensorSpec> inputs;
  /// Output i is written to {Output, i} by the commands.
  std::vector<TensorSpec> outputs;
  std::vector<ArenaBuffer> buffers;
  int64_t arenaBytes = 0;
  std::vector<Command> commands;

  /// The bytes of `ref`'s tensor.
  int64_t bytesOf(const BufferRef &ref) const;
};

/// Parses and validates a plan; errors name the field.
StatusOr<Plan> parsePlan(std::string_view json);

std::string serializePlan(const Plan &plan);

} // namespace tcc::rt

#endif // TCC_RUNTIME_PLAN_H
