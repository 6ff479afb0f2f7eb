//===- ImportCommand.cpp - `tcc import` -----------------------------------===//
//
// tcc import MODEL.onnx -o MODEL.mlir --weights MODEL.safetensors: an ONNX
// model becomes a tcc function (printed with its locations, so that later
// errors name the ONNX node) and its weights a safetensors file that
// `tcc run --weights` binds by name.
//
//===----------------------------------------------------------------------===//

#include "tcc/Driver/Commands.h"

#include "tcc/Driver/ModuleLoader.h"
#include "tcc/Frontend/OnnxImporter.h"
#include "tcc/runtime/Safetensors.h"

#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::tcc;
namespace cl = llvm::cl;

namespace {

constexpr llvm::StringLiteral kTool = "tcc import";

llvm::raw_ostream &error() {
  return llvm::WithColor::error(llvm::errs(), kTool);
}

/// Parses NAME=D0xD1x... (a scalar is NAME=).
bool parseInputShape(StringRef text,
                     std::map<std::string, std::vector<int64_t>> &shapes) {
  auto [name, dims] = text.split('=');
  if (name.empty() || !text.contains('=')) {
    error() << "--input-shape '" << text << "': expected NAME=D0xD1...\n";
    return false;
  }
  std::vector<int64_t> shape;
  SmallVector<StringRef> parts;
  if (!dims.empty())
    dims.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0) {
      error() << "--input-shape '" << text << "': '" << part
              << "' is not a dimension\n";
      return false;
    }
    shape.push_back(dim);
  }
  if (!shapes.emplace(name.str(), shape).second) {
    error() << "--input-shape names '" << name << "' twice\n";
    return false;
  }
  return true;
}

} // namespace

int mlir::tcc::importMain(int argc, char **argv) {
  cl::OptionCategory category("tcc import options");
  cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                                 cl::Required, cl::cat(category));
  cl::opt<std::string> outputFile("o", cl::desc("Output MLIR ('-': stdout)"),
                                  cl::value_desc("file"), cl::cat(category));
  cl::opt<std::string> weightsFile(
      "weights", cl::desc("Write the initializers that become parameters here"),
      cl::value_desc("file.safetensors"), cl::cat(category));
  cl::list<std::string> inputShapes(
      "input-shape",
      cl::desc("Static shape of a graph input, e.g. x=8x3x32x32 (repeatable)"),
      cl::value_desc("NAME=D0xD1..."), cl::cat(category));
  cl::opt<std::string> functionName("function",
                                    cl::desc("Name of the imported function"),
                                    cl::init("forward"), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "tcc import: ONNX model to tcc MLIR\n",
                                   &llvm::errs()))
    return 1;
  if (outputFile.empty()) {
    error() << "no output file: give -o FILE (or -o - for stdout)\n";
    return 1;
  }
  for (StringRef output : {StringRef(outputFile), StringRef(weightsFile)}) {
    if (output.empty() || output == "-")
      continue;
    if (llvm::sys::fs::equivalent(inputFile, output)) {
      error() << "refusing to overwrite the input '" << inputFile << "'\n";
      return 1;
    }
  }
  if (!weightsFile.empty() && weightsFile == outputFile) {
    error() << "the MLIR and the weights would both be written to '"
            << outputFile << "'\n";
    return 1;
  }

  frontend::OnnxImportOptions options;
  options.functionName = functionName;
  for (const std::string &text : inputShapes)
    if (!parseInputShape(text, options.inputShapes))
      return 1;

  std::unique_ptr<MLIRContext> context = createTccContext();
  std::vector<std::string> errors;
  FailureOr<frontend::OnnxImport> imported =
      frontend::importOnnx(*context, inputFile, options, errors);
  if (failed(imported)) {
    for (std::string message : errors) {
      // Messages start with the file and node; the Graph API's carry their
      // own "error:" after the place, which tcc's prefix already says.
      if (size_t at = message.find(": error: "); at != std::string::npos)
        message.erase(at, 7);
      error() << message << "\n";
    }
    return 1;
  }
  if (!imported->weights.empty() && weightsFile.empty()) {
    error() << "the model has " << imported->weights.size()
            << " weight tensors; give --weights FILE.safetensors to keep "
               "them\n";
    return 1;
  }

  std::string message;
  auto output = openOutputFile(outputFile, &message);
  if (!output) {
    error() << message << "\n";
    return 1;
  }
  // With locations, so that errors of later phases name the ONNX node.
  imported->module->print(output->os(),
                          OpPrintingFlags().enableDebugInfo(true, false));
  if (!weightsFile.empty()) {
    ::tcc::rt::Status written = ::tcc::rt::writeSafetensors(
        weightsFile, imported->weights, {{"source", inputFile.getValue()}});
    if (!written.isOk()) {
      error() << written.message() << "\n";
      return 1;
    }
  }
  output->keep();
  return 0;
}
