//===- TccNative.cpp - the Python binding of tcc's JIT ---------------------===//
//
// `_tcc_native`, the extension module under `tcc.compile`: compiles tcc
// MLIR text for this CPU (through the compilation cache, like `tcc
// compile`) and runs the artifact on NumPy arrays with the runtime. The
// Python package converts torch tensors; this module only sees bytes,
// shapes and dtypes, and checks them against the plan before running.
//
//===----------------------------------------------------------------------===//

#include "tcc/Autodiff/TrainStep.h"
#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Driver/ModuleLoader.h"
#include "tcc/JIT/Jit.h"
#include "tcc/Support/Location.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

namespace py = pybind11;
namespace rt = ::tcc::rt;
using namespace mlir;

namespace {

/// The NumPy dtype that holds `dtype`'s bytes; bf16 travels as uint16 (NumPy
/// has no bfloat16) and the Python side reinterprets it.
py::dtype numpyDType(rt::DType dtype) {
  switch (dtype) {
  case rt::DType::F64:
    return py::dtype("float64");
  case rt::DType::F32:
    return py::dtype("float32");
  case rt::DType::F16:
    return py::dtype("float16");
  case rt::DType::BF16:
    return py::dtype("uint16");
  case rt::DType::I64:
    return py::dtype("int64");
  case rt::DType::I32:
    return py::dtype("int32");
  case rt::DType::I8:
    return py::dtype("int8");
  case rt::DType::U8:
    return py::dtype("uint8");
  case rt::DType::Bool:
    return py::dtype("bool");
  }
  return py::dtype("uint8");
}

std::string describe(const rt::TensorSpec &spec) {
  std::string text = std::string(rt::dtypeName(spec.dtype)) + "[";
  for (size_t i = 0; i < spec.shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(spec.shape[i]);
  return text + "]";
}

py::tuple specTuple(const rt::TensorSpec &spec) {
  return py::make_tuple(spec.name, spec.role, rt::dtypeName(spec.dtype),
                        spec.shape);
}

/// A compiled program, ready to run.
class CompiledProgram {
public:
  explicit CompiledProgram(std::unique_ptr<mlir::tcc::JitExecutable> executable)
      : executable_(std::move(executable)) {}

  py::list inputs() const {
    py::list specs;
    for (const rt::TensorSpec &spec : executable_->plan().inputs)
      specs.append(specTuple(spec));
    return specs;
  }
  py::list outputs() const {
    py::list specs;
    for (const rt::TensorSpec &spec : executable_->plan().outputs)
      specs.append(specTuple(spec));
    return specs;
  }
  bool fromCache() const { return executable_->loadedFromCache(); }

  /// Runs on arrays in plan-input order; returns arrays in output order.
  py::list run(const std::vector<py::array> &arrays) {
    const rt::Plan &plan = executable_->plan();
    if (arrays.size() != plan.inputs.size())
      throw py::value_error("expected " + std::to_string(plan.inputs.size()) +
                            " inputs, got " + std::to_string(arrays.size()));
    std::vector<rt::HostArray> inputs(arrays.size());
    std::vector<const rt::HostArray *> pointers;
    for (size_t i = 0; i < arrays.size(); ++i) {
      const rt::TensorSpec &spec = plan.inputs[i];
      py::array array = py::array::ensure(arrays[i], py::array::c_style);
      bool shapeMatches =
          array && array.ndim() == static_cast<py::ssize_t>(spec.shape.size());
      for (size_t d = 0; shapeMatches && d < spec.shape.size(); ++d)
        shapeMatches = array.shape(d) == spec.shape[d];
      if (!shapeMatches || !array.dtype().is(numpyDType(spec.dtype))) {
        std::string got =
            array ? std::string(py::str(array.dtype())) + " " +
                        std::string(py::str(py::tuple(
                            py::cast(std::vector<py::ssize_t>(
                                array.shape(), array.shape() + array.ndim())))))
                  : "not an array";
        throw py::value_error("input '" + spec.name + "': expected " +
                              describe(spec) + ", got " + got);
      }
      inputs[i].dtype = spec.dtype;
      inputs[i].shape = spec.shape;
      inputs[i].bytes.resize(spec.byteSize());
      std::memcpy(inputs[i].bytes.data(), array.data(), spec.byteSize());
      pointers.push_back(&inputs[i]);
    }
    std::vector<rt::HostArray> outputs;
    rt::Status status = rt::Status::ok();
    {
      py::gil_scoped_release release;
      status = executable_->run(pointers, outputs);
    }
    if (!status.isOk())
      throw std::runtime_error(status.message());
    py::list results;
    for (size_t i = 0; i < outputs.size(); ++i) {
      py::array array(numpyDType(outputs[i].dtype),
                      std::vector<py::ssize_t>(outputs[i].shape.begin(),
                                               outputs[i].shape.end()));
      std::memcpy(array.mutable_data(), outputs[i].bytes.data(),
                  outputs[i].bytes.size());
      results.append(array);
    }
    return results;
  }

private:
  std::unique_ptr<mlir::tcc::JitExecutable> executable_;
};

/// Parses, verifies and compiles `text`; a failure raises CompileError with
/// every diagnostic, each located at the user's source line.
CompiledProgram compile(const std::string &text, const std::string &sourceName,
                        const std::string &entry, bool useCache,
                        unsigned threads) {
  std::unique_ptr<MLIRContext> context = mlir::tcc::createTccContext();
  std::string errors;
  ScopedDiagnosticHandler handler(context.get(), [&](Diagnostic &d) {
    if (d.getSeverity() != DiagnosticSeverity::Error)
      return success();
    std::string where = mlir::tcc::describeLocation(d.getLocation());
    errors += (where.empty() ? sourceName : where) + ": error: " + d.str() + "\n";
    for (const Diagnostic &note : d.getNotes())
      errors += mlir::tcc::describeLocation(note.getLocation()) + ": note: " +
                note.str() + "\n";
    return success();
  });
  ParserConfig config(context.get());
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, config, sourceName);
  std::unique_ptr<mlir::tcc::JitExecutable> executable;
  if (module) {
    mlir::tcc::JitOptions options;
    options.target.entry = entry;
    options.useCache = useCache;
    options.threads = threads;
    FailureOr<std::unique_ptr<mlir::tcc::JitExecutable>> compiled =
        mlir::tcc::jitCompile(*module, options);
    if (succeeded(compiled))
      executable = std::move(*compiled);
  }
  if (!executable) {
    if (errors.empty())
      errors = sourceName + ": error: compilation failed\n";
    errors.pop_back();
    throw py::value_error(errors); // mapped to CompileError below
  }
  return CompiledProgram(std::move(executable));
}

/// The module of `text` with `train_step` added (TrainStep.h), as text.
std::string buildTrainStepText(const std::string &text,
                               const std::string &sourceName,
                               const py::dict &settings) {
  std::unique_ptr<MLIRContext> context = mlir::tcc::createTccContext();
  std::string errors;
  ScopedDiagnosticHandler handler(context.get(), [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error)
      errors += mlir::tcc::describeLocation(d.getLocation()) + ": error: " +
                d.str() + "\n";
    return success();
  });
  ParserConfig config(context.get());
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, config, sourceName);
  mlir::tcc::TrainStepOptions options;
  for (auto [key, value] : settings) {
    std::string name = py::str(key);
    if (name == "optimizer") {
      std::string kind = py::str(value);
      std::optional<mlir::tcc::OptimizerOptions::Kind> parsed =
          mlir::tcc::parseOptimizerKind(kind);
      if (!parsed)
        throw py::value_error("unknown optimizer '" + kind + "' (sgd or adamw)");
      options.optimizer.kind = *parsed;
    } else if (name == "momentum") {
      options.optimizer.momentum = value.cast<double>();
    } else if (name == "dampening") {
      options.optimizer.dampening = value.cast<double>();
    } else if (name == "nesterov") {
      options.optimizer.nesterov = value.cast<bool>();
    } else if (name == "weight_decay") {
      options.optimizer.weightDecay = value.cast<double>();
    } else if (name == "betas") {
      auto betas = value.cast<std::pair<double, double>>();
      options.optimizer.beta1 = betas.first;
      options.optimizer.beta2 = betas.second;
    } else if (name == "eps") {
      options.optimizer.epsilon = value.cast<double>();
    } else if (name == "precision") {
      std::string precision = py::str(value);
      std::optional<mlir::tcc::TrainStepOptions::Precision> parsed =
          mlir::tcc::parsePrecision(precision);
      if (!parsed)
        throw py::value_error("unknown precision '" + precision + "' (" +
                              mlir::tcc::kPrecisionNames + ")");
      options.precision = *parsed;
    } else if (name == "remat") {
      std::string remat = py::str(value);
      std::optional<mlir::tcc::RematPolicy> policy =
          mlir::tcc::parseRematPolicy(remat);
      if (!policy)
        throw py::value_error("unknown rematerialization policy '" + remat +
                              "' (" + mlir::tcc::kRematPolicyNames + ")");
      options.remat = *policy;
    } else if (name == "init_scale") {
      options.lossScale.initScale = value.cast<double>();
    } else if (name == "growth_interval") {
      options.lossScale.growthInterval = value.cast<int64_t>();
    } else if (name == "growth_factor") {
      options.lossScale.growthFactor = value.cast<double>();
    } else if (name == "backoff_factor") {
      options.lossScale.backoffFactor = value.cast<double>();
    } else if (name == "accumulate") {
      options.accumulate = value.cast<int64_t>();
    } else if (name == "clip_grad_norm") {
      options.clipGradNorm = value.cast<double>();
    } else {
      throw py::value_error("unknown training option '" + name + "'");
    }
  }
  if (module) {
    FailureOr<func::FuncOp> forward =
        mlir::tcc::findEntryFunction(*module, "");
    if (succeeded(forward) &&
        succeeded(mlir::tcc::buildTrainStep(*forward, options))) {
      std::string out;
      llvm::raw_string_ostream os(out);
      module->print(os, OpPrintingFlags().enableDebugInfo(true, false));
      return out;
    }
  }
  if (errors.empty())
    errors = sourceName + ": error: building the training step failed\n";
  errors.pop_back();
  throw py::value_error(errors);
}

} // namespace

PYBIND11_MODULE(_tcc_native, m) {
  m.doc() = "tcc's JIT: compile tcc MLIR for this CPU and run it";
  static py::exception<std::runtime_error> compileError(m, "CompileError");
  py::class_<CompiledProgram>(m, "CompiledProgram")
      .def_property_readonly("inputs", &CompiledProgram::inputs,
                             "(name, role, dtype, shape) of each input")
      .def_property_readonly("outputs", &CompiledProgram::outputs,
                             "(name, role, dtype, shape) of each output")
      .def_property_readonly("from_cache", &CompiledProgram::fromCache)
      .def("run", &CompiledProgram::run, py::arg("arrays"),
           "Runs on NumPy arrays in input order; returns the outputs");
  m.def(
      "compile",
      [](const std::string &text, const std::string &sourceName,
         const std::string &entry, bool useCache, unsigned threads) {
        try {
          return compile(text, sourceName, entry, useCache, threads);
        } catch (const py::value_error &e) {
          PyErr_SetString(compileError.ptr(), e.what());
          throw py::error_already_set();
        }
      },
      py::arg("text"), py::arg("source_name") = "<tcc>",
      py::arg("entry") = "", py::arg("use_cache") = true, py::arg("threads") = 0,
      "Compiles tcc MLIR text for this CPU (the function `entry`, or the "
      "module's only public one); raises CompileError");
  m.def(
      "build_train_step",
      [](const std::string &text, const std::string &sourceName,
         const py::dict &settings) {
        try {
          return buildTrainStepText(text, sourceName, settings);
        } catch (const py::value_error &e) {
          PyErr_SetString(compileError.ptr(), e.what());
          throw py::error_already_set();
        }
      },
      py::arg("text"), py::arg("source_name") = "<tcc>",
      py::arg("settings") = py::dict(),
      "Adds train_step (gradients + optimizer update) to a module with a "
      "loss; returns the module's text. settings: optimizer ('sgd' or "
      "'adamw'), momentum, dampening, nesterov, weight_decay, betas, eps, "
      "clip_grad_norm, precision ('f32' or 'bf16'), accumulate");
}
