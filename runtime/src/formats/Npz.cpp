//===- Npz.cpp - NumPy .npz reader ----------------------------------------===//

#include "tcc/runtime/Npz.h"

#include "FileIO.h"

#include "tcc/runtime/Npy.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace tcc::rt {

namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfCentralDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
/// The end record is 22 bytes plus a comment of up to 65535.
constexpr uint64_t kMaxEndSearch = 22 + 65535;

uint16_t u16(const uint8_t *p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t u32(const uint8_t *p) { return uint32_t(u16(p)) | uint32_t(u16(p + 2)) << 16; }
uint64_t u64(const uint8_t *p) { return uint64_t(u32(p)) | uint64_t(u32(p + 4)) << 32; }

} // namespace

StatusOr<NamedArrays> readNpz(const std::string &path) {
  StatusOr<io::InputFile> opened = io::InputFile::open(path);
  if (!opened)
    return opened.status();
  const io::InputFile &file = *opened;
  auto fail = [&](const std::string &why) {
    return Status::error(path + ": " + why);
  };
  auto read = [&](uint64_t offset, uint64_t size,
                  std::vector<uint8_t> &out) -> Status {
    if (offset > file.size() || size > file.size() - offset)
      return fail("not a valid .npz (a zip record at byte " +
                  std::to_string(offset) + " runs past the end of the " +
                  std::to_string(file.size()) + "-byte file)");
    out.resize(size);
    Status status = file.readAt(offset, out.data(), size);
    return status.isOk() ? status : fail(status.message());
  };

  // The end of central directory record, searched from the end.
  uint64_t tailSize = std::min<uint64_t>(file.size(), kMaxEndSearch);
  std::vector<uint8_t> tail;
  if (Status s = read(file.size() - tailSize, tailSize, tail); !s.isOk())
    return s;
  int64_t end = -1;
  for (int64_t i = int64_t(tailSize) - 22; i >= 0; --i)
    if (u32(&tail[i]) == kEndOfCentralDirectory) {
      end = i;
      break;
    }
  if (end < 0)
    return fail("not a .npz file (no zip end-of-central-directory record)");
  uint64_t endOffset = file.size() - tailSize + end;
  uint64_t entries = u16(&tail[end + 10]);
  uint64_t directorySize = u32(&tail[end + 12]);
  uint64_t directoryOffset = u32(&tail[end + 16]);
  if (entries == 0xFFFF || directorySize == 0xFFFFFFFF ||
      directoryOffset == 0xFFFFFFFF) {
    // ZIP64: a locator just before the end record points at the real one.
    std::vector<uint8_t> locator, record;
    if (endOffset < 20)
      return fail("not a valid .npz (ZIP64 fields without a locator)");
    if (Status s = read(endOffset - 20, 20, locator); !s.isOk())
      return s;
    if (u32(locator.data()) != kZip64Locator)
      return fail("not a valid .npz (ZIP64 fields without a locator)");
    if (Status s = read(u64(&locator[8]), 56, record); !s.isOk())
      return s;
    if (u32(record.data()) != kZip64EndOfCentralDirectory)
      return fail("not a valid .npz (bad ZIP64 end record)");
    entries = u64(&record[32]);
    directorySize = u64(&record[40]);
    directoryOffset = u64(&record[48]);
  }
  std::vector<uint8_t> directory;
  if (Status s = read(directoryOffset, directorySize, directory); !s.isOk())
    return s;

  NamedArrays arrays;
  std::set<std::string> names;
  uint64_t at = 0;
  for (uint64_t e = 0; e < entries; ++e) {
    if (at + 46 > directory.size() || u32(&directory[at]) != kCentralHeader)
      return fail("not a valid .npz (central directory entry " +
                  std::to_string(e) + " is malformed)");
    const uint8_t *h = &directory[at];
    uint16_t method = u16(h + 10);
    uint64_t compressed = u32(h + 20), size = u32(h + 24);
    uint16_t nameLength = u16(h + 28), extraLength = u16(h + 30),
             commentLength = u16(h + 32);
    uint64_t localOffset = u32(h + 42);
    if (at + 46 + nameLength + extraLength + commentLength > directory.size())
      return fail("not a valid .npz (central directory entry " +
                  std::to_string(e) + " runs past the directory)");
    std::string member(reinterpret_cast<const char *>(h + 46), nameLength);
    // ZIP64 extra field: the 8-byte values of the fields saturated above.
    for (uint64_t x = 0; x + 4 <= extraLength;) {
      const uint8_t *field = h + 46 + nameLength + x;
      uint16_t id = u16(field), length = u16(field + 2);
      if (x + 4 + length > extraLength)
        break;
      if (id == 0x0001) {
        const uint8_t *value = field + 4, *limit = field + 4 + length;
        for (uint64_t *target : {&size, &compressed, &localOffset})
          if (*target == 0xFFFFFFFF && value + 8 <= limit) {
            *target = u64(value);
            value += 8;
          }
      }
      x += 4 + length;
    }
    at += 46 + nameLength + extraLength + commentLength;

    std::string what = "member '" + member + "'";
    if (member.size() < 5 || member.compare(member.size() - 4, 4, ".npy") != 0)
      return fail(what + " is not a .npy file");
    if (method != 0)
      return fail(what + " is compressed (zip method " +
                  std::to_string(method) +
                  "); tcc reads np.savez archives, not np.savez_compressed");
    if (compressed != size)
      return fail(what + " has a stored size " + std::to_string(compressed) +
                  " different from its size " + std::to_string(size));
    std::vector<uint8_t> local;
    if (Status s = read(localOffset, 30, local); !s.isOk())
      return s;
    if (u32(local.data()) != kLocalHeader)
      return fail(what + " has no local header at byte " +
                  std::to_string(localOffset));
    uint64_t dataOffset = localOffset + 30 + u16(&local[26]) + u16(&local[28]);
    std::vector<uint8_t> data;
    if (Status s = read(dataOffset, size, data); !s.isOk())
      return s;
    StatusOr<HostArray> array =
        parseNpy(data.data(), data.size(), path + " (" + what + ")");
    if (!array)
      return array.status();
    std::string name = member.substr(0, member.size() - 4);
    if (!names.insert(name).second)
      return fail("holds '" + name + "' twice");
    arrays.emplace_back(name, std::move(*array));
  }
  return arrays;
}

} // namespace tcc::rt
