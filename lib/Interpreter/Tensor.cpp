//===- Tensor.cpp - host tensors of the reference evaluator ---------------===//

#include "tcc/Interpreter/Tensor.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

double interp::roundExactly(long double value, DType dtype) {
  switch (dtype) {
  case DType::F64:
    return static_cast<double>(value);
  case DType::F32:
    return static_cast<float>(value);
  case DType::F16:
  case DType::BF16: {
    // Round to odd at f32 precision, then to nearest even at 16 bits: with
    // f32's 13+ extra bits the result equals one correct rounding.
    float f = static_cast<float>(value);
    if (std::isfinite(f) && static_cast<long double>(f) != value) {
      if (std::fabs(static_cast<long double>(f)) > std::fabs(value))
        f = std::nextafter(f, 0.0f);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      bits |= 1;
      std::memcpy(&f, &bits, 4);
    }
    return dtype == DType::F16 ? rt::halfToFloat(rt::floatToHalf(f))
                               : rt::bf16ToFloat(rt::floatToBf16(f));
  }
  default:
    return static_cast<double>(value);
  }
}

llvm::SmallVector<int64_t, 6> interp::stridesOf(ArrayRef<int64_t> shape) {
  llvm::SmallVector<int64_t, 6> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

Tensor::Tensor(DType dtype, ArrayRef<int64_t> shape)
    : dtype_(dtype), shape_(shape.begin(), shape.end()) {
  numElements_ = 1;
  for (int64_t d : shape)
    numElements_ *= d;
  if (isFloat())
    floats_.assign(numElements_, 0.0);
  else
    ints_.assign(numElements_, 0);
}

void Tensor::roundToDType() {
  switch (dtype_) {
  case DType::F64:
    return;
  case DType::F32:
    for (double &v : floats_)
      v = static_cast<float>(v);
    return;
  case DType::F16:
    for (double &v : floats_)
      v = rt::halfToFloat(rt::floatToHalf(static_cast<float>(v)));
    return;
  case DType::BF16:
    for (double &v : floats_)
      v = rt::bf16ToFloat(rt::floatToBf16(static_cast<float>(v)));
    return;
  case DType::I32:
    for (int64_t &v : ints_)
      v = static_cast<int32_t>(static_cast<uint32_t>(v));
    return;
  case DType::Bool:
    for (int64_t &v : ints_)
      v = v != 0;
    return;
  default:
    return;
  }
}

Tensor Tensor::reshaped(ArrayRef<int64_t> shape) const {
  Tensor result = *this;
  result.shape_.assign(shape.begin(), shape.end());
  return result;
}

rt::StatusOr<Tensor> Tensor::fromHostArray(const rt::HostArray &array) {
  DType dtype = array.dtype;
  if (dtype == DType::I8 || dtype == DType::U8)
    return rt::Status::error(std::string("arrays of ") +
                             rt::dtypeName(dtype) +
                             " are not a tcc element type");
  Tensor t(dtype, array.shape);
  const uint8_t *data = array.bytes.data();
  for (int64_t i = 0; i < t.numElements(); ++i) {
    switch (dtype) {
    case DType::F64: {
      double v;
      std::memcpy(&v, data + 8 * i, 8);
      t.floats_[i] = v;
      break;
    }
    case DType::F32: {
      float v;
      std::memcpy(&v, data + 4 * i, 4);
      t.floats_[i] = v;
      break;
    }
    case DType::F16:
    case DType::BF16: {
      uint16_t v;
      std::memcpy(&v, data + 2 * i, 2);
      t.floats_[i] = dtype == DType::F16 ? rt::halfToFloat(v)
                                         : rt::bf16ToFloat(v);
      break;
    }
    case DType::I64: {
      int64_t v;
      std::memcpy(&v, data + 8 * i, 8);
      t.ints_[i] = v;
      break;
    }
    case DType::I32: {
      int32_t v;
      std::memcpy(&v, data + 4 * i, 4);
      t.ints_[i] = v;
      break;
    }
    case DType::Bool:
      t.ints_[i] = data[i] != 0;
      break;
    default:
      break;
    }
  }
  return t;
}

rt::HostArray Tensor::toHostArray(bool asF64) const {
  rt::HostArray array;
  array.dtype = dtype_;
  if (isFloat() && asF64)
    array.dtype = DType::F64;
  else if (dtype_ == DType::BF16)
    array.dtype = DType::F32;
  array.shape.assign(shape_.begin(), shape_.end());
  size_t size = rt::dtypeSize(array.dtype);
  array.bytes.resize(size * numElements_);
  uint8_t *data = array.bytes.data();
  for (int64_t i = 0; i < numElements_; ++i) {
    switch (array.dtype) {
    case DType::F64:
      std::memcpy(data + 8 * i, &floats_[i], 8);
      break;
    case DType::F32: {
      float v = static_cast<float>(floats_[i]);
      std::memcpy(data + 4 * i, &v, 4);
      break;
    }
    case DType::F16: {
      uint16_t v = rt::floatToHalf(static_cast<float>(floats_[i]));
      std::memcpy(data + 2 * i, &v, 2);
      break;
    }
    case DType::I64:
      std::memcpy(data + 8 * i, &ints_[i], 8);
      break;
    case DType::I32: {
      int32_t v = static_cast<int32_t>(ints_[i]);
      std::memcpy(data + 4 * i, &v, 4);
      break;
    }
    case DType::Bool:
      data[i] = ints_[i] != 0;
      break;
    default:
      break;
    }
  }
  return array;
}
