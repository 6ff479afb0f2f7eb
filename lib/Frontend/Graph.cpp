//===- Graph.cpp - defining tcc programs in C++ ---------------------------===//

#include "tcc/Frontend/Graph.h"

#include "tcc/Dialect/Tcc/IR/ShapeInference.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::frontend;

namespace {

std::string describe(const Tensor &t) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << t.value().getType();
  return text;
}

RankedTensorType typeOf(const Tensor &t) {
  return cast<RankedTensorType>(t.value().getType());
}

} // namespace

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

Graph::Graph(MLIRContext &context, StringRef name)
    : context_(context), builder_(&context) {
  context.loadDialect<TccDialect, func::FuncDialect>();
  module_ = ModuleOp::create(UnknownLoc::get(&context));
  builder_.setInsertionPointToEnd(module_->getBody());
  function_ = func::FuncOp::create(builder_, UnknownLoc::get(&context), name,
                                   builder_.getFunctionType({}, {}));
  body_ = function_.addEntryBlock();
  builder_.setInsertionPointToEnd(body_);
}

Graph::~Graph() = default;

Location Graph::locationOf(SourceLoc at) {
  if (locationOverride_)
    return locationOverride_->first;
  return FileLineColLoc::get(&context_, at.file, at.line, 1);
}

Tensor Graph::fail(SourceLoc at, const Twine &message) {
  std::string place = locationOverride_
                          ? locationOverride_->second
                          : (Twine(at.file) + ":" + Twine(at.line)).str();
  errors_.push_back((place + ": error: " + message).str());
  return Tensor();
}

Graph::ScopedLocation::ScopedLocation(Graph &graph, Location loc,
                                      std::string label)
    : graph_(graph), saved_(graph.locationOverride_) {
  graph_.locationOverride_.emplace(loc, std::move(label));
}

Graph::ScopedLocation::~ScopedLocation() {
  graph_.locationOverride_ = saved_;
}

Tensor Graph::constant(ElementsAttr value, SourceLoc at) {
  if (!value || !isa<RankedTensorType>(value.getType()))
    return fail(at, "tcc.constant needs a ranked tensor value");
  auto op = ConstantOp::create(builder_, locationOf(at), value.getType(), value);
  return Tensor(this, op.getResult());
}

Tensor Graph::iota(ArrayRef<int64_t> shape, int64_t dim, Type elementType,
                   SourceLoc at) {
  if (!elementType)
    elementType = builder_.getI64Type();
  if (dim < 0 || dim >= static_cast<int64_t>(shape.size()))
    return fail(at, "tcc.iota: dim " + Twine(dim) + " is outside a rank-" +
                        Twine(shape.size()) + " shape");
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return fail(at, "tcc.iota: the shape has a negative dimension");
  auto op = IotaOp::create(builder_, locationOf(at),
                           RankedTensorType::get(shape, elementType),
                           builder_.getI64IntegerAttr(dim));
  return Tensor(this, op.getResult());
}

Tensor Graph::input(StringRef name, ArrayRef<int64_t> shape, Type elementType,
                    StringRef role, SourceLoc at) {
  if (!elementType)
    elementType = builder_.getF32Type();
  for (int64_t d : shape)
    if (d < 0)
      return fail(at, "input '" + name + "' has a negative dimension");
  auto type = RankedTensorType::get(shape, elementType);
  Value arg = body_->addArgument(type, locationOf(at));
  argAttrs_.push_back(builder_.getDictionaryAttr(
      {builder_.getNamedAttr(attrs::kName, builder_.getStringAttr(name)),
       builder_.getNamedAttr(attrs::kRole, builder_.getStringAttr(role))}));
  return Tensor(this, arg);
}

Tensor Graph::parameter(StringRef name, ArrayRef<int64_t> shape,
                        Type elementType, SourceLoc at) {
  return input(name, shape, elementType, "parameter", at);
}

void Graph::output(StringRef name, const Tensor &value, StringRef role,
                   SourceLoc at) {
  if (!value.valid()) {
    fail(at, "output '" + name + "' is not a valid tensor (an earlier error)");
    return;
  }
  results_.push_back(value.value());
  resultAttrs_.push_back(builder_.getDictionaryAttr(
      {builder_.getNamedAttr(attrs::kName, builder_.getStringAttr(name)),
       builder_.getNamedAttr(attrs::kRole, builder_.getStringAttr(role))}));
}

FailureOr<OwningOpRef<ModuleOp>> Graph::build() {
  if (!module_)
    return failure();
  if (results_.empty())
    fail({function_.getName().data(), 0}, "the graph has no outputs");
  if (!errors_.empty())
    return failure();
  builder_.setInsertionPointToEnd(body_);
  func::ReturnOp::create(builder_, UnknownLoc::get(&context_), results_);
  SmallVector<Type> resultTypes;
  for (Value v : results_)
    resultTypes.push_back(v.getType());
  function_.setType(
      builder_.getFunctionType(body_->getArgumentTypes(), resultTypes));
  function_.setAllArgAttrs(argAttrs_);
  function_.setAllResultAttrs(resultAttrs_);
  // Diagnostics from the verifier become errors too.
  {
    ScopedDiagnosticHandler handler(&context_, [&](Diagnostic &d) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << d.getLocation() << ": " << d.str();
      errors_.push_back(text);
      return success();
    });
    if (failed(verify(*module_)))
      return failure();
  }
  return std::move(module_);
}

Tensor Graph::constantLike(const Tensor &like, double c, SourceLoc at) {
  RankedTensorType type = typeOf(like);
  Type element = type.getElementType();
  auto scalarType = RankedTensorType::get({}, element);
  Attribute value = isa<FloatType>(element)
                        ? Attribute(builder_.getFloatAttr(element, c))
                        : Attribute(builder_.getIntegerAttr(
                              element, static_cast<int64_t>(c)));
  auto constant = ConstantOp::create(
      builder_, locationOf(at), DenseElementsAttr::get(scalarType, value));
  Tensor scalar(this, constant.getResult());
  return type.getRank() == 0 ? scalar : scalar.broadcastTo(type.getShape(), at);
}

bool Graph::broadcastPair(Tensor &a, Tensor &b, StringRef op, SourceLoc at) {
  if (!a.valid() || !b.valid())
    return false;
  if (typeOf(a).getElementType() != typeOf(b).getElementType()) {
    fail(at, op + ": element types differ: " + describe(a) + " and " +
                 describe(b));
    return false;
  }
  std::string message;
  FailureOr<shape::Shape> common = shape::broadcastShapes(
      a.shape(), b.shape(), [&](const Twine &m) { message = m.str(); });
  if (failed(common)) {
    fail(at, op + ": " + message);
    return false;
  }
  a = a.broadcastTo(*common, at);
  b = b.broadcastTo(*common, at);
  return a.valid() && b.valid();
}

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

ArrayRef<int64_t> Tensor::shape() const {
  return valid() ? typeOf(*this).getShape() : ArrayRef<int64_t>();
}

Type Tensor::elementType() const {
  return valid() ? typeOf(*this).getElementType() : Type();
}

namespace {

template <typename OpTy>
Tensor binary(const Tensor &x, const Tensor &y, StringRef name, SourceLoc at) {
  if (!x.valid() || !y.valid())
    return Tensor();
  Graph &g = *x.graph();
  Tensor a = x, b = y;
  if (!g.broadcastPair(a, b, name, at))
    return Tensor();
  auto op = OpTy::create(g.builder(), g.locationOf(at), a.value().getType(),
                         a.value(), b.value());
  return g.wrap(op.getResult());
}

template <typename OpTy>
Tensor unary(const Tensor &x, StringRef name, bool floatOnly, SourceLoc at) {
  if (!x.valid())
    return Tensor();
  Graph &g = *x.graph();
  if (floatOnly && !isa<FloatType>(x.elementType()))
    return g.fail(at, name + " needs a float tensor, got " + describe(x));
  auto op = OpTy::create(g.builder(), g.locationOf(at), x.value().getType(),
                         x.value());
  return g.wrap(op.getResult());
}

Tensor reduce(const Tensor &x, ReduceKind kind, ArrayRef<int64_t> dims,
              bool keepdims, SourceLoc at) {
  if (!x.valid())
    return Tensor();
  Graph &g = *x.graph();
  std::string message;
  FailureOr<shape::Shape> shape = shape::reduceShape(
      x.shape(), dims, keepdims, [&](const Twine &m) { message = m.str(); });
  if (failed(shape))
    return g.fail(at, "tcc.reduce: " + message);
  OpBuilder &b = g.builder();
  auto op = ReduceOp::create(
      b, g.locationOf(at), RankedTensorType::get(*shape, x.elementType()),
      x.value(), ReduceKindAttr::get(b.getContext(), kind),
      b.getDenseI64ArrayAttr(dims), keepdims ? b.getUnitAttr() : UnitAttr());
  return g.wrap(op.getResult());
}

} // namespace

Tensor Tensor::add(const Tensor &o, SourceLoc at) const {
  return binary<AddOp>(*this, o, "tcc.add", at);
}
Tensor Tensor::sub(const Tensor &o, SourceLoc at) const {
  return binary<SubOp>(*this, o, "tcc.sub", at);
}
Tensor Tensor::mul(const Tensor &o, SourceLoc at) const {
  return binary<MulOp>(*this, o, "tcc.mul", at);
}
Tensor Tensor::div(const Tensor &o, SourceLoc at) const {
  return binary<DivOp>(*this, o, "tcc.div", at);
}
Tensor Tensor::pow(const Tensor &o, SourceLoc at) const {
  return binary<PowOp>(*this, o, "tcc.pow", at);
}
Tensor Tensor::maximum(const Tensor &o, SourceLoc at) const {
  return binary<MaxOp>(*this, o, "tcc.max", at);
}
Tensor Tensor::minimum(const Tensor &o, SourceLoc at) const {
  return binary<MinOp>(*this, o, "tcc.min", at);
}

Tensor Tensor::compare(CompareDirection direction, const Tensor &o,
                       SourceLoc at) const {
  if (!valid() || !o.valid())
    return Tensor();
  Tensor a = *this, b = o;
  if (!graph_->broadcastPair(a, b, "tcc.compare", at))
    return Tensor();
  OpBuilder &builder = graph_->builder();
  auto op = CompareOp::create(
      builder, graph_->locationOf(at),
      RankedTensorType::get(a.shape(), builder.getI1Type()), a.value(),
      b.value(), CompareDirectionAttr::get(builder.getContext(), direction));
  return graph_->wrap(op.getResult());
}

Tensor Tensor::add(double c, SourceLoc at) const {
  return valid() ? add(graph_->constantLike(*this, c, at), at) : Tensor();
}
Tensor Tensor::mul(double c, SourceLoc at) const {
  return valid() ? mul(graph_->constantLike(*this, c, at), at) : Tensor();
}

Tensor Tensor::neg(SourceLoc at) const {
  return unary<NegOp>(*this, "tcc.neg", false, at);
}
Tensor Tensor::exp(SourceLoc at) const {
  return unary<ExpOp>(*this, "tcc.exp", true, at);
}
Tensor Tensor::log(SourceLoc at) const {
  return unary<LogOp>(*this, "tcc.log", true, at);
}
Tensor Tensor::sqrt(SourceLoc at) const {
  return unary<SqrtOp>(*this, "tcc.sqrt", true, at);
}
Tensor Tensor::rsqrt(SourceLoc at) const {
  return unary<RsqrtOp>(*this, "tcc.rsqrt", true, at);
}
Tensor Tensor::tanh(SourceLoc at) const {
  return unary<TanhOp>(*this, "tcc.tanh", true, at);
}
Tensor Tensor::sigmoid(SourceLoc at) const {
  return unary<SigmoidOp>(*this, "tcc.sigmoid", true, at);
}
Tensor Tensor::relu(SourceLoc at) const {
  return unary<ReluOp>(*this, "tcc.relu", false, at);
}
Tensor Tensor::abs(SourceLoc at) const {
  return unary<AbsOp>(*this, "tcc.abs", false, at);
}
Tensor Tensor::erf(SourceLoc at) const {
  return unary<ErfOp>(*this, "tcc.erf", true, at);
}
Tensor Tensor::silu(SourceLoc at) const {
  return unary<SiluOp>(*this, "tcc.silu", true, at);
}

Tensor Tensor::gelu(bool tanhApproximation, SourceLoc at) const {
  if (!valid())
    return Tensor();
  if (!isa<FloatType>(elementType()))
    return graph_->fail(at, "tcc.gelu needs a float tensor, got " +
                                describe(*this));
  OpBuilder &b = graph_->builder();
  auto op = GeluOp::create(
      b, graph_->locationOf(at), value_.getType(), value_,
      GeluApproximationAttr::get(b.getContext(),
                                 tanhApproximation ? GeluApproximation::tanh
                                                   : GeluApproximation::none));
  return graph_->wrap(op.getResult());
}

Tensor Tensor::matmul(const Tensor &o, bool transposeSelf, bool transposeOther,
                      SourceLoc at) const {
  if (!valid() || !o.valid())
    return Tensor();
  Graph &g = *graph_;
  if (elementType() != o.elementType() || !isa<FloatType>(elementType()))
    return g.fail(at, "tcc.matmul needs two float tensors of one element "
                      "type, got " + describe(*this) + " and " + describe(o));
  std::string message;
  FailureOr<shape::Shape> shape =
      shape::matmulShape(this->shape(), o.shape(), transposeSelf,
                         transposeOther, [&](const Twine &m) { message = m.str(); });
  if (failed(shape))
    return g.fail(at, "tcc.matmul: " + message);
  OpBuilder &b = g.builder();
  auto op = MatmulOp::create(
      b, g.locationOf(at), RankedTensorType::get(*shape, elementType()), value_,
      o.value_, transposeSelf ? b.getUnitAttr() : UnitAttr(),
      transposeOther ? b.getUnitAttr() : UnitAttr());
  return g.wrap(op.getResult());
}

Tensor Tensor::transpose(ArrayRef<int64_t> permutation, SourceLoc at) const {
  if (!valid())
    return Tensor();
  std::string message;
  FailureOr<shape::Shape> shape = shape::transposeShape(
      this->shape(), permutation, [&](const Twine &m) { message = m.str(); });
  if (failed(shape))
    return graph_->fail(at, "tcc.transpose: " + message);
  OpBuilder &b = graph_->builder();
  auto op = TransposeOp::create(b, graph_->locationOf(at),
                                RankedTensorType::get(*shape, elementType()),
                                value_, b.getDenseI64ArrayAttr(permutation));
  return graph_->wrap(op.getResult());
}

Tensor Tensor::reshape(ArrayRef<int64_t> shape, SourceLoc at) const {
  if (!valid())
    return Tensor();
  std::string message;
  if (failed(shape::checkReshape(this->shape(), shape,
                                 [&](const Twine &m) { message = m.str(); })))
    return graph_->fail(at, "tcc.reshape: " + message);
  auto op = ReshapeOp::create(graph_->builder(), graph_->locationOf(at),
                              RankedTensorType::get(shape, elementType()),
                              value_);
  return graph_->wrap(op.getResult());
}

Tensor Tensor::broadcastTo(ArrayRef<int64_t> shape, SourceLoc at) const {
  if (!valid())
    return Tensor();
  if (this->shape() == shape)
    return *this;
  std::string message;
  if (failed(shape::checkBroadcastTo(this->shape(), shape,
                                     [&](const Twine &m) { message = m.str(); })))
    return graph_->fail(at, "tcc.broadcast: " + message);
  auto op = BroadcastOp::create(graph_->builder(), graph_->locationOf(at),
                                RankedTensorType::get(shape, elementType()),
                                value_);
  return graph_->wrap(op.getResult());
}

Tensor Tensor::min(ArrayRef<int64_t> dims, bool keepdims, SourceLoc at) const {
  return reduce(*this, ReduceKind::min, dims, keepdims, at);
}
Tensor Tensor::prod(ArrayRef<int64_t> dims, bool keepdims, SourceLoc at) const {
  return reduce(*this, ReduceKind::prod, dims, keepdims, at);
}
Tensor Tensor::sum(ArrayRef<int64_t> dims, bool keepdims, SourceLoc at) const {
  return reduce(*this, ReduceKind::sum, dims, keepdims, at);
}
Tensor Tensor::mean(ArrayRef<int64_t> dims, bool keepdims, SourceLoc at) const {
  return reduce(*this, ReduceKind::mean, dims, keepdims, at);
}
Tensor Tensor::max(ArrayRef<int64_t> dims, bool keepdims, SourceLoc at) const {
  return reduce(*this, ReduceKind::max, dims, keepdims, at);
}

Tensor Tensor::softmax(int64_t dim, SourceLoc at) const {
  if (!valid())
    return Tensor();
  if (dim < 0 || dim >= rank() || !isa<FloatType>(elementType()))
    return graph_->fail(at, "tcc.softmax: dim " + Twine(dim) +
                                " of a float tensor, got " + describe(*this));
  OpBuilder &b = graph_->builder();
  auto op = SoftmaxOp::create(b, graph_->locationOf(at), value_.getType(),
                              value_, b.getI64IntegerAttr(dim));
  return graph_->wrap(op.getResult());
}

Tensor Tensor::logSoftmax(int64_t dim, SourceLoc at) const {
  if (!valid())
    return Tensor();
  if (dim < 0 || dim >= rank() || !isa<FloatType>(elementType()))
    return graph_->fail(at, "tcc.log_softmax: dim " + Twine(dim) +
                                " of a float tensor, got " + describe(*this));
  OpBuilder &b = graph_->builder();
  auto op = LogSoftmaxOp::create(b, graph_->locationOf(at), value_.getType(),
                                 value_, b.getI64IntegerAttr(dim));
  return graph_->wrap(op.getResult());
}

Tensor frontend::operator+(const Tensor &a, const Tensor &b) {
  return a.add(b, SourceLoc());
}
Tensor frontend::operator-(const Tensor &a, const Tensor &b) {
  return a.sub(b, SourceLoc());
}
Tensor frontend::operator*(const Tensor &a, const Tensor &b) {
  return a.mul(b, SourceLoc());
}
Tensor frontend::operator/(const Tensor &a, const Tensor &b) {
  return a.div(b, SourceLoc());
}
Tensor frontend::operator*(const Tensor &a, double c) {
  return a.mul(c, SourceLoc());
}
Tensor frontend::operator+(const Tensor &a, double c) {
  return a.add(c, SourceLoc());
}
Tensor frontend::operator-(const Tensor &a) { return a.neg(SourceLoc()); }

//===----------------------------------------------------------------------===//
// nn helpers
//===----------------------------------------------------------------------===//

Tensor frontend::linear(const Tensor &x, const Tensor &weight,
                        const Tensor &bias, SourceLoc at) {
  Tensor y = x.matmul(weight, /*transposeSelf=*/false, /*transposeOther=*/true,
                      at);
  return bias.graph() ? y.add(bias, at) : y;
}

Tensor frontend::layerNorm(const Tensor &x, const Tensor &weight,
                           const Tensor &bias, double epsilon, SourceLoc at) {
  if (!x.valid() || !weight.valid() || !bias.valid())
    return Tensor();
  Graph &g = *x.graph();
  std::string message;
  if (failed(shape::checkLayerNorm(x.shape(), weight.shape(), bias.shape(),
                                   [&](const Twine &m) { message = m.str(); })))
    return g.fail(at, "tcc.layer_norm: " + message);
  OpBuilder &b = g.builder();
  auto op = LayerNormOp::create(b, g.locationOf(at), x.value().getType(),
                                x.value(), weight.value(), bias.value(),
                                b.getF64FloatAttr(epsilon));
  return g.wrap(op.getResult());
}

Tensor frontend::crossEntropy(const Tensor &logits, const Tensor &labels,
                              double labelSmoothing, SourceLoc at) {
  if (!logits.valid() || !labels.valid())
    return Tensor();
  Graph &g = *logits.graph();
  std::string message;
  if (failed(shape::checkCrossEntropy(logits.shape(), labels.shape(),
                                      [&](const Twine &m) { message = m.str(); })))
    return g.fail(at, "tcc.cross_entropy: " + message);
  if (!isa<FloatType>(logits.elementType()) ||
      !isa<IntegerType>(labels.elementType()))
    return g.fail(at, "tcc.cross_entropy takes float logits and integer "
                      "labels, got " + describe(logits) + " and " +
                      describe(labels));
  OpBuilder &b = g.builder();
  auto op = CrossEntropyOp::create(
      b, g.locationOf(at), RankedTensorType::get({}, logits.elementType()),
      logits.value(), labels.value(), b.getF64FloatAttr(labelSmoothing),
      IntegerAttr());
  return g.wrap(op.getResult());
}

Tensor frontend::mseLoss(const Tensor &input, const Tensor &target,
                         SourceLoc at) {
  if (!input.valid() || !target.valid())
    return Tensor();
  Graph &g = *input.graph();
  if (input.value().getType() != target.value().getType())
    return g.fail(at, "tcc.mse_loss: input " + describe(input) +
                          " and target " + describe(target) + " differ");
  auto op = MseLossOp::create(g.builder(), g.locationOf(at),
                              RankedTensorType::get({}, input.elementType()),
                              input.value(), target.value());
  return g.wrap(op.getResult());
}

//===----------------------------------------------------------------------===//
// Layout, convolution, pooling, normalization, random
//===----------------------------------------------------------------------===//

namespace {

/// Runs a shape-library check; on failure records "<op>: <message>" at `at`.
template <typename Check>
bool checked(Graph &g, StringRef op, SourceLoc at, Check check) {
  std::string message;
  bool ok = check([&](const Twine &m) { message = m.str(); });
  if (!ok)
    g.fail(at, op + ": " + message);
  return ok;
}

} // namespace

Tensor Tensor::slice(ArrayRef<int64_t> start, ArrayRef<int64_t> limit,
                     ArrayRef<int64_t> stride, SourceLoc at) const {
  if (!valid())
    return Tensor();
  SmallVector<int64_t> steps(stride);
  if (steps.empty())
    steps.assign(start.size(), 1);
  FailureOr<shape::Shape> shape = failure();
  if (!checked(*graph_, "tcc.slice", at, [&](shape::ErrorFn error) {
        shape = shape::sliceShape(this->shape(), start, limit, steps, error);
        return succeeded(shape);
      }))
    return Tensor();
  OpBuilder &b = graph_->builder();
  auto op = SliceOp::create(b, graph_->locationOf(at),
                            RankedTensorType::get(*shape, elementType()), value_,
                            b.getDenseI64ArrayAttr(start),
                            b.getDenseI64ArrayAttr(limit),
                            b.getDenseI64ArrayAttr(steps));
  return graph_->wrap(op.getResult());
}

Tensor Tensor::cast(Type elementType, SourceLoc at) const {
  if (!valid())
    return Tensor();
  auto op = CastOp::create(graph_->builder(), graph_->locationOf(at),
                           RankedTensorType::get(shape(), elementType), value_);
  return graph_->wrap(op.getResult());
}

Tensor frontend::concat(ArrayRef<Tensor> inputs, int64_t dim, SourceLoc at) {
  if (inputs.empty() ||
      llvm::any_of(inputs, [](const Tensor &t) { return !t.valid(); }))
    return Tensor();
  Graph &g = *inputs.front().graph();
  SmallVector<ArrayRef<int64_t>> shapes;
  SmallVector<Value> values;
  for (const Tensor &t : inputs) {
    if (t.elementType() != inputs.front().elementType())
      return g.fail(at, "tcc.concat: element types differ: " +
                            describe(inputs.front()) + " and " + describe(t));
    shapes.push_back(t.shape());
    values.push_back(t.value());
  }
  FailureOr<shape::Shape> shape = failure();
  if (!checked(g, "tcc.concat", at, [&](shape::ErrorFn error) {
        shape = shape::concatShape(shapes, dim, error);
        return succeeded(shape);
      }))
    return Tensor();
  OpBuilder &b = g.builder();
  auto op = ConcatOp::create(
      b, g.locationOf(at),
      RankedTensorType::get(*shape, inputs.front().elementType()), values,
      b.getI64IntegerAttr(dim));
  return g.wrap(op.getResult());
}

Tensor Tensor::gather(const Tensor &indices, int64_t axis, SourceLoc at) const {
  if (!valid() || !indices.valid())
    return Tensor();
  Graph &g = *graph_;
  if (!isa<IntegerType>(indices.elementType()) ||
      indices.elementType().isInteger(1))
    return g.fail(at, "tcc.gather: indices must be integers, got " +
                          describe(indices));
  FailureOr<shape::Shape> shape = failure();
  if (!checked(g, "tcc.gather", at, [&](shape::ErrorFn error) {
        shape = shape::gatherShape(this->shape(), indices.shape(), axis, error);
        return succeeded(shape);
      }))
    return Tensor();
  OpBuilder &b = g.builder();
  auto op = GatherOp::create(b, g.locationOf(at),
                             RankedTensorType::get(*shape, elementType()),
                             value_, indices.value(), b.getI64IntegerAttr(axis));
  return g.wrap(op.getResult());
}

Tensor frontend::embedding(const Tensor &indices, const Tensor &table,
                           SourceLoc at) {
  return table.gather(indices, /*axis=*/0, at);
}

Tensor frontend::where(const Tensor &condition, const Tensor &onTrue,
                       const Tensor &onFalse, SourceLoc at) {
  if (!condition.valid() || !onTrue.valid() || !onFalse.valid())
    return Tensor();
  Graph &g = *condition.graph();
  if (!condition.elementType().isInteger(1))
    return g.fail(at, "tcc.select: the condition must be i1, got " +
                          describe(condition));
  Tensor a = onTrue, b = onFalse;
  if (!g.broadcastPair(a, b, "tcc.select", at))
    return Tensor();
  Tensor c = condition;
  std::string message;
  FailureOr<shape::Shape> common = shape::broadcastShapes(
      c.shape(), a.shape(), [&](const Twine &m) { message = m.str(); });
  if (failed(common))
    return g.fail(at, "tcc.select: " + message);
  c = c.broadcastTo(*common, at);
  a = a.broadcastTo(*common, at);
  b = b.broadcastTo(*common, at);
  if (!c.valid() || !a.valid() || !b.valid())
    return Tensor();
  auto op = SelectOp::create(g.builder(), g.locationOf(at), a.value().getType(),
                             c.value(), a.value(), b.value());
  return g.wrap(op.getResult());
}

Tensor frontend::dropout(const Tensor &x, const Tensor &seed, double rate,
                         SourceLoc at) {
  if (!x.valid() || !seed.valid())
    return Tensor();
  Graph &g = *x.graph();
  if (!isa<FloatType>(x.elementType()) || seed.rank() != 0 ||
      !seed.elementType().isInteger(64))
    return g.fail(at, "tcc.dropout takes a float tensor and a 0-d i64 seed, "
                      "got " + describe(x) + " and " + describe(seed));
  if (!(rate >= 0.0 && rate < 1.0))
    return g.fail(at, "tcc.dropout: rate must be in [0, 1), got " +
                          std::to_string(rate));
  OpBuilder &b = g.builder();
  auto op = DropoutOp::create(b, g.locationOf(at), x.value().getType(),
                              x.value(), seed.value(), b.getF64FloatAttr(rate),
                              b.getI64IntegerAttr(g.nextRandomStream()),
                              ShardingAttr());
  return g.wrap(op.getResult());
}

Tensor frontend::conv2d(const Tensor &x, const Tensor &weight,
                        const Tensor &bias, const Conv2dOptions &options,
                        SourceLoc at) {
  bool hasBias = bias.graph() != nullptr;
  if (!x.valid() || !weight.valid() || (hasBias && !bias.valid()))
    return Tensor();
  Graph &g = *x.graph();
  shape::Conv2dParams params{options.stride, options.padding, options.dilation,
                             options.groups};
  std::optional<ArrayRef<int64_t>> biasShape;
  if (hasBias)
    biasShape = bias.shape();
  FailureOr<shape::Shape> shape = failure();
  if (!checked(g, "tcc.conv2d", at, [&](shape::ErrorFn error) {
        shape = shape::conv2dShape(x.shape(), weight.shape(), biasShape, params,
                                   error);
        return succeeded(shape);
      }))
    return Tensor();
  OpBuilder &b = g.builder();
  auto op = Conv2dOp::create(
      b, g.locationOf(at), RankedTensorType::get(*shape, x.elementType()),
      x.value(), weight.value(), hasBias ? bias.value() : Value(),
      b.getDenseI64ArrayAttr(options.stride),
      b.getDenseI64ArrayAttr(options.padding),
      b.getDenseI64ArrayAttr(options.dilation),
      b.getI64IntegerAttr(options.groups));
  return g.wrap(op.getResult());
}

namespace {

FailureOr<shape::Shape> pooledShape(Graph &g, StringRef op, const Tensor &x,
                                    ArrayRef<int64_t> kernel,
                                    ArrayRef<int64_t> stride,
                                    ArrayRef<int64_t> padding, SourceLoc at) {
  SmallVector<int64_t, 2> dilation{1, 1};
  shape::Pool2dParams params{kernel, stride, padding, dilation, false};
  FailureOr<shape::Shape> shape = failure();
  checked(g, op, at, [&](shape::ErrorFn error) {
    shape = shape::pool2dShape(x.shape(), params, error);
    return succeeded(shape);
  });
  return shape;
}

} // namespace

Tensor frontend::maxPool2d(const Tensor &x, ArrayRef<int64_t> kernel,
                           ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
                           SourceLoc at) {
  if (!x.valid())
    return Tensor();
  Graph &g = *x.graph();
  FailureOr<shape::Shape> shape =
      pooledShape(g, "tcc.max_pool2d", x, kernel, stride, padding, at);
  if (failed(shape))
    return Tensor();
  OpBuilder &b = g.builder();
  auto op = MaxPool2dOp::create(
      b, g.locationOf(at), RankedTensorType::get(*shape, x.elementType()),
      x.value(), b.getDenseI64ArrayAttr(kernel), b.getDenseI64ArrayAttr(stride),
      b.getDenseI64ArrayAttr(padding), UnitAttr(),
      b.getDenseI64ArrayAttr({1, 1}));
  return g.wrap(op.getResult());
}

Tensor frontend::avgPool2d(const Tensor &x, ArrayRef<int64_t> kernel,
                           ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
                           bool countIncludePad, SourceLoc at) {
  if (!x.valid())
    return Tensor();
  Graph &g = *x.graph();
  FailureOr<shape::Shape> shape =
      pooledShape(g, "tcc.avg_pool2d", x, kernel, stride, padding, at);
  if (failed(shape))
    return Tensor();
  OpBuilder &b = g.builder();
  auto op = AvgPool2dOp::create(
      b, g.locationOf(at), RankedTensorType::get(*shape, x.elementType()),
      x.value(), b.getDenseI64ArrayAttr(kernel), b.getDenseI64ArrayAttr(stride),
      b.getDenseI64ArrayAttr(padding), UnitAttr(),
      countIncludePad ? b.getUnitAttr() : UnitAttr());
  return g.wrap(op.getResult());
}

BatchNormResult frontend::batchNorm(const Tensor &x, const Tensor &weight,
                                    const Tensor &bias,
                                    const Tensor &runningMean,
                                    const Tensor &runningVar, bool training,
                                    double momentum, double epsilon,
                                    SourceLoc at) {
  for (const Tensor *t : {&x, &weight, &bias, &runningMean, &runningVar})
    if (!t->valid())
      return {};
  Graph &g = *x.graph();
  if (!checked(g, "tcc.batch_norm", at, [&](shape::ErrorFn error) {
        return succeeded(shape::checkBatchNorm(
            x.shape(), weight.shape(), bias.shape(), runningMean.shape(),
            runningVar.shape(), error));
      }))
    return {};
  OpBuilder &b = g.builder();
  auto op = BatchNormOp::create(
      b, g.locationOf(at), x.value().getType(), runningMean.value().getType(),
      runningVar.value().getType(), x.value(), weight.value(), bias.value(),
      runningMean.value(), runningVar.value(), b.getF64FloatAttr(epsilon),
      b.getF64FloatAttr(momentum), training ? b.getUnitAttr() : UnitAttr());
  return {g.wrap(op.getOutput()), g.wrap(op.getNewRunningMean()),
          g.wrap(op.getNewRunningVar())};
}
