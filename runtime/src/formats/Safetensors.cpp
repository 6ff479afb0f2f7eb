//===- Safetensors.cpp - Hugging Face safetensors reader ------------------===//
//
// Reading runs in three checked steps shared by parseSafetensors and
// readSafetensors: the header length (bounded by the limit and the file),
// the header JSON (each entry checked on its own), and the layout (tensors
// must tile the data buffer exactly, as the reference implementation
// requires). Only then is anything sized from the header allocated.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Safetensors.h"

#include "FileIO.h"
#include "tcc/runtime/Json.h"

#include <algorithm>
#include <cstring>

using namespace tcc::rt;

namespace {

struct DTypeName {
  const char *name;
  DType dtype;
};

constexpr DTypeName kDTypes[] = {
    {"F64", DType::F64},   {"F32", DType::F32}, {"F16", DType::F16},
    {"BF16", DType::BF16}, {"I64", DType::I64}, {"I32", DType::I32},
    {"I8", DType::I8},     {"U8", DType::U8},   {"BOOL", DType::Bool}};
constexpr const char *kSupported =
    "F64, F32, F16, BF16, I64, I32, I8, U8, BOOL";
/// Dtypes of the reference implementation that tcc has no DType for.
constexpr const char *kUnsupported[] = {"I16",     "U16",     "U32",     "U64",
                                        "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4",
                                        "F6_E2M3", "F6_E3M2", "C64"};

std::string quote(std::string_view name) { return io::quoteSnippet(name, 200); }

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// One validated header entry.
struct Entry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
  /// Position in the header, to order empty tensors at one offset.
  size_t headerIndex;
};

struct Layout {
  /// Sorted by data offset.
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
};

/// "I16" and friends get a clearer message than a typo would.
Status checkDType(const JsonValue &value, DType &out) {
  if (!value.isString())
    return Status::error(std::string("\"dtype\" is ") +
                         JsonValue::describe(value.kind()) +
                         ", expected a string");
  if (std::optional<DType> dtype = parseSafetensorsDType(value.text())) {
    out = *dtype;
    return Status::ok();
  }
  for (const char *name : kUnsupported)
    if (value.text() == name)
      return Status::error(
          "dtype " + quote(name) +
          " is not supported by tcc (supported: " + kSupported + ")");
  return Status::error("unknown dtype " + quote(value.text()) +
                       " (supported: " + kSupported + ")");
}

Status checkShape(const JsonValue &value, std::vector<int64_t> &out) {
  if (!value.isArray())
    return Status::error(std::string("\"shape\" is ") +
                         JsonValue::describe(value.kind()) +
                         ", expected an array of dimensions");
  for (size_t i = 0; i < value.size(); ++i) {
    std::optional<int64_t> negative = value[i].asInt64();
    if (negative && *negative < 0)
      return Status::error("\"shape\" has negative dimension " +
                           std::to_string(*negative));
    std::optional<uint64_t> dim = value[i].asUInt64();
    if (!dim || *dim > uint64_t(1) << 62)
      return Status::error("\"shape\" element " + std::to_string(i) + " (" +
                           (value[i].isNumber()
                                ? value[i].text()
                                : JsonValue::describe(value[i].kind())) +
                           ") is not an integer in [0, 2^62]");
    out.push_back(int64_t(*dim));
  }
  if (!checkedNumElements(out))
    return Status::error("shape " + formatShape(out) +
                         " has more than 2^62 elements");
  return Status::ok();
}

Status checkOffsets(const JsonValue &value, uint64_t &begin, uint64_t &end) {
  std::optional<uint64_t> first, second;
  if (value.isArray() && value.size() == 2) {
    first = value[0].asUInt64();
    second = value[1].asUInt64();
  }
  if (!first || !second)
    return Status::error("\"data_offsets\" is not [begin, end] with two "
                         "non-negative integers below 2^64");
  if (*first > *second)
    return Status::error("\"data_offsets\" [" + std::to_string(*first) + ", " +
                         std::to_string(*second) + "] end before they begin");
  begin = *first;
  end = *second;
  return Status::ok();
}

Status checkEntry(const JsonValue &value, Entry &entry) {
  if (!value.isObject())
    return Status::error(std::string("is ") +
                         JsonValue::describe(value.kind()) +
                         ", expected an object with dtype, shape and "
                         "data_offsets");
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string &key = value.keyAt(i);
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      return Status::error("unexpected key " + quote(key) +
                           " (expected only dtype, shape and data_offsets)");
  }
  for (const char *key : {"dtype", "shape", "data_offsets"})
    if (!value.find(key))
      return Status::error(std::string("missing \"") + key + "\"");
  if (Status s = checkDType(*value.find("dtype"), entry.dtype); !s)
    return s;
  if (Status s = checkShape(*value.find("shape"), entry.shape); !s)
    return s;
  if (Status s =
          checkOffsets(*value.find("data_offsets"), entry.begin, entry.end);
      !s)
    return s;
  // Up to 2^62 elements of up to 8 bytes: the product may exceed 2^64.
  uint64_t count = uint64_t(*checkedNumElements(entry.shape));
  uint64_t itemSize = dtypeSize(entry.dtype);
  std::string needed = count <= UINT64_MAX / itemSize
                           ? std::to_string(count * itemSize)
                           : "more than 2^64";
  if (count > UINT64_MAX / itemSize ||
      entry.end - entry.begin != count * itemSize)
    return Status::error("data_offsets [" + std::to_string(entry.begin) + ", " +
                         std::to_string(entry.end) + "] hold " +
                         std::to_string(entry.end - entry.begin) +
                         " bytes but shape " + formatShape(entry.shape) +
                         " of " + safetensorsDTypeName(entry.dtype) +
                         " needs " + needed + " bytes");
  return Status::ok();
}

Status checkMetadata(const JsonValue &value,
                     std::map<std::string, std::string> &out) {
  if (!value.isObject())
    return Status::error(std::string("\"__metadata__\" is ") +
                         JsonValue::describe(value.kind()) +
                         ", expected an object of strings");
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].isString())
      return Status::error(
          "\"__metadata__\" value of key " + quote(value.keyAt(i)) + " is " +
          JsonValue::describe(value[i].kind()) + ", expected a string");
    out[value.keyAt(i)] = value[i].text();
  }
  return Status::ok();
}

/// The tensors must tile [0, dataSize) with no gap or overlap, and
/// dataSize must be what follows the header.
Status checkTiling(std::vector<Entry> &entries, uint64_t available) {
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    if (a.begin != b.begin)
      return a.begin < b.begin;
    return a.end != b.end ? a.end < b.end : a.headerIndex < b.headerIndex;
  });
  uint64_t position = 0;
  const Entry *previous = nullptr;
  auto range = [](const Entry &e) {
    return "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
  };
  for (const Entry &entry : entries) {
    if (entry.begin > position)
      return Status::error(
          "bytes [" + std::to_string(position) + ", " +
          std::to_string(entry.begin) +
          ") of the data belong to no tensor (the gap ends at tensor " +
          quote(entry.name) + "); tensors must cover the data with no holes");
    if (entry.begin < position)
      return Status::error("tensor " + quote(entry.name) + " (data_offsets " +
                           range(entry) + ") overlaps tensor " +
                           quote(previous->name) + " (data_offsets " +
                           range(*previous) + ")");
    position = entry.end;
    previous = &entry;
  }
  if (position > available)
    return Status::error(
        "truncated: the tensors need " + std::to_string(position) +
        " bytes of data but " + std::to_string(available) +
        " bytes follow the header (" + std::to_string(position - available) +
        " bytes missing)");
  if (position < available)
    return Status::error(std::to_string(available - position) +
                         " unexpected trailing bytes: the tensors cover " +
                         std::to_string(position) + " bytes of data but " +
                         std::to_string(available) +
                         " bytes follow the header");
  return Status::ok();
}

/// A guess at what a file with an absurd header length really is.
std::string describeForeign(const uint8_t *start) {
  if (std::memcmp(start, "PK\x03\x04", 4) == 0)
    return " (this is a zip archive: a PyTorch .pt/.bin checkpoint or a "
           ".npz? convert it with safetensors.torch.save_file)";
  if (start[0] == 0x80 && start[1] >= 2 && start[1] <= 5)
    return " (this is a Python pickle; convert it with "
           "safetensors.torch.save_file)";
  if (std::memcmp(start, "\x93NUMPY", 6) == 0)
    return " (this is a NumPy .npy file)";
  if (std::memcmp(start, "GGUF", 4) == 0)
    return " (this is a GGUF file)";
  if (std::memcmp(start, "\x89TCC\r", 5) == 0)
    return " (this is a tcc artifact)";
  return " (is this a safetensors file?)";
}

/// Checks the 8-byte header length of a `fileSize`-byte file.
StatusOr<uint64_t> checkHeaderLength(const uint8_t *start, uint64_t fileSize) {
  if (fileSize < 8)
    return Status::error("truncated: " + std::to_string(fileSize) +
                         " bytes is shorter than the 8-byte header length");
  uint64_t length = 0;
  for (size_t i = 8; i-- > 0;)
    length = length << 8 | start[i];
  if (length > kSafetensorsMaxHeaderLength)
    return Status::error("header length " + std::to_string(length) +
                         " exceeds the limit of " +
                         std::to_string(kSafetensorsMaxHeaderLength) +
                         " bytes" + describeForeign(start));
  if (length > fileSize - 8)
    return Status::error("truncated: header length is " +
                         std::to_string(length) + " bytes but only " +
                         std::to_string(fileSize - 8) + " bytes follow");
  return length;
}

StatusOr<Layout> checkHeader(std::string_view text, uint64_t available) {
  JsonLimits limits;
  limits.maxValues = size_t(safetensorsMaxHeaderValues(text.size()));
  StatusOr<JsonValue> json = parseJson(text, limits);
  if (!json) {
    // The parser's own wording ("more than N values") would read as a
    // syntax error; say which limit it is and why it exists.
    const std::string &message = json.status().message();
    std::string tooMany =
        "more than " + std::to_string(limits.maxValues) + " values at ";
    if (message.compare(0, tooMany.size(), tooMany) == 0)
      return Status::error(
          "header has more than " + std::to_string(limits.maxValues) +
          " JSON values, the most tcc reads in a header of " +
          std::to_string(text.size()) + " bytes (1024 + 1 per 4 bytes, at " +
          "most " + std::to_string(kSafetensorsMaxHeaderValues) +
          ", to bound memory); real headers have far fewer, so the file is "
          "corrupt or crafted");
    return json.status().withContext("invalid JSON in header");
  }
  if (!json->isObject())
    return Status::error(std::string("header is ") +
                         JsonValue::describe(json->kind()) +
                         ", expected an object");
  Layout layout;
  for (size_t i = 0; i < json->size(); ++i) {
    const std::string &name = json->keyAt(i);
    if (name == "__metadata__") {
      if (Status s = checkMetadata((*json)[i], layout.metadata); !s)
        return s;
      continue;
    }
    if (name.empty())
      return Status::error("a tensor has an empty name");
    Entry entry{name, DType::F32, {}, 0, 0, i};
    if (Status s = checkEntry((*json)[i], entry); !s)
      return s.withContext("tensor " + quote(name));
    layout.entries.push_back(std::move(entry));
  }
  if (Status s = checkTiling(layout.entries, available); !s)
    return s;
  return layout;
}

void normalizeBools(HostArray &array) {
  // Any nonzero byte reads as True in NumPy and PyTorch.
  if (array.dtype == DType::Bool)
    for (uint8_t &b : array.bytes)
      b = b != 0;
}

} // namespace

const char *tcc::rt::safetensorsDTypeName(DType dtype) {
  for (const DTypeName &entry : kDTypes)
    if (entry.dtype == dtype)
      return entry.name;
  return "<invalid dtype>";
}

std::optional<DType> tcc::rt::parseSafetensorsDType(std::string_view name) {
  for (const DTypeName &entry : kDTypes)
    if (name == entry.name)
      return entry.dtype;
  return std::nullopt;
}

uint64_t tcc::rt::safetensorsMaxHeaderValues(uint64_t headerLength) {
  uint64_t scaled = 1024 + headerLength / 4;
  return scaled < kSafetensorsMaxHeaderValues ? scaled
                                              : kSafetensorsMaxHeaderValues;
}

const HostArray *SafetensorsFile::find(std::string_view name) const {
  for (const auto &[tensorName, array] : tensors)
    if (tensorName == name)
      return &array;
  return nullptr;
}

StatusOr<SafetensorsFile>
tcc::rt::parseSafetensors(const uint8_t *data, size_t size,
                          const std::string &sourceName) {
  StatusOr<uint64_t> length = checkHeaderLength(data, size);
  if (!length)
    return length.status().withContext(sourceName);
  std::string_view text(reinterpret_cast<const char *>(data + 8), *length);
  const uint8_t *buffer = data + 8 + *length;
  StatusOr<Layout> layout = checkHeader(text, size - 8 - *length);
  if (!layout)
    return layout.status().withContext(sourceName);
  SafetensorsFile file;
  file.metadata = std::move(layout->metadata);
  for (Entry &entry : layout->entries) {
    HostArray array{
        entry.dtype, std::move(entry.shape),
        std::vector<uint8_t>(buffer + entry.begin, buffer + entry.end)};
    normalizeBools(array);
    file.tensors.emplace_back(std::move(entry.name), std::move(array));
  }
  return file;
}

StatusOr<SafetensorsFile> tcc::rt::readSafetensors(const std::string &path) {
  StatusOr<io::InputFile> input = io::InputFile::open(path);
  if (!input)
    return input.status();
  uint64_t fileSize = input->size();
  uint8_t start[8] = {};
  if (Status s = input->readAt(0, start, fileSize < 8 ? fileSize : 8); !s)
    return s.withContext(path);
  StatusOr<uint64_t> length = checkHeaderLength(start, fileSize);
  if (!length)
    return length.status().withContext(path);
  // Bounded by kSafetensorsMaxHeaderLength and the file size.
  std::string text(*length, '\0');
  if (Status s = input->readAt(8, text.data(), text.size()); !s)
    return s.withContext(path);
  uint64_t dataStart = 8 + *length;
  StatusOr<Layout> layout = checkHeader(text, fileSize - dataStart);
  if (!layout)
    return layout.status().withContext(path);
  SafetensorsFile file;
  file.metadata = std::move(layout->metadata);
  for (Entry &entry : layout->entries) {
    // The tensors tile the data, which lies within the file.
    HostArray array{entry.dtype, std::move(entry.shape),
                    std::vector<uint8_t>(entry.end - entry.begin)};
    if (Status s = input->readAt(dataStart + entry.begin, array.bytes.data(),
                                 array.bytes.size());
        !s)
      return s.withContext(path);
    normalizeBools(array);
    file.tensors.emplace_back(std::move(entry.name), std::move(array));
  }
  return file;
}
