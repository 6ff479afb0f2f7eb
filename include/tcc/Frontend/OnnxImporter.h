//===- OnnxImporter.h - ONNX models into the tcc dialect ---------*- C++ -*-===//
//
// `tcc import model.onnx`: an ONNX model (opsets 13-17) becomes a tcc
// function with the model's graph inputs as inputs, its floating-point
// initializers as parameters (their bytes returned beside the module, to be
// written as safetensors), and its graph outputs as outputs. Each op is
// located at the ONNX node it came from, so later errors name the node.
//
// Files are untrusted: a malformed protobuf, a model the ONNX checker
// rejects, unsupported ops (all listed at once), tensors whose byte counts
// do not match their shapes, and external data outside the model's folder
// are errors naming the file and the node or tensor; nothing outside the
// model's folder is read.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_FRONTEND_ONNXIMPORTER_H
#define TCC_FRONTEND_ONNXIMPORTER_H

#include "tcc/runtime/Safetensors.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::tcc::frontend {

struct OnnxImportOptions {
  /// Shapes for graph inputs, replacing what the file says; needed where
  /// the file has symbolic dimensions ("batch"), since tcc compiles static
  /// shapes.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Name of the function the model becomes.
  std::string functionName = "forward";
};

struct OnnxImport {
  OwningOpRef<ModuleOp> module;
  /// The initializers that became parameters, in argument order.
  ::tcc::rt::NamedArrays weights;
};

/// Imports the model at `path`. On failure `errors` holds one message per
/// problem, each naming the file and the node, tensor or input concerned.
FailureOr<OnnxImport> importOnnx(MLIRContext &context, StringRef path,
                                 const OnnxImportOptions &options,
                                 std::vector<std::string> &errors);

} // namespace mlir::tcc::frontend

#endif // TCC_FRONTEND_ONNXIMPORTER_H
