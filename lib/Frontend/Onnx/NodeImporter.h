//===- NodeImporter.h - what an ONNX op converter sees -----------*- C++ -*-===//
//
// The ONNX importer walks the graph in order; for each node it hands the
// node's converter a NodeImporter: the node's inputs as graph tensors or as
// values known at import time, its attributes, and where to put its
// outputs. Converters live in a table keyed by op type, one function per op
// in a file per family (ElementwiseConverters.cpp, ...), each file adding
// its own entries, so adding an op touches one file.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_FRONTEND_ONNX_NODEIMPORTER_H
#define TCC_LIB_FRONTEND_ONNX_NODEIMPORTER_H

#include "OnnxModel.h"

#include "tcc/runtime/Safetensors.h"

#include "tcc/Frontend/Graph.h"

#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::tcc::frontend::onnx_import {

/// An ONNX value while importing: a tensor of the graph, a value known at
/// import time (constants, initializers, shapes and what is computed from
/// them), or both once a known value has been materialized.
struct ImportedValue {
  Tensor tensor;
  std::optional<::tcc::rt::HostArray> known;
  /// A floating-point initializer: becomes a parameter argument, named
  /// after the initializer, when the graph first reads it.
  bool parameter = false;
};

class ModelImporter;

class NodeImporter {
public:
  NodeImporter(ModelImporter &model, const onnx::NodeProto &node)
      : model_(model), node_(node) {}

  const onnx::NodeProto &node() const { return node_; }
  Graph &graph();
  ModelImporter &model() { return model_; }
  int64_t opset() const;

  /// True when input `i` is given (ONNX skips optional inputs with "").
  bool hasInput(int i) const;
  int numInputs() const { return node_.input_size(); }
  /// Input `i` as a graph tensor (known values become constants or
  /// parameters); an invalid tensor after an error.
  Tensor input(int i);
  /// Input `i`'s value if known at import time, else nullptr.
  const ::tcc::rt::HostArray *known(int i) const;
  /// Input `i`'s value, which must be known at import time (shapes, axes);
  /// records an error naming `what` otherwise.
  const ::tcc::rt::HostArray *requireKnown(int i, StringRef what);
  /// A known input read as integers (shape, axes, pads).
  std::optional<std::vector<int64_t>> requireInts(int i, StringRef what);
  /// Input `i`'s static shape (graph tensors and known values alike).
  std::optional<std::vector<int64_t>> shapeOf(int i) const;
  /// True when every given input is known at import time.
  bool allInputsKnown() const;

  int numOutputs() const { return node_.output_size(); }
  void setOutput(int i, Tensor value);
  void setKnownOutput(int i, ::tcc::rt::HostArray value);

  const onnx::AttributeProto *attribute(StringRef name) const;
  int64_t intAttr(StringRef name, int64_t fallback) const;
  double floatAttr(StringRef name, double fallback) const;
  std::string stringAttr(StringRef name, StringRef fallback) const;
  std::optional<std::vector<int64_t>> intsAttr(StringRef name) const;

  /// Records an error at this node.
  void error(const Twine &message);
  /// Records an error at this node and returns failure.
  LogicalResult fail(const Twine &message) {
    error(message);
    return failure();
  }
  /// "<file>: node '<name>' (<op>)", the prefix of this node's errors.
  std::string label() const;

  /// Resolves a possibly negative axis against `rank`; records an error
  /// when outside [-rank, rank).
  std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                       StringRef what);

private:
  ModelImporter &model_;
  const onnx::NodeProto &node_;
};

/// Converts one node; failure after recording an error.
using NodeConverter = LogicalResult (*)(NodeImporter &);

/// The converters of the default domain, keyed by op type.
const llvm::StringMap<NodeConverter> &nodeConverters();

/// The shared state of one import, used by NodeImporter.
class ModelImporter {
public:
  ModelImporter(MLIRContext &context, const LoadedModel &model,
                StringRef functionName);

  Graph graph;
  const LoadedModel &model;
  llvm::StringMap<ImportedValue> values;
  ::tcc::rt::NamedArrays weights;

  /// Materializes `name` as a graph tensor.
  Tensor tensorOf(StringRef name, StringRef label);
};

} // namespace mlir::tcc::frontend::onnx_import

#endif // TCC_LIB_FRONTEND_ONNX_NODEIMPORTER_H
