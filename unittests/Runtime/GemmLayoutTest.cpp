//===- GemmLayoutTest.cpp - the cuBLASLt mapping of plan matmuls ----------===//
//
// Without a GPU, the mapping is checked by running it: an emulator of
// cublasLtMatmul's documented column-major semantics (op(A), op(B),
// leading dimensions, strided batches, bias per row of D, the activation)
// executes the calls layoutGemm describes, and the result is compared with
// a direct row-major product that broadcasts batches by numpy's rules.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/src/cuda/GemmLayout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace tcc::rt;
using namespace tcc::rt::cuda;

namespace {

double activate(MatmulActivation activation, double x) {
  switch (activation) {
  case MatmulActivation::None:
    return x;
  case MatmulActivation::Relu:
    return x > 0 ? x : 0;
  case MatmulActivation::GeluTanh:
    return 0.5 * x *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  }
  return x;
}

/// Element (row, col) of a column-major matrix.
double at(const std::vector<double> &data, int64_t base,
          const ColumnMajorLayout &layout, uint64_t row, uint64_t col) {
  int64_t offset = base + static_cast<int64_t>(row) +
                   static_cast<int64_t>(col) * layout.leadingDim;
  return data[static_cast<size_t>(offset)];
}

/// cublasLtMatmul with alpha 1, beta 0 and C = D, for every call of
/// `layout`, as the cuBLASLt documentation defines it.
std::vector<double> emulateCublasLt(const GemmLayout &layout, size_t outSize,
                                    const std::vector<double> &lhs,
                                    const std::vector<double> &rhs,
                                    const std::vector<double> &bias) {
  const ColumnMajorLayout &a = layout.a, &b = layout.b, &d = layout.d;
  // cuBLASLt's own consistency checks.
  for (const ColumnMajorLayout *matrix : {&a, &b, &d})
    EXPECT_GE(matrix->leadingDim, static_cast<int64_t>(matrix->rows));
  uint64_t opARows = layout.transposeA ? a.cols : a.rows;
  uint64_t inner = layout.transposeA ? a.rows : a.cols;
  uint64_t opBRows = layout.transposeB ? b.cols : b.rows;
  uint64_t opBCols = layout.transposeB ? b.rows : b.cols;
  EXPECT_EQ(opARows, d.rows);
  EXPECT_EQ(inner, opBRows);
  EXPECT_EQ(opBCols, d.cols);

  std::vector<double> out(outSize, NAN);
  for (const GemmCall &call : layout.calls)
    for (int64_t t = 0; t < layout.batchCount; ++t) {
      int64_t aBase = call.rhsOffset + t * a.batchStride;
      int64_t bBase = call.lhsOffset + t * b.batchStride;
      int64_t dBase = call.outOffset + t * d.batchStride;
      for (uint64_t i = 0; i < d.rows; ++i)
        for (uint64_t j = 0; j < d.cols; ++j) {
          double sum = 0;
          for (uint64_t l = 0; l < inner; ++l) {
            double opA = layout.transposeA ? at(rhs, aBase, a, l, i)
                                           : at(rhs, aBase, a, i, l);
            double opB = layout.transposeB ? at(lhs, bBase, b, j, l)
                                           : at(lhs, bBase, b, l, j);
            sum += opA * opB;
          }
          if (layout.bias)
            sum += bias[i]; // one element per row of D
          out[static_cast<size_t>(dBase + static_cast<int64_t>(i) +
                                  static_cast<int64_t>(j) * d.leadingDim)] =
              activate(layout.activation, sum);
        }
    }
  return out;
}

/// The command's definition: row-major, numpy batch broadcasting.
std::vector<double> reference(const MatmulCommand &mm,
                              const std::vector<double> &lhs,
                              const std::vector<double> &rhs,
                              const std::vector<double> &bias) {
  int64_t batches = 1;
  for (int64_t size : mm.batch)
    batches *= size;
  std::vector<double> out(static_cast<size_t>(batches * mm.m * mm.n));
  std::vector<int64_t> index(mm.batch.size(), 0);
  for (int64_t t = 0; t < batches; ++t) {
    int64_t lhsIndex = 0, rhsIndex = 0;
    for (size_t d = 0; d < index.size(); ++d) {
      lhsIndex = lhsIndex * mm.lhsBatch[d] + index[d] % mm.lhsBatch[d];
      rhsIndex = rhsIndex * mm.rhsBatch[d] + index[d] % mm.rhsBatch[d];
    }
    const double *l = lhs.data() + lhsIndex * mm.m * mm.k;
    const double *r = rhs.data() + rhsIndex * mm.k * mm.n;
    for (int64_t i = 0; i < mm.m; ++i)
      for (int64_t j = 0; j < mm.n; ++j) {
        double sum = 0;
        for (int64_t p = 0; p < mm.k; ++p)
          sum += (mm.transposeLhs ? l[p * mm.m + i] : l[i * mm.k + p]) *
                 (mm.transposeRhs ? r[j * mm.k + p] : r[p * mm.n + j]);
        if (mm.hasBias)
          sum += bias[static_cast<size_t>(j)];
        out[static_cast<size_t>((t * mm.m + i) * mm.n + j)] =
            activate(mm.activation, sum);
      }
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < mm.batch[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}

struct Case {
  const char *name;
  int64_t m, n, k;
  bool transposeLhs, transposeRhs;
  std::vector<int64_t> batch, lhsBatch, rhsBatch;
  bool bias;
  MatmulActivation activation;
  /// cublasLtMatmul calls expected.
  size_t calls;
};

MatmulCommand commandFor(const Case &c) {
  MatmulCommand mm;
  mm.m = c.m;
  mm.n = c.n;
  mm.k = c.k;
  mm.transposeLhs = c.transposeLhs;
  mm.transposeRhs = c.transposeRhs;
  mm.batch = c.batch;
  mm.lhsBatch = c.lhsBatch;
  mm.rhsBatch = c.rhsBatch;
  mm.hasBias = c.bias;
  mm.activation = c.activation;
  return mm;
}

int64_t product(const std::vector<int64_t> &dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

class GemmLayoutTest : public testing::TestWithParam<Case> {};

TEST_P(GemmLayoutTest, EmulatedCallsComputeTheRowMajorProduct) {
  const Case &c = GetParam();
  MatmulCommand mm = commandFor(c);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(-1, 1);
  auto draw = [&](int64_t count) {
    std::vector<double> v(static_cast<size_t>(count));
    for (double &x : v)
      x = uniform(rng);
    return v;
  };
  std::vector<double> lhs = draw(product(c.lhsBatch) * c.m * c.k);
  std::vector<double> rhs = draw(product(c.rhsBatch) * c.k * c.n);
  std::vector<double> bias = draw(c.n);
  std::vector<double> expected = reference(mm, lhs, rhs, bias);

  GemmLayout layout = layoutGemm(mm);
  EXPECT_EQ(layout.calls.size(), c.calls);
  std::vector<double> actual =
      emulateCublasLt(layout, expected.size(), lhs, rhs, bias);
  ASSERT_EQ(actual.size(), expected.size());
  // Both sum the same products in the same order in double: equal up to
  // the last bits of tanh.
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], 1e-12) << "element " << i;
}

using Act = MatmulActivation;
// clang-format off: one case per line.
const Case kCases[] = {
    {"plain", 5, 7, 3, false, false, {}, {}, {}, false, Act::None, 1},
    {"transposed_rhs", 5, 7, 3, false, true, {}, {}, {}, false, Act::None, 1},
    {"transposed_lhs", 5, 7, 3, true, false, {}, {}, {}, false, Act::None, 1},
    {"both_transposed", 4, 6, 9, true, true, {}, {}, {}, false, Act::None, 1},
    {"bias", 5, 7, 3, false, true, {}, {}, {}, true, Act::None, 1},
    {"bias_relu", 6, 5, 4, false, true, {}, {}, {}, true, Act::Relu, 1},
    {"relu", 6, 5, 4, true, false, {}, {}, {}, false, Act::Relu, 1},
    {"bias_gelu", 3, 8, 5, false, false, {}, {}, {}, true, Act::GeluTanh, 1},
    {"gelu", 3, 8, 5, false, true, {}, {}, {}, false, Act::GeluTanh, 1},
    {"strided_batch", 4, 3, 5, false, false, {2, 3}, {2, 3}, {2, 3}, false,
     Act::None, 1},
    {"rhs_broadcast", 4, 3, 5, false, true, {2, 3}, {2, 3}, {1, 1}, true,
     Act::Relu, 1},
    {"lhs_broadcast", 4, 3, 5, true, false, {3}, {1}, {3}, true,
     Act::GeluTanh, 1},
    {"missing_lhs_dims", 2, 3, 4, false, false, {2, 2}, {1, 1}, {2, 2}, false,
     Act::None, 1},
    {"mixed", 3, 4, 2, false, true, {2, 3}, {2, 1}, {1, 3}, true, Act::Relu,
     6},
    {"mixed_transposed", 3, 4, 2, true, true, {3, 2}, {3, 1}, {3, 2}, false,
     Act::None, 6},
    {"single_column", 7, 1, 3, false, true, {}, {}, {}, true, Act::None, 1},
    {"single_row", 1, 9, 4, false, true, {2}, {2}, {1}, true, Act::Relu, 1},
};

INSTANTIATE_TEST_SUITE_P(Commands, GemmLayoutTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

TEST(GemmLayoutCacheKey, SeparatesWhatChangesTheDescriptors) {
  MatmulCommand mm;
  mm.m = 8;
  mm.n = 16;
  mm.k = 32;
  std::string plain = layoutGemm(mm).cacheKey(DType::F32);
  EXPECT_EQ(plain, layoutGemm(mm).cacheKey(DType::F32));
  EXPECT_NE(plain, layoutGemm(mm).cacheKey(DType::BF16));
  MatmulCommand transposed = mm;
  transposed.transposeRhs = true;
  EXPECT_NE(plain, layoutGemm(transposed).cacheKey(DType::F32));
  MatmulCommand biased = mm;
  biased.hasBias = true;
  EXPECT_NE(plain, layoutGemm(biased).cacheKey(DType::F32));
  MatmulCommand relu = biased;
  relu.activation = MatmulActivation::Relu;
  EXPECT_NE(layoutGemm(biased).cacheKey(DType::F32),
            layoutGemm(relu).cacheKey(DType::F32));
  MatmulCommand batched = mm;
  batched.batch = batched.lhsBatch = {4};
  batched.rhsBatch = {1};
  EXPECT_NE(plain, layoutGemm(batched).cacheKey(DType::F32));
}

} // namespace
