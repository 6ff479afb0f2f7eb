//===- OnnxModel.h - reading and checking ONNX files -------------*- C++ -*-===//
//
// The untrusted-input half of the ONNX importer: parsing the protobuf,
// running the ONNX checker, and decoding tensors (inline or external data)
// into host arrays with every size checked. The importer proper only sees
// models that passed here.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_FRONTEND_ONNX_ONNXMODEL_H
#define TCC_LIB_FRONTEND_ONNX_ONNXMODEL_H

#include "tcc/runtime/HostArray.h"
#include "tcc/runtime/Status.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mlir::tcc::frontend::onnx_import {

/// The opsets of the default domain tcc imports.
constexpr int64_t kMinOpset = 13;
constexpr int64_t kMaxOpset = 17;

/// A model that parsed and passed the ONNX checker, with where it came from.
struct LoadedModel {
  onnx::ModelProto proto;
  /// The file as given, for messages and locations.
  std::string path;
  /// The canonical folder external data must stay inside.
  std::string folder;
  /// The default domain's opset.
  int64_t opset = 0;
};

/// Reads `path`, parses it, checks the opset and runs the ONNX checker.
/// External data references are checked (relative, inside the model's
/// folder) before the checker looks at them.
::tcc::rt::StatusOr<std::unique_ptr<LoadedModel>>
loadOnnxModel(const std::string &path);

/// tcc's dtype of an ONNX TensorProto.DataType, or nullopt for the types
/// tcc lacks (strings, complex, unsigned wider than 8 bits, ...).
std::optional<::tcc::rt::DType> dtypeOfOnnx(int32_t dataType);

/// The ONNX name of a TensorProto.DataType, for messages.
std::string onnxTypeName(int32_t dataType);

/// Decodes `tensor` (raw_data, the typed repeated fields, or external
/// data inside `model.folder`), checking that the bytes match the shape.
/// `what` names the tensor in messages ("initializer 'fc.weight'").
::tcc::rt::StatusOr<::tcc::rt::HostArray>
decodeTensor(const onnx::TensorProto &tensor, const LoadedModel &model,
             const std::string &what);

} // namespace mlir::tcc::frontend::onnx_import

#endif // TCC_LIB_FRONTEND_ONNX_ONNXMODEL_H
