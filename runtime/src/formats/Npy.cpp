//===- Npy.cpp - NumPy .npy reader and writer -----------------------------===//
//
// Reading runs in four checked steps shared by parseNpy and readNpy:
// preamble (magic, version, header length), header dict, data size, and
// finalization (Fortran to C order, Bool normalization). readNpy pulls each
// piece from the file only after the previous step has bounded it.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Npy.h"

#include "NpyHeader.h"

#include <cstring>
#include <string_view>

using namespace tcc::rt;
using namespace tcc::rt::npy;

namespace {

/// Returns the exact data size in bytes, or an error if `available` bytes
/// after the header are not exactly what the header declares.
StatusOr<size_t> checkDataSize(const NpyHeader &header, uint64_t available) {
  uint64_t itemSize = dtypeSize(header.dtype);
  uint64_t count = static_cast<uint64_t>(header.numElements);
  std::string declared =
      std::to_string(count) + " elements of " + dtypeName(header.dtype) + " (";
  // count <= 2^62 and itemSize <= 8, so the product may not fit in 64 bits.
  declared += count <= UINT64_MAX / itemSize
                  ? std::to_string(count * itemSize) + " bytes)"
                  : "more than 2^64 bytes)";
  if (count > available / itemSize)
    return Status::error("truncated: header declares " + declared + " but " +
                         std::to_string(available) + " bytes of data follow");
  if (available != count * itemSize)
    return Status::error(std::to_string(available - count * itemSize) +
                         " unexpected trailing bytes: header declares " +
                         declared + " but " + std::to_string(available) +
                         " bytes of data follow");
  return static_cast<size_t>(count * itemSize);
}

/// Reorders Fortran-order (first index fastest) elements into C order.
std::vector<uint8_t> fortranToC(const std::vector<uint8_t> &src,
                                const std::vector<int64_t> &shape,
                                size_t itemSize) {
  size_t rank = shape.size();
  std::vector<uint8_t> dst(src.size());
  std::vector<int64_t> cStride(rank, 1), index(rank, 0);
  for (size_t k = rank - 1; k-- > 0;)
    cStride[k] = cStride[k + 1] * shape[k + 1];
  size_t count = src.size() / itemSize;
  int64_t dstIndex = 0;
  for (size_t i = 0; i < count; ++i) {
    std::memcpy(&dst[size_t(dstIndex) * itemSize], &src[i * itemSize],
                itemSize);
    for (size_t k = 0; k < rank; ++k) {
      if (++index[k] < shape[k]) {
        dstIndex += cStride[k];
        break;
      }
      dstIndex -= cStride[k] * (shape[k] - 1);
      index[k] = 0;
    }
  }
  return dst;
}

HostArray finalize(NpyHeader header, std::vector<uint8_t> data) {
  // Any nonzero byte reads as True in NumPy; consumers may assume 0/1.
  if (header.dtype == DType::Bool)
    for (uint8_t &b : data)
      b = b != 0;
  if (header.fortranOrder && header.shape.size() > 1 && !data.empty())
    data = fortranToC(data, header.shape, dtypeSize(header.dtype));
  return HostArray{header.dtype, std::move(header.shape), std::move(data)};
}

} // namespace

StatusOr<HostArray> tcc::rt::parseNpy(const uint8_t *data, size_t size,
                                      const std::string &sourceName) {
  StatusOr<Preamble> preamble = parsePreamble(data, size, size);
  if (!preamble)
    return preamble.status().withContext(sourceName);
  std::string_view text(
      reinterpret_cast<const char *>(data + preamble->headerStart),
      preamble->headerLength);
  StatusOr<NpyHeader> header = parseNpyHeader(text);
  if (!header)
    return header.status().withContext(sourceName);
  size_t dataStart = preamble->headerStart + preamble->headerLength;
  StatusOr<size_t> dataSize = checkDataSize(*header, size - dataStart);
  if (!dataSize)
    return dataSize.status().withContext(sourceName);
  std::vector<uint8_t> bytes(data + dataStart, data + dataStart + *dataSize);
  return finalize(std::move(*header), std::move(bytes));
}

namespace {

const char *npyDescr(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return "<f8";
  case DType::F32:
    return "<f4";
  case DType::F16:
    return "<f2";
  case DType::I64:
    return "<i8";
  case DType::I32:
    return "<i4";
  case DType::I8:
    return "|i1";
  case DType::U8:
    return "|u1";
  case DType::Bool:
    return "|b1";
  case DType::BF16:
    break;
  }
  return nullptr;
}

/// Everything before the data, byte-identical to numpy.lib.format.
std::string npyPrefix(const HostArray &array) {
  std::string dict =
      std::string("{'descr': '") + npyDescr(array.dtype) +
      "', 'fortran_order': False, 'shape': " + formatShape(array.shape) + ", }";
  // numpy leaves room to grow the first axis in place (np.lib.format
  // GROWTH_AXIS_MAX_DIGITS); matching it keeps our files identical.
  if (!array.shape.empty())
    dict.append(21 - std::to_string(array.shape[0]).size(), ' ');
  // Like numpy, version 2.0 only when the u16 length of 1.0 cannot hold the
  // header (padding is 1..64 bytes: a full block when already aligned).
  size_t lengthBytes = 2;
  size_t padding = 64 - (8 + lengthBytes + dict.size() + 1) % 64;
  if (dict.size() + padding + 1 > 0xffff) {
    lengthBytes = 4;
    padding = 64 - (8 + lengthBytes + dict.size() + 1) % 64;
  }
  size_t headerLength = dict.size() + padding + 1;
  std::string prefix(kMagic, kMagicLength);
  prefix += static_cast<char>(lengthBytes == 2 ? 1 : 2);
  prefix += '\0';
  for (size_t i = 0; i < lengthBytes; ++i)
    prefix += static_cast<char>((headerLength >> (8 * i)) & 0xff);
  prefix += dict;
  prefix.append(padding, ' ');
  prefix += '\n';
  return prefix;
}

} // namespace

StatusOr<HostArray> tcc::rt::readNpy(const std::string &path) {
  StatusOr<io::InputFile> file = io::InputFile::open(path);
  if (!file)
    return file.status();
  uint64_t fileSize = file->size();

  uint8_t start[12];
  size_t startSize =
      fileSize < sizeof(start) ? size_t(fileSize) : sizeof(start);
  if (Status s = file->readAt(0, start, startSize); !s)
    return s.withContext(path);
  StatusOr<Preamble> preamble = parsePreamble(start, startSize, fileSize);
  if (!preamble)
    return preamble.status().withContext(path);

  // Bounded by kNpyMaxHeaderLength and the file size in parsePreamble.
  std::string text(preamble->headerLength, '\0');
  if (Status s = file->readAt(preamble->headerStart, text.data(), text.size());
      !s)
    return s.withContext(path);
  StatusOr<NpyHeader> header = parseNpyHeader(text);
  if (!header)
    return header.status().withContext(path);

  uint64_t dataStart = preamble->headerStart + preamble->headerLength;
  StatusOr<size_t> dataSize = checkDataSize(*header, fileSize - dataStart);
  if (!dataSize)
    return dataSize.status().withContext(path);
  // Bounded by the file size in checkDataSize.
  std::vector<uint8_t> bytes(*dataSize);
  if (Status s = file->readAt(dataStart, bytes.data(), bytes.size()); !s)
    return s.withContext(path);
  return finalize(std::move(*header), std::move(bytes));
}

Status tcc::rt::checkNpyWritable(const HostArray &array) {
  if (array.dtype == DType::BF16)
    return Status::error("bf16 has no NumPy dtype; convert the array to f32 "
                         "(bf16ToFloat) before writing .npy");
  if (!npyDescr(array.dtype))
    return Status::error("invalid dtype " +
                         std::to_string(unsigned(array.dtype)));
  if (array.shape.size() > kNpyMaxRank)
    return Status::error("rank " + std::to_string(array.shape.size()) +
                         " exceeds the .npy limit of " +
                         std::to_string(kNpyMaxRank));
  return checkHostArray(array, formatShape(array.shape));
}

StatusOr<std::vector<uint8_t>> tcc::rt::serializeNpy(const HostArray &array) {
  if (Status s = checkNpyWritable(array); !s)
    return s;
  std::string prefix = npyPrefix(array);
  std::vector<uint8_t> out;
  out.reserve(prefix.size() + array.bytes.size());
  out.insert(out.end(), prefix.begin(), prefix.end());
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  return out;
}

Status tcc::rt::writeNpy(const std::string &path, const HostArray &array) {
  if (Status s = checkNpyWritable(array); !s)
    return s.withContext(path);
  std::string prefix = npyPrefix(array);
  return io::writeFileAtomically(path,
                                 {{prefix.data(), prefix.size()},
                                  {array.bytes.data(), array.bytes.size()}});
}
