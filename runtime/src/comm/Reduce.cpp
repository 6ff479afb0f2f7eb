//===- Reduce.cpp - Element-wise reductions for the communicators ---------===//

#include "Reduce.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

using namespace tcc::rt;

Status tcc::rt::checkReducibleDType(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::F32:
  case DType::I64:
  case DType::I32:
    return Status::ok();
  default:
    return Status::error(std::string("reduction over ") + dtypeName(dtype) +
                         " is not supported yet (supported: f64, f32, i64, "
                         "i32)");
  }
}

namespace {

template <typename T> T load(const void *base, size_t i) {
  T value;
  std::memcpy(&value, static_cast<const char *>(base) + i * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T> T combine(ReduceOp op, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (op == ReduceOp::Max || op == ReduceOp::Min) {
      // NaN wins, like torch.maximum / torch.minimum.
      if (std::isnan(a))
        return a;
      if (std::isnan(b))
        return b;
    }
  }
  switch (op) {
  case ReduceOp::Sum:
  case ReduceOp::Avg:
    if constexpr (std::is_integral_v<T>) {
      // Wrap around instead of signed-overflow UB.
      using U = std::make_unsigned_t<T>;
      return T(U(a) + U(b));
    } else {
      return a + b;
    }
  case ReduceOp::Max:
    return b > a ? b : a;
  case ReduceOp::Min:
    return b < a ? b : a;
  }
  return a;
}

template <typename T>
void reduceTyped(ReduceOp op, const std::vector<const void *> &inputs,
                 void *out, size_t count) {
  T *dst = static_cast<T *>(out);
  T n = T(inputs.size());
  for (size_t i = 0; i < count; ++i) {
    T acc = load<T>(inputs[0], i);
    for (size_t r = 1; r < inputs.size(); ++r)
      acc = combine(op, acc, load<T>(inputs[r], i));
    if (op == ReduceOp::Avg)
      acc = acc / n;
    std::memcpy(dst + i, &acc, sizeof(T));
  }
}

} // namespace

void tcc::rt::comm::reduceInto(DType dtype, ReduceOp op,
                               const std::vector<const void *> &inputs,
                               void *out, size_t count) {
  if (inputs.empty())
    return;
  switch (dtype) {
  case DType::F64:
    return reduceTyped<double>(op, inputs, out, count);
  case DType::F32:
    return reduceTyped<float>(op, inputs, out, count);
  case DType::I64:
    return reduceTyped<int64_t>(op, inputs, out, count);
  case DType::I32:
    return reduceTyped<int32_t>(op, inputs, out, count);
  default:
    return; // Rejected earlier by checkReducibleDType.
  }
}
