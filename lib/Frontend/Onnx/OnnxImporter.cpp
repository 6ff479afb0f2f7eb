//===- OnnxImporter.cpp - ONNX models into the tcc dialect ----------------===//
//
// Walks a checked model's graph in order. Graph inputs become inputs,
// floating-point initializers parameters, and each node is converted by its
// op's converter (tabled in OpConverters.cpp) under a location naming the
// node. Values computable at import time (constants, shapes, what ONNX exporters
// compute from shapes) are kept on the host, so static reshapes fold away.
//
//===----------------------------------------------------------------------===//

#include "tcc/Frontend/OnnxImporter.h"

#include "KnownValues.h"
#include "NodeImporter.h"

#include "tcc/Support/DType.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/STLExtras.h"

#include <map>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::frontend;
using namespace mlir::tcc::frontend::onnx_import;
using ::tcc::rt::DType;
using ::tcc::rt::HostArray;

//===----------------------------------------------------------------------===//
// NodeImporter
//===----------------------------------------------------------------------===//

Graph &NodeImporter::graph() { return model_.graph; }
int64_t NodeImporter::opset() const { return model_.model.opset; }

std::string NodeImporter::label() const {
  return model_.model.path + ": node '" + node_.name() + "' (" +
         node_.op_type() + ")";
}

void NodeImporter::error(const Twine &message) {
  // Inside the node's ScopedLocation, Graph labels the error with the node.
  model_.graph.fail(SourceLoc(), message);
}

bool NodeImporter::hasInput(int i) const {
  return i < node_.input_size() && !node_.input(i).empty();
}

Tensor NodeImporter::input(int i) {
  if (!hasInput(i)) {
    error("reads input " + Twine(i) + ", which the node does not have");
    return Tensor();
  }
  return model_.tensorOf(node_.input(i), label());
}

const HostArray *NodeImporter::known(int i) const {
  if (!hasInput(i))
    return nullptr;
  auto it = model_.values.find(node_.input(i));
  if (it == model_.values.end() || !it->second.known ||
      it->second.parameter)
    return nullptr;
  return &*it->second.known;
}

const HostArray *NodeImporter::requireKnown(int i, StringRef what) {
  if (const HostArray *value = known(i))
    return value;
  // A weight read where a static value is needed: its value is known too.
  if (hasInput(i))
    if (auto it = model_.values.find(node_.input(i));
        it != model_.values.end() && it->second.known)
      return &*it->second.known;
  if (!hasInput(i))
    error("lacks its " + what + " input");
  else
    error("the " + what + " input '" + node_.input(i) +
         "' must be known when importing (tcc compiles static shapes); it "
         "is computed at run time");
  return nullptr;
}

std::optional<std::vector<int64_t>> NodeImporter::requireInts(int i,
                                                              StringRef what) {
  const HostArray *value = requireKnown(i, what);
  if (!value)
    return std::nullopt;
  if (::tcc::rt::isFloat(value->dtype)) {
    error("the " + what + " input must hold integers, got " +
         ::tcc::rt::dtypeName(value->dtype));
    return std::nullopt;
  }
  return knownInts(*value);
}

std::optional<std::vector<int64_t>> NodeImporter::shapeOf(int i) const {
  if (!hasInput(i))
    return std::nullopt;
  auto it = model_.values.find(node_.input(i));
  if (it == model_.values.end())
    return std::nullopt;
  if (it->second.tensor.valid())
    return std::vector<int64_t>(it->second.tensor.shape().begin(),
                                it->second.tensor.shape().end());
  if (it->second.known)
    return it->second.known->shape;
  return std::nullopt;
}

bool NodeImporter::allInputsKnown() const {
  for (int i = 0; i < node_.input_size(); ++i)
    if (hasInput(i) && !known(i))
      return false;
  return true;
}

void NodeImporter::setOutput(int i, Tensor value) {
  if (i < node_.output_size() && !node_.output(i).empty())
    model_.values[node_.output(i)] = ImportedValue{value, std::nullopt, false};
}

void NodeImporter::setKnownOutput(int i, HostArray value) {
  if (i < node_.output_size() && !node_.output(i).empty())
    model_.values[node_.output(i)] =
        ImportedValue{Tensor(), std::move(value), false};
}

const onnx::AttributeProto *NodeImporter::attribute(StringRef name) const {
  for (const onnx::AttributeProto &a : node_.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeImporter::intAttr(StringRef name, int64_t fallback) const {
  const onnx::AttributeProto *a = attribute(name);
  return a && a->has_i() ? a->i() : fallback;
}

double NodeImporter::floatAttr(StringRef name, double fallback) const {
  const onnx::AttributeProto *a = attribute(name);
  return a && a->has_f() ? a->f() : fallback;
}

std::string NodeImporter::stringAttr(StringRef name, StringRef fallback) const {
  const onnx::AttributeProto *a = attribute(name);
  return a && a->has_s() ? a->s() : fallback.str();
}

std::optional<std::vector<int64_t>>
NodeImporter::intsAttr(StringRef name) const {
  const onnx::AttributeProto *a = attribute(name);
  if (!a)
    return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<int64_t> NodeImporter::normalizeAxis(int64_t axis, int64_t rank,
                                                   StringRef what) {
  if (axis < -rank || axis >= rank) {
    error(what + " " + Twine(axis) + " is outside [" + Twine(-rank) + ", " +
         Twine(rank) + ")");
    return std::nullopt;
  }
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// ModelImporter
//===----------------------------------------------------------------------===//

ModelImporter::ModelImporter(MLIRContext &context, const LoadedModel &model,
                             StringRef functionName)
    : graph(context, functionName), model(model) {}

Tensor ModelImporter::tensorOf(StringRef name, StringRef label) {
  auto it = values.find(name);
  if (it == values.end()) {
    graph.fail(SourceLoc(), "reads '" + name +
                                "', which no graph input, initializer or "
                                "earlier node defines");
    return Tensor();
  }
  ImportedValue &value = it->second;
  if (value.tensor.valid() || !value.known)
    return value.tensor;
  const HostArray &array = *value.known;
  MLIRContext *context = graph.builder().getContext();
  Type element = elementTypeOf(array.dtype, context);
  if (!element) {
    graph.fail(SourceLoc(), "'" + name + "' holds " +
                                ::tcc::rt::dtypeName(array.dtype) +
                                " values, which tcc does not compute with");
    return Tensor();
  }
  if (value.parameter) {
    // Parameters are located at the model, not at the first reader.
    Graph::ScopedLocation at(
        graph, NameLoc::get(StringAttr::get(context, name),
                            FileLineColLoc::get(context, model.path, 0, 0)),
        model.path + ": initializer '" + name.str() + "'");
    value.tensor = graph.parameter(name, array.shape, element);
    weights.emplace_back(name.str(), array);
    return value.tensor;
  }
  value.tensor = graph.constant(denseAttrOf(array, element));
  return value.tensor;
}

//===----------------------------------------------------------------------===//
// importOnnx
//===----------------------------------------------------------------------===//

namespace {

/// Lists every node whose op tcc cannot import, grouped by op, so that the
/// user learns all of them from one run.
bool reportUnsupportedOps(const LoadedModel &model,
                          std::vector<std::string> &errors) {
  std::map<std::string, std::vector<std::string>> unsupported;
  const llvm::StringMap<NodeConverter> &converters = nodeConverters();
  for (const onnx::NodeProto &node : model.proto.graph().node()) {
    bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    if (defaultDomain && converters.count(node.op_type()))
      continue;
    std::string op = defaultDomain ? node.op_type()
                                   : node.domain() + "." + node.op_type();
    unsupported[op].push_back(node.name());
  }
  if (unsupported.empty())
    return false;
  std::string message = model.path + ": unsupported ONNX ops:";
  for (const auto &[op, nodes] : unsupported) {
    message += "\n  " + op + " (" + std::to_string(nodes.size()) +
               (nodes.size() == 1 ? " node: '" : " nodes, first: '") +
               nodes.front() + "')";
  }
  errors.push_back(message);
  return true;
}

std::string nodeName(const onnx::NodeProto &node, int index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                             : node.name();
}

} // namespace

FailureOr<OnnxImport>
frontend::importOnnx(MLIRContext &context, StringRef path,
                     const OnnxImportOptions &options,
                     std::vector<std::string> &errors) {
  ::tcc::rt::StatusOr<std::unique_ptr<LoadedModel>> loaded =
      loadOnnxModel(path.str());
  if (!loaded) {
    errors.push_back(loaded.status().message());
    return failure();
  }
  LoadedModel &model = **loaded;
  // Unnamed nodes get names, so that every message can name its node.
  onnx::GraphProto &graphProto = *model.proto.mutable_graph();
  for (int i = 0; i < graphProto.node_size(); ++i)
    if (graphProto.node(i).name().empty())
      graphProto.mutable_node(i)->set_name(nodeName(graphProto.node(i), i));
  if (reportUnsupportedOps(model, errors))
    return failure();

  ModelImporter importer(context, model, options.functionName);
  // Initializers, all decoded first so that every bad one is reported.
  for (const onnx::TensorProto &tensor : graphProto.initializer()) {
    ::tcc::rt::StatusOr<HostArray> array =
        decodeTensor(tensor, model, "initializer '" + tensor.name() + "'");
    if (!array) {
      errors.push_back(array.status().message());
      continue;
    }
    // Floating-point initializers with more than one element are the
    // model's weights; scalars and integer tensors (shapes, masks, indices)
    // are constants of the program.
    bool parameter =
        ::tcc::rt::isFloat(array->dtype) && array->numElements() > 1;
    importer.values[tensor.name()] =
        ImportedValue{Tensor(), std::move(*array), parameter};
  }

  // Graph inputs, static shapes only.
  std::map<std::string, std::vector<int64_t>> shapes = options.inputShapes;
  for (const onnx::ValueInfoProto &info : graphProto.input()) {
    if (importer.values.count(info.name()))
      continue; // an initializer listed as an input (IR version < 4)
    std::string what = path.str() + ": graph input '" + info.name() + "'";
    if (!info.type().has_tensor_type()) {
      errors.push_back(what + " is not a tensor");
      continue;
    }
    const onnx::TypeProto::Tensor &type = info.type().tensor_type();
    std::optional<DType> dtype = dtypeOfOnnx(type.elem_type());
    Type element = dtype ? elementTypeOf(*dtype, &context) : Type();
    if (!element) {
      errors.push_back(what + " has type " + onnxTypeName(type.elem_type()) +
                       ", which tcc does not compute with");
      continue;
    }
    std::vector<int64_t> shape;
    if (auto given = shapes.find(info.name()); given != shapes.end()) {
      shape = given->second;
      shapes.erase(given);
    } else if (!type.has_shape()) {
      errors.push_back(what + " has no shape; give it with --input-shape " +
                       info.name() + "=D0xD1...");
      continue;
    } else {
      for (const onnx::TensorShapeProto::Dimension &dim : type.shape().dim()) {
        if (!dim.has_dim_value() || dim.dim_value() < 0) {
          errors.push_back(
              what + " has a symbolic dimension '" + dim.dim_param() +
              "'; tcc compiles static shapes: give them with --input-shape " +
              info.name() + "=D0xD1...");
          shape.clear();
          break;
        }
        shape.push_back(dim.dim_value());
      }
      if (shape.size() != static_cast<size_t>(type.shape().dim_size()))
        continue;
    }
    Graph::ScopedLocation at(
        importer.graph,
        NameLoc::get(StringAttr::get(&context, info.name()),
                     FileLineColLoc::get(&context, path, 0, 0)),
        what);
    importer.values[info.name()] = ImportedValue{
        importer.graph.input(info.name(), shape, element), std::nullopt, false};
  }
  for (const auto &[name, shape] : shapes)
    errors.push_back(path.str() + ": --input-shape names '" + name +
                     "', which is not a graph input");
  if (!errors.empty())
    return failure();

  // The nodes, in the file's (topological, checked) order; the first node
  // that fails stops the import, since what follows depends on it.
  const llvm::StringMap<NodeConverter> &converters = nodeConverters();
  for (const onnx::NodeProto &node : graphProto.node()) {
    NodeImporter nodeImporter(importer, node);
    Graph::ScopedLocation at(
        importer.graph,
        NameLoc::get(StringAttr::get(&context, node.name()),
                     FileLineColLoc::get(&context, path, 0, 0)),
        nodeImporter.label());
    size_t errorsBefore = importer.graph.errors().size();
    LogicalResult converted = converters.lookup(node.op_type())(nodeImporter);
    if (failed(converted) || importer.graph.errors().size() != errorsBefore)
      break;
    for (const std::string &output : node.output())
      if (!output.empty() && !importer.values.count(output)) {
        nodeImporter.error("produced no value for output '" + output + "'");
        break;
      }
  }

  if (importer.graph.errors().empty()) {
    for (const onnx::ValueInfoProto &info : graphProto.output()) {
      Graph::ScopedLocation at(
          importer.graph,
          NameLoc::get(StringAttr::get(&context, info.name()),
                       FileLineColLoc::get(&context, path, 0, 0)),
          path.str() + ": graph output '" + info.name() + "'");
      Tensor value = importer.tensorOf(info.name(), info.name());
      if (value.valid())
        importer.graph.output(info.name(), value);
    }
  }

  FailureOr<OwningOpRef<ModuleOp>> module =
      importer.graph.errors().empty() ? importer.graph.build()
                                      : FailureOr<OwningOpRef<ModuleOp>>();
  if (failed(module)) {
    errors.insert(errors.end(), importer.graph.errors().begin(),
                  importer.graph.errors().end());
    return failure();
  }
  return OnnxImport{std::move(*module), std::move(importer.weights)};
}
