//===- SimulatedMesh.cpp - devices of an SPMD evaluation in one process ---===//

#include "SimulatedMesh.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

DeviceState::DeviceState(SimulatedMesh &mesh, int64_t rank)
    : mesh(mesh), rank(rank), coordinates(mesh.coordinatesOf(rank)) {}

std::string DeviceState::describe() const {
  std::string s = "device " + std::to_string(rank) + " (";
  for (auto [i, name] : llvm::enumerate(mesh.axisNames())) {
    if (i)
      s += ", ";
    s += name + " = " + std::to_string(coordinates[i]);
  }
  return s + ")";
}

SimulatedMesh::SimulatedMesh(MeshOp mesh, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  for (StringRef name : mesh.getAxisNames().getAsValueRange<StringAttr>())
    axisNames_.push_back(name.str());
  axisSizes_.assign(mesh.getAxisSizes().begin(), mesh.getAxisSizes().end());
  numDevices_ = mesh.getNumDevices();
}

std::optional<unsigned> SimulatedMesh::axisIndex(StringRef name) const {
  for (auto [i, axis] : llvm::enumerate(axisNames_))
    if (axis == name)
      return i;
  return std::nullopt;
}

SmallVector<int64_t> SimulatedMesh::coordinatesOf(int64_t rank) const {
  SmallVector<int64_t> coordinates(axisSizes_.size());
  for (int64_t d = static_cast<int64_t>(axisSizes_.size()) - 1; d >= 0; --d) {
    coordinates[d] = rank % axisSizes_[d];
    rank /= axisSizes_[d];
  }
  return coordinates;
}

int64_t SimulatedMesh::rankOf(ArrayRef<int64_t> coordinates) const {
  int64_t rank = 0;
  for (auto [c, size] : llvm::zip(coordinates, axisSizes_))
    rank = rank * size + c;
  return rank;
}

std::pair<int64_t, int64_t>
SimulatedMesh::groupPosition(const DeviceState &device,
                             ArrayRef<StringRef> axes) const {
  int64_t size = 1, position = 0;
  for (StringRef axis : axes) {
    unsigned i = *axisIndex(axis);
    size *= axisSizes_[i];
    position = position * axisSizes_[i] + device.coordinates[i];
  }
  return {size, position};
}

FailureOr<Tensor> SimulatedMesh::exchange(Operation *op, DeviceState &device,
                                          ArrayRef<StringRef> axes,
                                          const Tensor &input,
                                          const CombineFn &combine) {
  auto [groupSize, position] = groupPosition(device, axes);
  // The group is named by the positions of its axes and the coordinates
  // off those axes (numbers only: axis names may contain any character).
  std::string group;
  for (StringRef axis : axes)
    group += std::to_string(*axisIndex(axis)) + ",";
  group += "|";
  for (auto [i, name] : llvm::enumerate(axisNames_))
    if (!llvm::is_contained(axes, name))
      group += std::to_string(device.coordinates[i]) + ",";
  uint64_t sequence = device.sequence[group]++;

  std::unique_lock<std::mutex> lock(mutex_);
  if (aborted_) {
    device.aborted = true;
    return failure();
  }
  Slot &slot = slots_[{group, sequence}];
  // The devices of a group must meet at the same collective: same op,
  // attributes and result type (all uniqued, so compared as pointers).
  if (slot.inputs.empty()) {
    slot.opName = op->getName();
    slot.attributes = op->getAttrDictionary();
    slot.resultType = op->getResult(0).getType();
    slot.inputs.resize(groupSize, nullptr);
  } else if (*slot.opName != op->getName() ||
             slot.attributes != op->getAttrDictionary() ||
             slot.resultType != op->getResult(0).getType()) {
    slot.error = "devices of one group met at different collectives: " +
                 slot.opName->getStringRef().str() + " and " +
                 op->getName().getStringRef().str() +
                 " (or the same op with other attributes or types)";
  }
  slot.inputs[position] = &input;
  if (++slot.arrived == groupSize) {
    if (!slot.error) {
      for (const Tensor *in : slot.inputs)
        if (in->shape() != input.shape() || in->dtype() != input.dtype())
          slot.error = "devices of one group passed operands of different "
                       "shapes or types";
    }
    if (!slot.error)
      combine(slot.inputs, slot.outputs);
    slot.ready = true;
    changed_.notify_all();
  } else {
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    if (!changed_.wait_until(lock, deadline,
                             [&] { return slot.ready || aborted_; })) {
      // This device's operand dies with its thread: withdraw it and stop
      // the whole mesh while still holding the lock, so that no late peer
      // completes the group with it.
      slot.inputs[position] = nullptr;
      aborted_ = true;
      changed_.notify_all();
      lock.unlock();
      op->emitOpError() << "on " << device.describe() << ": waited "
                        << timeout_.count() << " ms for the other "
                        << (groupSize - 1)
                        << " devices of its group to reach this collective "
                           "(do the devices' programs issue the same "
                           "collectives?)";
      return failure();
    }
  }
  if (aborted_) {
    device.aborted = true;
    return failure();
  }
  std::optional<std::string> error = slot.error;
  Tensor output = error ? Tensor() : std::move(slot.outputs[position]);
  if (++slot.departed == groupSize)
    slots_.erase({group, sequence});
  lock.unlock();
  if (error) {
    op->emitOpError() << "on " << device.describe() << ": " << *error;
    return failure();
  }
  return output;
}

void SimulatedMesh::send(int64_t from, int64_t to, int64_t tag, Tensor tensor) {
  std::lock_guard<std::mutex> lock(mutex_);
  mail_[{from, to, tag}].push_back(std::move(tensor));
  changed_.notify_all();
}

FailureOr<Tensor> SimulatedMesh::recv(Operation *op, DeviceState &device,
                                      int64_t from, int64_t tag) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto &queue = mail_[{from, device.rank, tag}];
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  if (!changed_.wait_until(lock, deadline,
                           [&] { return !queue.empty() || aborted_; })) {
    aborted_ = true;
    changed_.notify_all();
    lock.unlock();
    op->emitOpError() << "on " << device.describe() << ": waited "
                    << timeout_.count() << " ms for a tensor from device "
                    << from << " with tag " << tag << " that was never sent";
    return failure();
  }
  if (aborted_) {
    device.aborted = true;
    return failure();
  }
  Tensor tensor = std::move(queue.front());
  queue.pop_front();
  return tensor;
}

void SimulatedMesh::abort() {
  std::lock_guard<std::mutex> lock(mutex_);
  aborted_ = true;
  changed_.notify_all();
}
