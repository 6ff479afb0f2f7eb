//===- Safetensors.h - Hugging Face safetensors reader and writer -*- C++ -*-=//
//
// safetensors is how tcc reads model weights: a u64 little-endian header
// length N, N bytes of JSON naming each tensor's dtype, shape and byte range,
// then the tensors' bytes. Files come from users and the network, so the
// reader checks every number before trusting it, and each error names the
// file, the tensor and the numbers involved.
//
// Format reference: https://github.com/huggingface/safetensors (README,
// "Format"); docs/safetensors.md says what tcc accepts beyond it.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SAFETENSORS_H
#define TCC_RUNTIME_SAFETENSORS_H

#include "tcc/runtime/HostArray.h"
#include "tcc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcc::rt {

/// Largest header the reader accepts: the reference implementation's
/// MAX_HEADER_SIZE (100,000,000 bytes), so tcc never rejects a file the
/// reference reads for its header size.
constexpr uint64_t kSafetensorsMaxHeaderLength = 100000000;

/// Most JSON values the reader parses in any header; see
/// safetensorsMaxHeaderValues.
constexpr uint64_t kSafetensorsMaxHeaderValues = uint64_t(1) << 20;

/// Most JSON values (objects, arrays, strings and numbers; keys not counted)
/// the reader parses in a header of `headerLength` bytes, and the writer
/// puts in one: 1024 + headerLength / 4, at most kSafetensorsMaxHeaderValues.
/// A parsed value takes about 100 bytes, so this bounds the memory a header
/// costs to about 25 times its length and some 150 MB in all, where the
/// JSON reader's general limit let an 11 MB header of "[[],[],...]" take
/// some 380 MB.
/// Real headers stay far below it: a tensor is 6 values plus one per
/// dimension, in 50 bytes or more (about 12 bytes a value with typical
/// names), so only some 150,000 tensors in one file, or a header of mostly
/// very high-rank shapes, reach it.
uint64_t safetensorsMaxHeaderValues(uint64_t headerLength);

/// The file's name of `dtype`: "F64", "F32", "F16", "BF16", "I64", "I32",
/// "I8", "U8" or "BOOL".
const char *safetensorsDTypeName(DType dtype);

/// Inverse of safetensorsDTypeName(); nullopt for other names, including
/// the reference's dtypes that tcc lacks (I16, U16, U32, U64, F8_*, ...).
std::optional<DType> parseSafetensorsDType(std::string_view name);

/// Named tensors in a list, as written and read.
using NamedArrays = std::vector<std::pair<std::string, HostArray>>;

/// A parsed safetensors file.
struct SafetensorsFile {
  /// In the order their data lies in the file (ties between empty tensors
  /// broken by header order). That is the order writeSafetensors was given,
  /// so a write-read round trip keeps it.
  NamedArrays tensors;
  /// The "__metadata__" object (string keys and values), if any.
  std::map<std::string, std::string> metadata;

  /// The tensor called `name`, or nullptr. Linear in the tensor count.
  const HostArray *find(std::string_view name) const;
};

/// Parses a complete safetensors file held in memory. Accepts the dtypes
/// F64, F32, F16, BF16, I64, I32, I8, U8 and BOOL; Bool elements are
/// normalized to 0/1. Error messages start with `sourceName`.
StatusOr<SafetensorsFile> parseSafetensors(const uint8_t *data, size_t size,
                                           const std::string &sourceName);

/// Reads and parses the safetensors file at `path`, reading each tensor
/// straight into its HostArray once the header has been validated against
/// the file size.
StatusOr<SafetensorsFile> readSafetensors(const std::string &path);

/// Ok when the tensors and metadata can be written: names non-empty, unique,
/// valid UTF-8 and not "__metadata__"; every array well-formed (valid shape,
/// byte count matching it); metadata keys and values valid UTF-8; and a
/// header that readers accept: at most kSafetensorsMaxHeaderLength bytes and
/// safetensorsMaxHeaderValues values.
Status checkSafetensorsWritable(
    const NamedArrays &tensors,
    const std::map<std::string, std::string> &metadata = {});

/// The complete file: tensors laid out in the order given, the header JSON
/// compact and padded with spaces to a multiple of 8 bytes like the
/// reference writer's, "__metadata__" first and only when non-empty; or
/// checkSafetensorsWritable's error (the caller prefixes the destination's
/// name).
StatusOr<std::vector<uint8_t>>
serializeSafetensors(const NamedArrays &tensors,
                     const std::map<std::string, std::string> &metadata = {});

/// Writes the file to `path` through a temporary file renamed into place,
/// so that a failure never leaves a torn file. Errors start with `path`.
Status
writeSafetensors(const std::string &path, const NamedArrays &tensors,
                 const std::map<std::string, std::string> &metadata = {});

/// The dtype and shape a consumer expects of a named tensor.
struct TensorType {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
};

/// Ok when `actual` holds exactly the tensors in `expected`, each with the
/// expected dtype and shape. Otherwise one error that lists every problem,
/// one per line after a summary line: missing tensors, tensors with the
/// wrong dtype or shape, tensors the consumer does not know, and names that
/// occur twice. A missing name that differs from an unknown one only by a
/// dotted prefix ("model.fc.bias" for "fc.bias") is pointed out. The
/// message starts with `sourceName`, e.g.
///
///   w.safetensors: the tensors do not match the model (1 missing, 1 wrong
///   dtype or shape):
///     missing "fc.bias": the model expects f32 [10]
///     "fc.weight" is f32 [10, 784] but the model expects f32 [784, 10]
Status checkTensorsMatch(const std::map<std::string, TensorType> &expected,
                         const NamedArrays &actual,
                         const std::string &sourceName);

} // namespace tcc::rt

#endif // TCC_RUNTIME_SAFETENSORS_H
