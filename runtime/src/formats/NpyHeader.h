//===- NpyHeader.h - .npy preamble and header parsing -----------*- C++ -*-===//
//
// Internal to TCCRuntimeFormats: split from Npy.cpp so that the code that
// parses untrusted text can be read (and fuzzed) on its own.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_FORMATS_NPYHEADER_H
#define TCC_RUNTIME_FORMATS_NPYHEADER_H

#include "FileIO.h"
#include "tcc/runtime/Npy.h"

#include <string_view>

namespace tcc::rt::npy {

inline constexpr char kMagic[] = "\x93NUMPY";
inline constexpr size_t kMagicLength = 6;

/// Where the header dict lies in the file.
struct Preamble {
  size_t headerStart;
  size_t headerLength;
};

/// The validated header dict.
struct NpyHeader {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  bool fortranOrder = false;
  /// checkedNumElements(shape), already known to be valid.
  int64_t numElements = 0;
};

/// NumPy's spelling of a shape tuple: "()", "(5,)", "(2, 3)".
std::string formatShape(const std::vector<int64_t> &shape);

using io::quoteSnippet;

/// Checks magic, version and header length. `data` holds the first
/// `available` bytes (at most 12 are needed) of a file of `fileSize` bytes;
/// on success the header lies within the file and is at most
/// kNpyMaxHeaderLength bytes.
StatusOr<Preamble> parsePreamble(const uint8_t *data, size_t available,
                                 uint64_t fileSize);

/// Parses the header dict, e.g.
/// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
StatusOr<NpyHeader> parseNpyHeader(std::string_view text);

} // namespace tcc::rt::npy

#endif // TCC_RUNTIME_FORMATS_NPYHEADER_H
