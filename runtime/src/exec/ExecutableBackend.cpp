//===- ExecutableBackend.cpp - what the executors share -------------------===//

#include "ExecutableBackend.h"

using namespace tcc::rt;

ExecutableBackend::~ExecutableBackend() = default;

Status tcc::rt::bindHostArrays(const Plan &plan,
                               const std::vector<const HostArray *> &inputs,
                               std::vector<HostArray> &outputs) {
  if (inputs.size() != plan.inputs.size())
    return Status::error("the program takes " +
                         std::to_string(plan.inputs.size()) + " inputs, got " +
                         std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec &spec = plan.inputs[i];
    const HostArray &array = *inputs[i];
    if (array.dtype != spec.dtype || array.shape != spec.shape ||
        static_cast<int64_t>(array.bytes.size()) != spec.byteSize())
      return Status::error("input '" + spec.name + "': expected " +
                           describeTensor(spec.dtype, spec.shape) + ", got " +
                           describeTensor(array.dtype, array.shape));
  }
  // Outputs are written in place: arrays of the right size are reused, so
  // a caller running the plan repeatedly allocates them once.
  outputs.resize(plan.outputs.size());
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    const TensorSpec &spec = plan.outputs[i];
    HostArray &array = outputs[i];
    array.dtype = spec.dtype;
    array.shape = spec.shape;
    array.bytes.resize(static_cast<size_t>(spec.byteSize()));
  }
  return Status::ok();
}

