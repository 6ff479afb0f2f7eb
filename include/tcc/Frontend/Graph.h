//===- Graph.h - defining tcc programs in C++ --------------------*- C++ -*-===//
//
// A tracing API: a model written eagerly in C++ records tcc ops into a
// function as it runs, with the caller's file:line as each op's location,
// so later errors point at the model's code.
//
//   MLIRContext context;
//   frontend::Graph g(context);
//   Tensor x = g.input("x", {16, 64});
//   Tensor w = g.parameter("fc.weight", {10, 64});
//   Tensor b = g.parameter("fc.bias", {10});
//   g.output("logits", frontend::linear(x, w, b).relu());
//   FailureOr<OwningOpRef<ModuleOp>> module = g.build();
//
// Shapes are checked as each op is recorded, with the dialect's own shape
// library. C++ here has no exceptions: an op with bad operands records an
// error naming the op, the shapes and the caller's line, and returns an
// invalid tensor; ops on invalid tensors record nothing more; `build()`
// fails and `errors()` lists what went wrong, first cause first.
//
// Arithmetic broadcasts like NumPy (and PyTorch): operands are broadcast to
// their common shape; a scalar is a constant of the tensor's element type.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_FRONTEND_GRAPH_H
#define TCC_FRONTEND_GRAPH_H

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::tcc::frontend {

/// The caller's file and line, captured by default arguments.
struct SourceLoc {
  const char *file = "<unknown>";
  unsigned line = 0;
  static SourceLoc current(const char *file = __builtin_FILE(),
                           unsigned line = __builtin_LINE()) {
    return {file, line};
  }
};

class Graph;

/// A value of a Graph. Cheap to copy.
class Tensor {
public:
  Tensor() = default;
  /// False after an error made this tensor (or one it depends on).
  bool valid() const { return graph_ && value_; }
  Value value() const { return value_; }
  Graph *graph() const { return graph_; }
  ArrayRef<int64_t> shape() const;
  int64_t rank() const { return shape().size(); }
  Type elementType() const;

  Tensor add(const Tensor &o, SourceLoc at = SourceLoc::current()) const;
  Tensor sub(const Tensor &o, SourceLoc at = SourceLoc::current()) const;
  Tensor mul(const Tensor &o, SourceLoc at = SourceLoc::current()) const;
  Tensor div(const Tensor &o, SourceLoc at = SourceLoc::current()) const;
  Tensor add(double c, SourceLoc at = SourceLoc::current()) const;
  Tensor mul(double c, SourceLoc at = SourceLoc::current()) const;
  Tensor pow(const Tensor &o, SourceLoc at = SourceLoc::current()) const;
  /// Elementwise max / min (NaN if either is NaN), broadcast like add.
  Tensor maximum(const Tensor &o, SourceLoc at = SourceLoc::current()) const;
  Tensor minimum(const Tensor &o, SourceLoc at = SourceLoc::current()) const;
  /// `self <direction> o` as an i1 tensor, broadcast like add.
  Tensor compare(CompareDirection direction, const Tensor &o,
                 SourceLoc at = SourceLoc::current()) const;

  Tensor neg(SourceLoc at = SourceLoc::current()) const;
  Tensor exp(SourceLoc at = SourceLoc::current()) const;
  Tensor log(SourceLoc at = SourceLoc::current()) const;
  Tensor sqrt(SourceLoc at = SourceLoc::current()) const;
  Tensor rsqrt(SourceLoc at = SourceLoc::current()) const;
  Tensor tanh(SourceLoc at = SourceLoc::current()) const;
  Tensor sigmoid(SourceLoc at = SourceLoc::current()) const;
  Tensor relu(SourceLoc at = SourceLoc::current()) const;
  Tensor abs(SourceLoc at = SourceLoc::current()) const;
  Tensor erf(SourceLoc at = SourceLoc::current()) const;
  Tensor silu(SourceLoc at = SourceLoc::current()) const;
  /// Exact (erf) GELU, or the tanh approximation.
  Tensor gelu(bool tanhApproximation = false,
              SourceLoc at = SourceLoc::current()) const;

  /// torch.matmul with optional transposes of the last two dimensions.
  Tensor matmul(const Tensor &o, bool transposeSelf = false,
                bool transposeOther = false,
                SourceLoc at = SourceLoc::current()) const;
  Tensor transpose(ArrayRef<int64_t> permutation,
                   SourceLoc at = SourceLoc::current()) const;
  Tensor reshape(ArrayRef<int64_t> shape,
                 SourceLoc at = SourceLoc::current()) const;
  Tensor broadcastTo(ArrayRef<int64_t> shape,
                     SourceLoc at = SourceLoc::current()) const;
  Tensor sum(ArrayRef<int64_t> dims, bool keepdims = false,
             SourceLoc at = SourceLoc::current()) const;
  Tensor mean(ArrayRef<int64_t> dims, bool keepdims = false,
              SourceLoc at = SourceLoc::current()) const;
  Tensor max(ArrayRef<int64_t> dims, bool keepdims = false,
             SourceLoc at = SourceLoc::current()) const;
  Tensor min(ArrayRef<int64_t> dims, bool keepdims = false,
             SourceLoc at = SourceLoc::current()) const;
  Tensor prod(ArrayRef<int64_t> dims, bool keepdims = false,
              SourceLoc at = SourceLoc::current()) const;
  Tensor softmax(int64_t dim, SourceLoc at = SourceLoc::current()) const;
  Tensor logSoftmax(int64_t dim, SourceLoc at = SourceLoc::current()) const;
  /// x[start:limit:stride] per dimension.
  Tensor slice(ArrayRef<int64_t> start, ArrayRef<int64_t> limit,
               ArrayRef<int64_t> stride = {},
               SourceLoc at = SourceLoc::current()) const;
  /// np.take(self, indices, axis): integer `indices` select along `axis`.
  Tensor gather(const Tensor &indices, int64_t axis = 0,
                SourceLoc at = SourceLoc::current()) const;
  /// The same values in another element type (tcc.cast's rounding rules).
  Tensor cast(Type elementType, SourceLoc at = SourceLoc::current()) const;

private:
  friend class Graph;
  Tensor(Graph *graph, Value value) : graph_(graph), value_(value) {}
  Graph *graph_ = nullptr;
  Value value_;
};

/// Operators for model code that reads like PyTorch; they record the op
/// without a source line (use the named methods to keep one).
Tensor operator+(const Tensor &a, const Tensor &b);
Tensor operator-(const Tensor &a, const Tensor &b);
Tensor operator*(const Tensor &a, const Tensor &b);
Tensor operator/(const Tensor &a, const Tensor &b);
Tensor operator*(const Tensor &a, double c);
Tensor operator+(const Tensor &a, double c);
Tensor operator-(const Tensor &a);

/// nn.Linear: x @ weight^T + bias, weight [out, in] (bias may be invalid:
/// none).
Tensor linear(const Tensor &x, const Tensor &weight, const Tensor &bias,
              SourceLoc at = SourceLoc::current());
/// nn.LayerNorm over the trailing dimensions of weight's shape.
Tensor layerNorm(const Tensor &x, const Tensor &weight, const Tensor &bias,
                 double epsilon = 1e-5, SourceLoc at = SourceLoc::current());
/// Mean cross-entropy of [N, C] logits against [N] integer labels.
Tensor crossEntropy(const Tensor &logits, const Tensor &labels,
                    double labelSmoothing = 0.0,
                    SourceLoc at = SourceLoc::current());
Tensor mseLoss(const Tensor &input, const Tensor &target,
               SourceLoc at = SourceLoc::current());

/// torch.where: `onTrue` where the i1 `condition` holds, else `onFalse`;
/// the three broadcast to their common shape.
Tensor where(const Tensor &condition, const Tensor &onTrue,
             const Tensor &onFalse, SourceLoc at = SourceLoc::current());

/// torch.cat.
Tensor concat(ArrayRef<Tensor> inputs, int64_t dim,
              SourceLoc at = SourceLoc::current());
/// nn.Embedding: rows of `table` [V, D] at integer `indices`.
Tensor embedding(const Tensor &indices, const Tensor &table,
                 SourceLoc at = SourceLoc::current());
/// Inverted dropout with keep probability 1 - rate, drawn from `seed` (a
/// 0-d i64 tensor) and a stream the graph assigns, unique per dropout.
Tensor dropout(const Tensor &x, const Tensor &seed, double rate,
               SourceLoc at = SourceLoc::current());

struct Conv2dOptions {
  SmallVector<int64_t, 2> stride{1, 1};
  /// [top, bottom, left, right].
  SmallVector<int64_t, 4> padding{0, 0, 0, 0};
  SmallVector<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
};
/// nn.functional.conv2d on NCHW; `bias` may be invalid (none).
Tensor conv2d(const Tensor &x, const Tensor &weight, const Tensor &bias,
              const Conv2dOptions &options = {},
              SourceLoc at = SourceLoc::current());
/// nn.MaxPool2d / nn.AvgPool2d; padding is [top, bottom, left, right].
Tensor maxPool2d(const Tensor &x, ArrayRef<int64_t> kernel,
                 ArrayRef<int64_t> stride,
                 ArrayRef<int64_t> padding = {0, 0, 0, 0},
                 SourceLoc at = SourceLoc::current());
Tensor avgPool2d(const Tensor &x, ArrayRef<int64_t> kernel,
                 ArrayRef<int64_t> stride,
                 ArrayRef<int64_t> padding = {0, 0, 0, 0},
                 bool countIncludePad = true,
                 SourceLoc at = SourceLoc::current());

/// nn.BatchNorm2d: the output and the new running statistics (unchanged
/// without `training`).
struct BatchNormResult {
  Tensor output, runningMean, runningVar;
};
BatchNormResult batchNorm(const Tensor &x, const Tensor &weight,
                          const Tensor &bias, const Tensor &runningMean,
                          const Tensor &runningVar, bool training,
                          double momentum = 0.1, double epsilon = 1e-5,
                          SourceLoc at = SourceLoc::current());

class Graph {
public:
  /// Records into a new function `name` of a new module on `context`
  /// (which must have the tcc and func dialects loaded or registered).
  explicit Graph(MLIRContext &context, StringRef name = "main");
  ~Graph();

  /// Arguments, in call order, named as the graph contract says
  /// (docs/contract.md): `role` is input, parameter, buffer or
  /// optimizer_state.
  Tensor input(StringRef name, ArrayRef<int64_t> shape, Type elementType = {},
               StringRef role = "input", SourceLoc at = SourceLoc::current());
  Tensor parameter(StringRef name, ArrayRef<int64_t> shape,
                   Type elementType = {}, SourceLoc at = SourceLoc::current());
  /// A result; `role` is output, loss or buffer.
  void output(StringRef name, const Tensor &value, StringRef role = "output",
              SourceLoc at = SourceLoc::current());

  /// A constant tensor holding `value` (its type is the tensor's type).
  Tensor constant(ElementsAttr value, SourceLoc at = SourceLoc::current());
  /// Indices along dimension `dim` of a tensor of `shape` (torch.arange
  /// broadcast along the other dimensions).
  Tensor iota(ArrayRef<int64_t> shape, int64_t dim, Type elementType = {},
              SourceLoc at = SourceLoc::current());

  /// While alive, ops recorded on the graph take `loc` and errors start
  /// with `label` instead of the caller's file:line. Importers locate each
  /// op at the node it came from this way (an ONNX node's name), so that
  /// later errors name the node.
  class ScopedLocation {
  public:
    ScopedLocation(Graph &graph, Location loc, std::string label);
    ~ScopedLocation();
    ScopedLocation(const ScopedLocation &) = delete;
    ScopedLocation &operator=(const ScopedLocation &) = delete;

  private:
    Graph &graph_;
    std::optional<std::pair<Location, std::string>> saved_;
  };

  /// The module, verified; or failure with errors().
  FailureOr<OwningOpRef<ModuleOp>> build();
  const std::vector<std::string> &errors() const { return errors_; }

  // Used by Tensor: records an error at `at` and returns an invalid tensor.
  Tensor fail(SourceLoc at, const Twine &message);
  Location locationOf(SourceLoc at);
  OpBuilder &builder() { return builder_; }
  Tensor wrap(Value value) { return Tensor(this, value); }
  /// `c` as a tensor of `like`'s element type and shape (a splat).
  Tensor constantLike(const Tensor &like, double c, SourceLoc at);
  /// Both operands broadcast to their common shape, or failure (recorded).
  bool broadcastPair(Tensor &a, Tensor &b, StringRef op, SourceLoc at);
  /// A fresh random stream for a dropout (unique per function).
  int64_t nextRandomStream() { return nextStream_++; }

private:
  MLIRContext &context_;
  OwningOpRef<ModuleOp> module_;
  OpBuilder builder_;
  func::FuncOp function_;
  Block *body_ = nullptr;
  std::vector<std::string> errors_;
  SmallVector<Value> results_;
  SmallVector<DictionaryAttr> resultAttrs_;
  SmallVector<DictionaryAttr> argAttrs_;
  int64_t nextStream_ = 1;
  /// Set by ScopedLocation: the location and error label of recorded ops.
  std::optional<std::pair<Location, std::string>> locationOverride_;
};

} // namespace mlir::tcc::frontend

#endif // TCC_FRONTEND_GRAPH_H
