//===- Npz.h - NumPy .npz reader ----------------------------------*- C++ -*-===//
//
// .npz is how a training run's data arrives (np.savez("data.npz", x=...,
// labels=...)): a zip archive of .npy files. The reader accepts what
// np.savez writes: stored (uncompressed) members, with or without ZIP64
// records; members compressed by np.savez_compressed are refused with a
// message saying so. Every offset and size is checked against the file
// before use, and errors name the file and the member.
//
// Format reference: PKWARE APPNOTE.TXT 6.3 (sections 4.3 and 4.5.3).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_NPZ_H
#define TCC_RUNTIME_NPZ_H

#include "tcc/runtime/Safetensors.h"
#include "tcc/runtime/Status.h"

#include <string>

namespace tcc::rt {

/// Reads every member "NAME.npy" of the archive at `path` as the array
/// NAME, in the archive's order.
StatusOr<NamedArrays> readNpz(const std::string &path);

} // namespace tcc::rt

#endif // TCC_RUNTIME_NPZ_H
