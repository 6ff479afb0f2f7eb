//===- Elementwise.cpp - evaluator kernels of the elementwise ops ---------===//

#include "Arithmetic.h"
#include "Kernels.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

template <typename OpTy>
void addUnary(KernelTable &table, double (*floatFn)(double),
              int64_t (*intFn)(int64_t) = nullptr) {
  addKernel<OpTy>(table, [floatFn, intFn](OpTy op,
                                          ArrayRef<const Tensor *> operands,
                                          SmallVectorImpl<Tensor> &results,
                                          KernelContext &context) -> LogicalResult {
    FailureOr<Tensor> result = context.allocate(op, op.getResult());
    if (failed(result))
      return failure();
    const Tensor &x = *operands[0];
    for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
      if (x.isFloat())
        result->setDouble(i, floatFn(x.getDouble(i)));
      else
        result->setInt(i, intFn(x.getInt(i)));
    }
    results.push_back(std::move(*result));
    return success();
  });
}

using IntBinaryFn = FailureOr<int64_t> (*)(Operation *, int64_t, int64_t);

template <typename OpTy>
void addBinary(KernelTable &table, double (*floatFn)(double, double),
               IntBinaryFn intFn) {
  addKernel<OpTy>(table, [floatFn, intFn](OpTy op,
                                          ArrayRef<const Tensor *> operands,
                                          SmallVectorImpl<Tensor> &results,
                                          KernelContext &context) -> LogicalResult {
    FailureOr<Tensor> result = context.allocate(op, op.getResult());
    if (failed(result))
      return failure();
    const Tensor &x = *operands[0], &y = *operands[1];
    for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
      if (x.isFloat()) {
        result->setDouble(i, floatFn(x.getDouble(i), y.getDouble(i)));
        continue;
      }
      FailureOr<int64_t> v = intFn(op, x.getInt(i), y.getInt(i));
      if (failed(v))
        return failure();
      result->setInt(i, *v);
    }
    results.push_back(std::move(*result));
    return success();
  });
}

FailureOr<int64_t> intDiv(Operation *op, int64_t a, int64_t b) {
  if (b == 0) {
    op->emitOpError("integer division by zero");
    return failure();
  }
  if (b == -1)
    return wrapNeg(a);
  return a / b;
}

FailureOr<int64_t> intPow(Operation *op, int64_t base, int64_t exponent) {
  if (exponent < 0) {
    op->emitOpError("integer pow with negative exponent ") << exponent;
    return failure();
  }
  int64_t result = 1;
  while (exponent) {
    if (exponent & 1)
      result = wrapMul(result, base);
    base = wrapMul(base, base);
    exponent >>= 1;
  }
  return result;
}

template <typename T>
bool compare(CompareDirection direction, T a, T b) {
  switch (direction) {
  case CompareDirection::eq:
    return a == b;
  case CompareDirection::ne:
    return a != b;
  case CompareDirection::lt:
    return a < b;
  case CompareDirection::le:
    return a <= b;
  case CompareDirection::gt:
    return a > b;
  case CompareDirection::ge:
    return a >= b;
  }
  return false;
}

LogicalResult castKernel(CastOp op, ArrayRef<const Tensor *> operands,
                         SmallVectorImpl<Tensor> &results,
                         KernelContext &context) {
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  const Tensor &x = *operands[0];
  DType to = result->dtype();
  for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
    if (result->isFloat()) {
      long double exact = x.isFloat() ? static_cast<long double>(x.getDouble(i))
                                      : static_cast<long double>(x.getInt(i));
      result->setDouble(i, context.options.computeInF64
                               ? static_cast<double>(exact)
                               : roundExactly(exact, to));
      continue;
    }
    if (to == DType::Bool) {
      result->setInt(i, x.getDouble(i) != 0.0 || (!x.isFloat() && x.getInt(i)));
      continue;
    }
    if (!x.isFloat()) {
      result->setInt(i, x.getInt(i));
      continue;
    }
    double v = std::trunc(x.getDouble(i));
    double limit = to == DType::I32 ? 2147483648.0 : 9223372036854775808.0;
    if (!(v >= -limit && v < limit))
      return op.emitOpError("cannot convert ")
             << x.getDouble(i) << " at element " << i << " to "
             << rt::dtypeName(to);
    result->setInt(i, static_cast<int64_t>(v));
  }
  results.push_back(std::move(*result));
  return success();
}

} // namespace

void interp::registerElementwiseKernels(KernelTable &table) {
  addUnary<NegOp>(table, [](double x) { return -x; }, wrapNeg);
  addUnary<AbsOp>(table, [](double x) { return std::fabs(x); },
                  [](int64_t x) { return x < 0 ? wrapNeg(x) : x; });
  addUnary<ExpOp>(table, [](double x) { return std::exp(x); });
  addUnary<LogOp>(table, [](double x) { return std::log(x); });
  addUnary<SqrtOp>(table, [](double x) { return std::sqrt(x); });
  addUnary<RsqrtOp>(table, [](double x) { return 1.0 / std::sqrt(x); });
  addUnary<TanhOp>(table, [](double x) { return std::tanh(x); });
  addUnary<ErfOp>(table, [](double x) { return std::erf(x); });
  addUnary<SigmoidOp>(table, sigmoid);
  addUnary<ReluOp>(table,
                   [](double x) { return std::isnan(x) ? x : std::max(x, 0.0); },
                   [](int64_t x) { return std::max<int64_t>(x, 0); });
  addUnary<SiluOp>(table, [](double x) { return x * sigmoid(x); });

  addKernel<GeluOp>(table, [](GeluOp op, ArrayRef<const Tensor *> operands,
                              SmallVectorImpl<Tensor> &results,
                              KernelContext &context) -> LogicalResult {
    FailureOr<Tensor> result = context.allocate(op, op.getResult());
    if (failed(result))
      return failure();
    bool tanhApprox = op.getApproximate() == GeluApproximation::tanh;
    const Tensor &x = *operands[0];
    for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
      double v = x.getDouble(i);
      double y =
          tanhApprox
              ? 0.5 * v *
                    (1.0 + std::tanh(std::sqrt(2.0 / M_PI) *
                                     (v + 0.044715 * v * v * v)))
              : 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
      result->setDouble(i, y);
    }
    results.push_back(std::move(*result));
    return success();
  });

  addBinary<AddOp>(table, [](double a, double b) { return a + b; },
                   [](Operation *, int64_t a, int64_t b) -> FailureOr<int64_t> {
                     return wrapAdd(a, b);
                   });
  addBinary<SubOp>(table, [](double a, double b) { return a - b; },
                   [](Operation *, int64_t a, int64_t b) -> FailureOr<int64_t> {
                     return wrapSub(a, b);
                   });
  addBinary<MulOp>(table, [](double a, double b) { return a * b; },
                   [](Operation *, int64_t a, int64_t b) -> FailureOr<int64_t> {
                     return wrapMul(a, b);
                   });
  addBinary<DivOp>(table, [](double a, double b) { return a / b; }, intDiv);
  addBinary<MaxOp>(table, nanMax,
                   [](Operation *, int64_t a, int64_t b) -> FailureOr<int64_t> {
                     return std::max(a, b);
                   });
  addBinary<MinOp>(table, nanMin,
                   [](Operation *, int64_t a, int64_t b) -> FailureOr<int64_t> {
                     return std::min(a, b);
                   });
  addBinary<PowOp>(table, [](double a, double b) { return std::pow(a, b); },
                   intPow);

  addKernel<CompareOp>(table, [](CompareOp op,
                                 ArrayRef<const Tensor *> operands,
                                 SmallVectorImpl<Tensor> &results,
                                 KernelContext &context) -> LogicalResult {
    FailureOr<Tensor> result = context.allocate(op, op.getResult());
    if (failed(result))
      return failure();
    const Tensor &x = *operands[0], &y = *operands[1];
    CompareDirection direction = op.getDirection();
    for (int64_t i = 0, e = x.numElements(); i < e; ++i)
      result->setInt(i, x.isFloat()
                            ? compare(direction, x.getDouble(i), y.getDouble(i))
                            : compare(direction, x.getInt(i), y.getInt(i)));
    results.push_back(std::move(*result));
    return success();
  });

  addKernel<SelectOp>(table, [](SelectOp op, ArrayRef<const Tensor *> operands,
                                SmallVectorImpl<Tensor> &results,
                                KernelContext &context) -> LogicalResult {
    FailureOr<Tensor> result = context.allocate(op, op.getResult());
    if (failed(result))
      return failure();
    const Tensor &cond = *operands[0];
    for (int64_t i = 0, e = cond.numElements(); i < e; ++i)
      result->copyElement(i, cond.getInt(i) ? *operands[1] : *operands[2], i);
    results.push_back(std::move(*result));
    return success();
  });

  addKernel<CastOp>(table, castKernel);
}
