//===- SimulatedMesh.h - an SPMD evaluation's devices -----------*- C++ -*-===//
//
// Each device of the mesh runs on its own thread. Collectives meet at a
// rendezvous keyed by (group, sequence number): every device of a group
// deposits its operand, the last to arrive computes all results, and each
// takes its own. Mismatched programs (different ops at the same point, or a
// device that never arrives) fail with an error instead of hanging.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_INTERPRETER_SIMULATEDMESH_H
#define TCC_LIB_INTERPRETER_SIMULATEDMESH_H

#include "tcc/Interpreter/Tensor.h"

#include "mlir/IR/Operation.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace mlir::tcc {
class MeshOp;
namespace interp {

class SimulatedMesh;

/// One simulated device: its place in the mesh and its collective counters.
class DeviceState {
public:
  DeviceState(SimulatedMesh &mesh, int64_t rank);

  SimulatedMesh &mesh;
  int64_t rank;
  SmallVector<int64_t> coordinates;
  /// Collectives issued so far per group, to pair them across devices.
  std::map<std::string, uint64_t> sequence;
  /// Set when another device failed, so this one stops quietly.
  bool aborted = false;

  /// "device 3 (dp = 1, tp = 1)", for diagnostics.
  std::string describe() const;
};

/// Computes every group member's result from the group's operands, in group
/// order. Operands are checked to agree in shape and type first.
using CombineFn = std::function<void(ArrayRef<const Tensor *> inputs,
                                     SmallVectorImpl<Tensor> &outputs)>;

class SimulatedMesh {
public:
  SimulatedMesh(MeshOp mesh, std::chrono::milliseconds timeout);

  int64_t numDevices() const { return numDevices_; }
  ArrayRef<std::string> axisNames() const { return axisNames_; }
  ArrayRef<int64_t> axisSizes() const { return axisSizes_; }
  std::optional<unsigned> axisIndex(StringRef name) const;
  SmallVector<int64_t> coordinatesOf(int64_t rank) const;
  int64_t rankOf(ArrayRef<int64_t> coordinates) const;

  /// The size of the group over `axes` and `device`'s position in it.
  std::pair<int64_t, int64_t> groupPosition(const DeviceState &device,
                                            ArrayRef<StringRef> axes) const;

  /// Runs one collective for `device`; returns its result, or failure after
  /// reporting at `op`.
  FailureOr<Tensor> exchange(Operation *op, DeviceState &device,
                             ArrayRef<StringRef> axes, const Tensor &input,
                             const CombineFn &combine);

  /// Point-to-point transfers between devices; sends are buffered.
  void send(int64_t from, int64_t to, int64_t tag, Tensor tensor);
  FailureOr<Tensor> recv(Operation *op, DeviceState &device, int64_t from,
                         int64_t tag);

  /// Wakes every waiting device and makes them fail quietly.
  void abort();

private:
  struct Slot {
    std::optional<OperationName> opName;
    DictionaryAttr attributes;
    Type resultType;
    SmallVector<const Tensor *> inputs;
    SmallVector<Tensor> outputs;
    int64_t arrived = 0, departed = 0;
    bool ready = false;
    std::optional<std::string> error;
  };

  SmallVector<std::string> axisNames_;
  SmallVector<int64_t> axisSizes_;
  int64_t numDevices_ = 1;
  std::chrono::milliseconds timeout_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool aborted_ = false;
  std::map<std::pair<std::string, uint64_t>, Slot> slots_;
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::deque<Tensor>> mail_;
};

} // namespace interp
} // namespace mlir::tcc

#endif // TCC_LIB_INTERPRETER_SIMULATEDMESH_H
