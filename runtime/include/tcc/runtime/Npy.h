//===- Npy.h - NumPy .npy reader and writer ---------------------*- C++ -*-===//
//
// .npy is how tcc exchanges inputs, weights and reference outputs with NumPy
// and PyTorch. Files come from users and the network, so the reader treats
// every byte as hostile: sizes are checked before anything is allocated and
// each error names the file, what is wrong and the numbers involved.
//
// Format reference: numpy/lib/format.py ("NEP 1").
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_NPY_H
#define TCC_RUNTIME_NPY_H

#include "tcc/runtime/HostArray.h"
#include "tcc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tcc::rt {

/// Largest header the reader accepts; numpy's own headers are under 200
/// bytes, so anything bigger is corrupt or an attempt to exhaust memory.
constexpr size_t kNpyMaxHeaderLength = size_t(1) << 20;

/// Largest rank the reader and writer accept (NumPy 2's NPY_MAXDIMS).
constexpr size_t kNpyMaxRank = 64;

/// Parses a complete .npy file held in memory. Accepts format versions 1.0,
/// 2.0 and 3.0 and the dtypes f8, f4, f2, i8, i4, i1, u1 and b1 in
/// little-endian or native order; Fortran-order data is converted to C order
/// and Bool elements are normalized to 0/1. Error messages start with
/// `sourceName`.
StatusOr<HostArray> parseNpy(const uint8_t *data, size_t size,
                             const std::string &sourceName);

/// Reads and parses the .npy file at `path`, reading the data straight into
/// the result (no second copy of the file in memory).
StatusOr<HostArray> readNpy(const std::string &path);

/// Ok when `array` can be written as .npy: its dtype has a NumPy equivalent
/// (BF16 does not), its shape is valid with rank <= kNpyMaxRank and its
/// byte count matches the shape.
Status checkNpyWritable(const HostArray &array);

/// The complete .npy file for `array`, byte-identical to numpy.save (format
/// 1.0, data aligned to 64 bytes), or checkNpyWritable's error when the
/// array cannot be written (the caller prefixes the destination's name).
StatusOr<std::vector<uint8_t>> serializeNpy(const HostArray &array);

/// Writes `array` to `path` via a temporary file `path + ".tmp.<pid>.<n>"`
/// that is renamed into place, so a failure (bad array, cannot open, disk
/// full) never leaves a torn file at `path`. Errors name `path` and the OS
/// reason.
Status writeNpy(const std::string &path, const HostArray &array);

} // namespace tcc::rt

#endif // TCC_RUNTIME_NPY_H
