//===- SafetensorsWriter.cpp - safetensors writer and weight checks -------===//
//
// The writer follows the reference implementation's layout (compact JSON,
// header padded with spaces to a multiple of 8 bytes, tensors back to back)
// but keeps the caller's tensor order. checkTensorsMatch is the one place
// that compares loaded weights with what a model expects, so that every
// tool reports a mismatch the same way.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Safetensors.h"

#include "FileIO.h"
#include "tcc/runtime/Json.h"

#include <set>

using namespace tcc::rt;

namespace {

std::string quote(std::string_view name) { return io::quoteSnippet(name, 200); }

/// "[2, 3]" for messages; "[2,3]" (compact JSON) with separator ",".
std::string formatShape(const std::vector<int64_t> &shape,
                        const char *separator = ", ") {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? separator : "") + std::to_string(shape[i]);
  return text + "]";
}

Status checkArray(const HostArray &array) {
  return checkHostArray(array, formatShape(array.shape));
}

/// The 8-byte length and the padded header JSON.
std::string headerFor(const NamedArrays &tensors,
                      const std::map<std::string, std::string> &metadata) {
  // The length goes in front once known; building in place, with room
  // reserved for all but escapes and long numbers, saves copies of what may
  // be a 100 MB header.
  size_t estimate = 16 + (metadata.empty() ? 0 : 18);
  for (const auto &[key, value] : metadata)
    estimate += key.size() + value.size() + 6;
  for (const auto &[name, array] : tensors)
    estimate += name.size() + 50 + 2 * array.shape.size();
  std::string header(8, '\0');
  header.reserve(estimate);
  header += '{';
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto &[key, value] : metadata) {
      header += first ? "" : ",";
      first = false;
      appendJsonString(header, key);
      header += ':';
      appendJsonString(header, value);
    }
    header += '}';
  }
  uint64_t offset = 0;
  for (const auto &[name, array] : tensors) {
    header += header.size() > 9 ? "," : "";
    appendJsonString(header, name);
    header += ":{\"dtype\":\"";
    header += safetensorsDTypeName(array.dtype);
    header += "\",\"shape\":";
    header += formatShape(array.shape, ",");
    header += ",\"data_offsets\":[" + std::to_string(offset) + ",";
    offset += array.bytes.size();
    header += std::to_string(offset) + "]}";
  }
  header += '}';
  // The reference writer pads so that the data starts 8-byte aligned.
  header.append((8 - header.size() % 8) % 8, ' ');
  uint64_t length = header.size() - 8;
  for (size_t i = 0; i < 8; ++i)
    header[i] = char((length >> (8 * i)) & 0xff);
  return header;
}

/// The names, arrays and metadata checks of checkSafetensorsWritable.
Status checkEntries(const NamedArrays &tensors,
                    const std::map<std::string, std::string> &metadata) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto &[name, array] = tensors[i];
    if (name.empty())
      return Status::error("tensor " + std::to_string(i) +
                           " has an empty name");
    if (name == "__metadata__")
      return Status::error("tensor name \"__metadata__\" is reserved for the "
                           "file's metadata");
    if (!isValidUtf8(name))
      return Status::error("tensor name " + quote(name) +
                           " is not valid UTF-8");
    if (!names.insert(name).second)
      return Status::error("tensor name " + quote(name) + " occurs twice");
    if (Status s = checkArray(array); !s)
      return s.withContext("tensor " + quote(name));
  }
  for (const auto &[key, value] : metadata)
    if (!isValidUtf8(key) || !isValidUtf8(value))
      return Status::error("metadata entry " + quote(key) +
                           " is not valid UTF-8");
  return Status::ok();
}

/// The header (8-byte length and padded JSON) after checking everything,
/// including that the reader's limits on the header admit it: a file we
/// write must be one we can read.
StatusOr<std::string>
checkedHeader(const NamedArrays &tensors,
              const std::map<std::string, std::string> &metadata) {
  if (Status s = checkEntries(tensors, metadata); !s)
    return s;
  std::string header = headerFor(tensors, metadata);
  uint64_t length = header.size() - 8;
  const char *advice = metadata.empty()
                           ? "; split the tensors across several files"
                           : "; split the tensors across several files or "
                             "shorten the metadata";
  if (length > kSafetensorsMaxHeaderLength)
    return Status::error(
        "the header would take " + std::to_string(length) +
        " bytes, over the limit of " +
        std::to_string(kSafetensorsMaxHeaderLength) +
        " bytes that readers (tcc's and the reference's) accept" + advice);
  // As the reader counts them: the top object, the metadata object and its
  // strings, and per tensor its object, dtype, shape (one value and one per
  // dimension) and data_offsets (an array of two numbers).
  uint64_t values = 1 + (metadata.empty() ? 0 : 1 + metadata.size());
  for (const auto &named : tensors)
    values += 6 + named.second.shape.size();
  uint64_t maxValues = safetensorsMaxHeaderValues(length);
  if (values > maxValues)
    return Status::error(
        "the header would hold " + std::to_string(values) +
        " JSON values, more than the " + std::to_string(maxValues) +
        " that tcc reads in a header of " + std::to_string(length) +
        " bytes (1024 + 1 per 4 bytes, at most " +
        std::to_string(kSafetensorsMaxHeaderValues) + ")" + advice);
  return header;
}

} // namespace

Status tcc::rt::checkSafetensorsWritable(
    const NamedArrays &tensors,
    const std::map<std::string, std::string> &metadata) {
  StatusOr<std::string> header = checkedHeader(tensors, metadata);
  return header ? Status::ok() : header.status();
}

StatusOr<std::vector<uint8_t>> tcc::rt::serializeSafetensors(
    const NamedArrays &tensors,
    const std::map<std::string, std::string> &metadata) {
  StatusOr<std::string> header = checkedHeader(tensors, metadata);
  if (!header)
    return header.status();
  uint64_t size = header->size();
  for (const auto &named : tensors)
    size += named.second.bytes.size();
  std::vector<uint8_t> out;
  out.reserve(size);
  out.insert(out.end(), header->begin(), header->end());
  for (const auto &named : tensors)
    out.insert(out.end(), named.second.bytes.begin(), named.second.bytes.end());
  return out;
}

Status
tcc::rt::writeSafetensors(const std::string &path, const NamedArrays &tensors,
                          const std::map<std::string, std::string> &metadata) {
  StatusOr<std::string> header = checkedHeader(tensors, metadata);
  if (!header)
    return header.status().withContext(path);
  std::vector<io::WriteChunk> chunks = {{header->data(), header->size()}};
  for (const auto &named : tensors)
    chunks.push_back({named.second.bytes.data(), named.second.bytes.size()});
  return io::writeFileAtomically(path, chunks);
}

namespace {

std::string describeType(DType dtype, const std::vector<int64_t> &shape) {
  return std::string(dtypeName(dtype)) + " " + formatShape(shape);
}

/// The dotted suffixes of `name`: "fc.w" and "w" for "model.fc.w".
std::vector<std::string_view> dottedSuffixes(std::string_view name) {
  std::vector<std::string_view> result;
  for (size_t dot = name.find('.'); dot != std::string_view::npos;
       dot = name.find('.', dot + 1))
    result.push_back(name.substr(dot + 1));
  return result;
}

/// Finds names among `others` that differ from each name in `names` only by
/// a dotted prefix on either side, as when a checkpoint was saved from a
/// wrapper module ("model.fc.weight" for "fc.weight").
std::map<std::string_view, std::string_view>
prefixRelatives(const std::vector<std::string_view> &names,
                const std::vector<std::string_view> &others) {
  std::map<std::string_view, std::string_view> bySuffix, byName;
  for (std::string_view other : others) {
    byName.emplace(other, other);
    for (std::string_view suffix : dottedSuffixes(other))
      bySuffix.emplace(suffix, other);
  }
  std::map<std::string_view, std::string_view> result;
  for (std::string_view name : names) {
    if (auto it = bySuffix.find(name); it != bySuffix.end()) {
      result.emplace(name, it->second);
      continue;
    }
    for (std::string_view suffix : dottedSuffixes(name)) {
      if (auto it = byName.find(suffix); it != byName.end()) {
        result.emplace(name, it->second);
        break;
      }
    }
  }
  return result;
}

} // namespace

Status
tcc::rt::checkTensorsMatch(const std::map<std::string, TensorType> &expected,
                           const NamedArrays &actual,
                           const std::string &sourceName) {
  std::map<std::string_view, std::vector<const HostArray *>> found;
  for (const auto &[name, array] : actual)
    found[name].push_back(&array);
  std::vector<std::string_view> missing, unexpected;
  for (const auto &entry : expected)
    if (!found.count(entry.first))
      missing.push_back(entry.first);
  for (const auto &entry : found)
    if (!expected.count(std::string(entry.first)))
      unexpected.push_back(entry.first);
  auto missingRelatives = prefixRelatives(missing, unexpected);
  auto unexpectedRelatives = prefixRelatives(unexpected, missing);

  std::string lines;
  size_t wrong = 0, duplicated = 0;
  for (std::string_view name : missing) {
    const TensorType &type = expected.at(std::string(name));
    lines += "\n  missing " + quote(name) + ": the model expects " +
             describeType(type.dtype, type.shape);
    if (auto it = missingRelatives.find(name); it != missingRelatives.end())
      lines += " (the file has " + quote(it->second) + ")";
  }
  for (const auto &[name, type] : expected) {
    auto it = found.find(name);
    if (it == found.end())
      continue;
    const HostArray &array = *it->second.front();
    if (array.dtype == type.dtype && array.shape == type.shape)
      continue;
    ++wrong;
    lines += "\n  " + quote(name) + " is " +
             describeType(array.dtype, array.shape) +
             " but the model expects " + describeType(type.dtype, type.shape);
  }
  for (std::string_view name : unexpected) {
    const HostArray &array = *found[name].front();
    lines += "\n  unexpected " + quote(name) + " (" +
             describeType(array.dtype, array.shape) +
             "): the model has no such tensor";
    if (auto it = unexpectedRelatives.find(name);
        it != unexpectedRelatives.end())
      lines += " (it expects " + quote(it->second) + ")";
  }
  for (const auto &[name, arrays] : found) {
    if (arrays.size() < 2)
      continue;
    ++duplicated;
    lines += "\n  " + quote(name) + " occurs " + std::to_string(arrays.size()) +
             " times";
  }
  if (lines.empty())
    return Status::ok();

  std::string counts;
  auto count = [&](size_t n, const char *what) {
    if (n)
      counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  count(missing.size(), "missing");
  count(wrong, "wrong dtype or shape");
  count(unexpected.size(), "unexpected");
  count(duplicated, "duplicated");
  return Status::error(sourceName + ": the tensors do not match the model (" +
                       counts + "):" + lines);
}
