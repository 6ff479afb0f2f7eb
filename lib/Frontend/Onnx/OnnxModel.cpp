//===- OnnxModel.cpp - reading and checking ONNX files --------------------===//

#include "OnnxModel.h"

#include <onnx/checker.h>

#include <climits>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <sys/stat.h>

using ::tcc::rt::DType;
using ::tcc::rt::HostArray;
using ::tcc::rt::Status;
using ::tcc::rt::StatusOr;

namespace mlir::tcc::frontend::onnx_import {

namespace {

/// protobuf refuses messages of 2 GiB or more; ONNX stores larger models'
/// weights as external data for that reason.
constexpr uint64_t kProtobufLimit = uint64_t(INT_MAX);

std::string canonicalPath(const std::string &path) {
  char buffer[PATH_MAX];
  if (!realpath(path.c_str(), buffer))
    return {};
  return buffer;
}

std::string folderOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

/// The external-data entries of `tensor` as key -> value.
std::map<std::string, std::string>
externalEntries(const onnx::TensorProto &tensor) {
  std::map<std::string, std::string> entries;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data())
    entries[entry.key()] = entry.value();
  return entries;
}

/// Checks that an external-data location names a regular file inside the
/// model's folder and returns its canonical path. Locations are relative
/// paths by the ONNX spec; absolute paths, ".." components and symbolic
/// links leading outside are refused before anything is opened.
StatusOr<std::string> resolveExternalPath(const std::string &location,
                                          const LoadedModel &model,
                                          const std::string &what) {
  auto refuse = [&](const std::string &why) {
    return Status::error(model.path + ": " + what + ": external data '" +
                         location + "' " + why);
  };
  if (location.empty())
    return refuse("has an empty location");
  if (location.find('\0') != std::string::npos)
    return refuse("has a NUL byte in its location");
  if (location.front() == '/')
    return refuse("is an absolute path; ONNX external data locations are "
                  "relative to the model's folder");
  std::stringstream components(location);
  for (std::string part; std::getline(components, part, '/');)
    if (part == "..")
      return refuse("leaves the model's folder ('..')");
  std::string resolved = canonicalPath(model.folder + "/" + location);
  if (resolved.empty())
    return refuse("does not exist (looked in " + model.folder + ")");
  if (resolved.compare(0, model.folder.size() + 1, model.folder + "/") != 0)
    return refuse("resolves to " + resolved + ", outside the model's folder " +
                  model.folder);
  struct stat info;
  if (stat(resolved.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
    return refuse("is not a regular file");
  return resolved;
}

/// Parses a non-negative decimal integer of an external-data entry.
std::optional<uint64_t> parseOffset(const std::string &text) {
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

/// Every tensor stored in the graph: initializers and Constant values.
template <typename Fn> void forEachStoredTensor(const onnx::GraphProto &graph, Fn fn) {
  for (const onnx::TensorProto &tensor : graph.initializer())
    fn(tensor, "initializer '" + tensor.name() + "'");
  for (const onnx::NodeProto &node : graph.node())
    for (const onnx::AttributeProto &attribute : node.attribute())
      if (attribute.has_t())
        fn(attribute.t(), "node '" + node.name() + "' attribute '" +
                              attribute.name() + "'");
}

} // namespace

std::optional<DType> dtypeOfOnnx(int32_t dataType) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return DType::F32;
  case onnx::TensorProto::DOUBLE:
    return DType::F64;
  case onnx::TensorProto::FLOAT16:
    return DType::F16;
  case onnx::TensorProto::BFLOAT16:
    return DType::BF16;
  case onnx::TensorProto::INT64:
    return DType::I64;
  case onnx::TensorProto::INT32:
    return DType::I32;
  case onnx::TensorProto::INT8:
    return DType::I8;
  case onnx::TensorProto::UINT8:
    return DType::U8;
  case onnx::TensorProto::BOOL:
    return DType::Bool;
  default:
    return std::nullopt;
  }
}

std::string onnxTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

StatusOr<std::unique_ptr<LoadedModel>> loadOnnxModel(const std::string &path) {
  auto model = std::make_unique<LoadedModel>();
  model->path = path;
  std::ifstream file(path, std::ios::binary);
  struct stat info;
  if (!file || stat(path.c_str(), &info) != 0)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return Status::error(path + ": not a regular file");
  if (static_cast<uint64_t>(info.st_size) >= kProtobufLimit)
    return Status::error(path + ": " + std::to_string(info.st_size) +
                         " bytes, over protobuf's 2 GiB message limit; save "
                         "the weights as ONNX external data");
  std::string bytes(static_cast<size_t>(info.st_size), '\0');
  if (!file.read(bytes.data(), bytes.size()))
    return Status::error(path + ": read failed");
  if (!model->proto.ParseFromString(bytes))
    return Status::error(path + ": not a valid ONNX file (the protobuf does "
                                "not parse: truncated or not a ModelProto)");
  if (!model->proto.has_graph())
    return Status::error(path + ": the model has no graph");

  model->folder = canonicalPath(folderOf(path));
  if (model->folder.empty())
    return Status::error(path + ": cannot resolve the model's folder");

  // The default domain's opset decides each op's semantics.
  for (const onnx::OperatorSetIdProto &opset : model->proto.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      model->opset = opset.version();
  if (model->opset == 0)
    return Status::error(path + ": the model imports no opset of the default "
                                "ONNX domain");
  if (model->opset < kMinOpset || model->opset > kMaxOpset)
    return Status::error(
        path + ": opset " + std::to_string(model->opset) +
        " is not supported; tcc imports opsets " + std::to_string(kMinOpset) +
        "-" + std::to_string(kMaxOpset) +
        " (convert with onnx.version_converter.convert_version)");

  // External data is checked before the ONNX checker, which opens the
  // files it names.
  Status external = Status::ok();
  forEachStoredTensor(model->proto.graph(), [&](const onnx::TensorProto &tensor,
                                                const std::string &what) {
    if (!external.isOk() ||
        tensor.data_location() != onnx::TensorProto::EXTERNAL)
      return;
    StatusOr<std::string> resolved = resolveExternalPath(
        externalEntries(tensor)["location"], *model, what);
    if (!resolved)
      external = resolved.status();
  });
  if (!external.isOk())
    return external;

  try {
    onnx::checker::check_model(path);
  } catch (const std::exception &e) {
    std::string message = e.what();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    return Status::error(path + ": the ONNX checker rejects the model: " +
                         message);
  }
  return model;
}

StatusOr<HostArray> decodeTensor(const onnx::TensorProto &tensor,
                                 const LoadedModel &model,
                                 const std::string &what) {
  auto fail = [&](const std::string &why) {
    return Status::error(model.path + ": " + what + ": " + why);
  };
  std::optional<DType> dtype = dtypeOfOnnx(tensor.data_type());
  if (!dtype)
    return fail("has type " + onnxTypeName(tensor.data_type()) +
                ", which tcc does not support");
  if (tensor.has_segment())
    return fail("is segmented, which tcc does not support");
  HostArray array;
  array.dtype = *dtype;
  for (int64_t d : tensor.dims()) {
    if (d < 0)
      return fail("has a negative dimension " + std::to_string(d));
    array.shape.push_back(d);
  }
  std::optional<int64_t> count = ::tcc::rt::checkedNumElements(array.shape);
  if (!count)
    return fail("has too many elements");
  const uint64_t elementSize = ::tcc::rt::dtypeSize(*dtype);
  const uint64_t expectedBytes = uint64_t(*count) * elementSize;
  auto sizeMismatch = [&](uint64_t got, const std::string &unit) {
    std::string shape;
    for (int64_t d : array.shape)
      shape += (shape.empty() ? "" : "x") + std::to_string(d);
    return fail("holds " + std::to_string(got) + " " + unit + " but its shape [" +
                shape + "] of " + onnxTypeName(tensor.data_type()) + " needs " +
                std::to_string(unit == "bytes" ? expectedBytes
                                               : uint64_t(*count)));
  };

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    std::map<std::string, std::string> entries = externalEntries(tensor);
    StatusOr<std::string> resolved =
        resolveExternalPath(entries["location"], model, what);
    if (!resolved)
      return resolved.status();
    std::optional<uint64_t> offset = parseOffset(entries.count("offset") ? entries["offset"] : "0");
    if (!offset)
      return fail("external data has a malformed offset '" + entries["offset"] + "'");
    uint64_t length = expectedBytes;
    if (entries.count("length")) {
      std::optional<uint64_t> given = parseOffset(entries["length"]);
      if (!given)
        return fail("external data has a malformed length '" +
                    entries["length"] + "'");
      if (*given != expectedBytes)
        return sizeMismatch(*given, "bytes");
    }
    struct stat info;
    if (stat(resolved->c_str(), &info) != 0)
      return fail("cannot stat external data " + *resolved);
    uint64_t fileSize = static_cast<uint64_t>(info.st_size);
    if (*offset > fileSize || length > fileSize - *offset)
      return fail("external data [" + std::to_string(*offset) + ", " +
                  std::to_string(*offset + length) + ") lies past the end of " +
                  *resolved + " (" + std::to_string(fileSize) + " bytes)");
    std::ifstream file(*resolved, std::ios::binary);
    array.bytes.resize(length);
    if (!file.seekg(static_cast<std::streamoff>(*offset)) ||
        !file.read(reinterpret_cast<char *>(array.bytes.data()),
                   static_cast<std::streamsize>(length)))
      return fail("cannot read external data " + *resolved);
    return array;
  }

  if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != expectedBytes)
      return sizeMismatch(tensor.raw_data().size(), "bytes");
    array.bytes.assign(tensor.raw_data().begin(), tensor.raw_data().end());
    return array;
  }

  // The typed repeated fields: each element widened to the field's type.
  array.bytes.resize(expectedBytes);
  auto fill = [&](const auto &field) -> Status {
    if (static_cast<int64_t>(field.size()) != *count)
      return sizeMismatch(field.size(), "elements");
    for (int64_t i = 0; i < *count; ++i)
      ::tcc::rt::setElement(array, i, static_cast<double>(field.Get(i)));
    return Status::ok();
  };
  Status status = Status::ok();
  switch (*dtype) {
  case DType::F32:
    status = fill(tensor.float_data());
    break;
  case DType::F64:
    status = fill(tensor.double_data());
    break;
  case DType::I64:
    // Element by element: doubles are not exact past 2^53.
    if (tensor.int64_data_size() != *count)
      return sizeMismatch(tensor.int64_data_size(), "elements");
    std::memcpy(array.bytes.data(), tensor.int64_data().data(), expectedBytes);
    break;
  case DType::F16:
  case DType::BF16:
    // int32_data holds the 16-bit patterns.
    if (tensor.int32_data_size() != *count)
      return sizeMismatch(tensor.int32_data_size(), "elements");
    for (int64_t i = 0; i < *count; ++i) {
      uint16_t bits = static_cast<uint16_t>(tensor.int32_data(i));
      std::memcpy(array.bytes.data() + 2 * i, &bits, 2);
    }
    break;
  default:
    status = fill(tensor.int32_data());
    break;
  }
  if (!status.isOk())
    return status;
  return array;
}

} // namespace mlir::tcc::frontend::onnx_import
