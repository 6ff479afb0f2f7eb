//===- ShardedCheckpoint.cpp - checkpoints as per-rank shards -------------===//

#include "ShardedCheckpoint.h"

#include "Shards.h"

#include "../formats/FileIO.h"

#include "tcc/runtime/Json.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

using namespace tcc::rt;

namespace {

constexpr const char *kFormat = "tcc sharded checkpoint";
constexpr const char *kManifest = "manifest.json";

std::string rankFile(int64_t rank) {
  return "rank-" + std::to_string(rank) + ".safetensors";
}

std::string join(const std::string &dir, const std::string &file) {
  return dir.empty() || dir.back() == '/' ? dir + file : dir + "/" + file;
}

int64_t volume(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

/// Where device `rank`'s block of `spec` starts in the global tensor.
std::vector<int64_t> blockStart(const TensorSpec &spec, const MeshSpec &mesh,
                                int64_t rank) {
  std::vector<int64_t> start(spec.shape.size(), 0);
  for (size_t d = 0; d < spec.shape.size(); ++d)
    start[d] = blockAlong(spec, mesh, rank, d).second * spec.shape[d];
  return start;
}

/// The intersection of boxes (start, shape) a and b; empty shape when none.
bool intersect(const std::vector<int64_t> &aStart,
               const std::vector<int64_t> &aShape,
               const std::vector<int64_t> &bStart,
               const std::vector<int64_t> &bShape, std::vector<int64_t> &start,
               std::vector<int64_t> &shape) {
  start.assign(aStart.size(), 0);
  shape.assign(aStart.size(), 0);
  for (size_t d = 0; d < aStart.size(); ++d) {
    start[d] = std::max(aStart[d], bStart[d]);
    int64_t end = std::min(aStart[d] + aShape[d], bStart[d] + bShape[d]);
    if (end <= start[d])
      return false;
    shape[d] = end - start[d];
  }
  return true;
}

/// Copies the box (start, shape), in global coordinates, from `src` (a
/// block at srcStart) to `dst` (a block at dstStart).
void copyBox(const HostArray &src, const std::vector<int64_t> &srcStart,
             HostArray &dst, const std::vector<int64_t> &dstStart,
             const std::vector<int64_t> &start,
             const std::vector<int64_t> &shape) {
  size_t element = dtypeSize(dst.dtype);
  size_t rank = shape.size();
  if (rank == 0) {
    std::memcpy(dst.bytes.data(), src.bytes.data(), element);
    return;
  }
  std::vector<int64_t> srcStrides = rowMajorStrides(src.shape);
  std::vector<int64_t> dstStrides = rowMajorStrides(dst.shape);
  int64_t rows = volume(shape) / shape[rank - 1];
  std::vector<int64_t> at(rank, 0);
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rest = row, srcOffset = 0, dstOffset = 0;
    for (size_t d = rank; d-- > 0;) {
      int64_t coordinate = start[d];
      if (d + 1 < rank) {
        coordinate += rest % shape[d];
        rest /= shape[d];
      }
      srcOffset += (coordinate - srcStart[d]) * srcStrides[d];
      dstOffset += (coordinate - dstStart[d]) * dstStrides[d];
    }
    std::memcpy(dst.bytes.data() + size_t(dstOffset) * element,
                src.bytes.data() + size_t(srcOffset) * element,
                size_t(shape[rank - 1]) * element);
  }
}

JsonValue ints(const std::vector<int64_t> &values) {
  JsonValue array = JsonValue::array();
  for (int64_t v : values)
    array.append(JsonValue::integer(v));
  return array;
}

/// Every rank learns whether all of them succeeded: the first failure is
/// reported everywhere.
Status agree(Communicator &comm, const Status &mine, const std::string &what) {
  uint8_t ok = mine ? 1 : 0;
  std::vector<uint8_t> all(size_t(comm.size()));
  if (Status s = comm.allGather(&ok, all.data(), 1, DType::U8); !s)
    return s;
  if (!mine)
    return mine;
  for (size_t r = 0; r < all.size(); ++r)
    if (!all[r])
      return Status::error("rank " + std::to_string(r) + " could not " + what);
  return Status::ok();
}

} // namespace

bool tcc::rt::isShardedCheckpoint(const std::string &path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode) &&
         ::stat(join(path, kManifest).c_str(), &info) == 0;
}

Status tcc::rt::writeShardedCheckpoint(
    const std::string &dir, Communicator &comm, const MeshSpec &mesh,
    const std::vector<LocalTensor> &tensors,
    const std::map<std::string, std::string> &metadata) {
  int64_t me = comm.rank(), ranks = comm.size();
  Status made = Status::ok();
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
    made = Status::error(dir +
                         ": cannot create the folder: " + std::strerror(errno));
  // Each distinct block once, by the lowest rank holding it: per tensor,
  // the start of every block that rank writes (one pass over the ranks).
  std::vector<std::map<int64_t, std::vector<int64_t>>> written;
  for (const LocalTensor &t : tensors) {
    std::map<std::vector<int64_t>, int64_t> owners;
    for (int64_t r = 0; r < ranks; ++r)
      owners.try_emplace(blockStart(*t.spec, mesh, r), r);
    std::map<int64_t, std::vector<int64_t>> byRank;
    for (auto &[start, r] : owners)
      byRank.emplace(r, start);
    written.push_back(std::move(byRank));
  }
  NamedArrays mine;
  for (size_t i = 0; i < tensors.size(); ++i)
    if (written[i].count(me))
      mine.emplace_back(tensors[i].spec->name, *tensors[i].block);
  if (made)
    made = writeSafetensors(join(dir, rankFile(me)), mine);
  if (Status s = agree(comm, made, "write its shards into " + dir); !s)
    return s;

  Status manifest = Status::ok();
  if (me == 0) {
    JsonValue root = JsonValue::object();
    root.append("format", JsonValue::string(kFormat));
    root.append("version", JsonValue::integer(1));
    root.append("mesh", JsonValue::string(mesh.describe()));
    JsonValue meta = JsonValue::object();
    for (const auto &[key, value] : metadata)
      meta.append(key, JsonValue::string(value));
    root.append("metadata", std::move(meta));
    JsonValue entries = JsonValue::object();
    for (size_t i = 0; i < tensors.size(); ++i) {
      const TensorSpec &spec = *tensors[i].spec;
      JsonValue entry = JsonValue::object();
      entry.append("dtype", JsonValue::string(dtypeName(spec.dtype)));
      entry.append("shape", ints(userShape(spec, mesh)));
      entry.append("global_shape", ints(globalShape(spec, mesh)));
      JsonValue blocks = JsonValue::array();
      for (const auto &[r, start] : written[i]) {
        JsonValue block = JsonValue::object();
        block.append("file", JsonValue::string(rankFile(r)));
        block.append("start", ints(start));
        block.append("shape", ints(spec.shape));
        blocks.append(std::move(block));
      }
      entry.append("blocks", std::move(blocks));
      entries.append(spec.name, std::move(entry));
    }
    root.append("tensors", std::move(entries));
    std::string text = serializeJson(root) + "\n";
    manifest = io::writeFileAtomically(join(dir, kManifest),
                                       {{text.data(), text.size()}});
  }
  return agree(comm, manifest, "write the manifest of " + dir);
}

StatusOr<std::unique_ptr<ShardedCheckpoint>>
ShardedCheckpoint::open(const std::string &dir) {
  std::string path = join(dir, kManifest);
  StatusOr<io::InputFile> file = io::InputFile::open(path);
  if (!file.isOk())
    return file.status();
  std::string text(size_t(file->size()), '\0');
  if (Status s = file->readAt(0, text.data(), text.size()); !s)
    return s.withContext(path);
  StatusOr<JsonValue> root = parseJson(text);
  if (!root.isOk())
    return root.status().withContext(path);
  auto error = [&](const std::string &what) {
    return Status::error(path + ": " + what);
  };
  const JsonValue *format = root->find("format");
  if (!format || !format->isString() || format->text() != kFormat)
    return error("not a tcc sharded checkpoint (\"format\" must be \"" +
                 std::string(kFormat) + "\")");
  const JsonValue *version = root->find("version");
  if (!version || version->asInt64() != std::optional<int64_t>(1))
    return error("version must be 1");
  auto checkpoint = std::unique_ptr<ShardedCheckpoint>(new ShardedCheckpoint);
  checkpoint->dir_ = dir;
  if (const JsonValue *meta = root->find("metadata"); meta && meta->isObject())
    for (size_t i = 0; i < meta->size(); ++i)
      if ((*meta)[i].isString())
        checkpoint->metadata_[meta->keyAt(i)] = (*meta)[i].text();
  const JsonValue *tensors = root->find("tensors");
  if (!tensors || !tensors->isObject())
    return error("\"tensors\" must be an object");
  auto intList = [](const JsonValue *v, std::vector<int64_t> &out) -> bool {
    if (!v || !v->isArray())
      return false;
    out.clear();
    for (size_t i = 0; i < v->size(); ++i) {
      std::optional<int64_t> n = (*v)[i].asInt64();
      if (!n || *n < 0)
        return false;
      out.push_back(*n);
    }
    return true;
  };
  for (size_t t = 0; t < tensors->size(); ++t) {
    const std::string &name = tensors->keyAt(t);
    const JsonValue &value = (*tensors)[t];
    std::string where = "tensor '" + name + "': ";
    Entry entry;
    const JsonValue *dtype = value.find("dtype");
    std::optional<DType> parsed = dtype && dtype->isString()
                                      ? parseDTypeName(dtype->text())
                                      : std::nullopt;
    if (!parsed)
      return error(where + "\"dtype\" must name a dtype");
    entry.dtype = *parsed;
    if (!intList(value.find("shape"), entry.shape) ||
        !intList(value.find("global_shape"), entry.globalShape) ||
        volume(entry.shape) != volume(entry.globalShape))
      return error(where + "\"shape\" and \"global_shape\" must be shapes "
                           "of as many elements");
    const JsonValue *blocks = value.find("blocks");
    if (!blocks || !blocks->isArray())
      return error(where + "\"blocks\" must be an array");
    int64_t covered = 0;
    for (size_t b = 0; b < blocks->size(); ++b) {
      const JsonValue &json = (*blocks)[b];
      Block block;
      const JsonValue *fileName = json.find("file");
      if (!fileName || !fileName->isString() || fileName->text().empty() ||
          fileName->text().find('/') != std::string::npos)
        return error(where + "a block's \"file\" must be a file name in "
                             "the checkpoint's folder");
      block.file = fileName->text();
      if (!intList(json.find("start"), block.start) ||
          !intList(json.find("shape"), block.shape) ||
          block.start.size() != entry.globalShape.size() ||
          block.shape.size() != entry.globalShape.size())
        return error(where + "a block needs a \"start\" and \"shape\" of "
                             "the global shape's rank");
      for (size_t d = 0; d < block.start.size(); ++d)
        if (block.start[d] + block.shape[d] > entry.globalShape[d])
          return error(where + "block " + std::to_string(b) +
                       " reaches outside the global shape");
      for (const Block &other : entry.blocks) {
        std::vector<int64_t> start, shape;
        if (intersect(block.start, block.shape, other.start, other.shape, start,
                      shape) &&
            volume(shape) > 0)
          return error(where + "blocks overlap");
      }
      covered += volume(block.shape);
      entry.blocks.push_back(std::move(block));
    }
    if (covered != volume(entry.globalShape))
      return error(where + "its blocks do not cover the tensor");
    checkpoint->entries_[name] = std::move(entry);
  }
  return checkpoint;
}

std::map<std::string, TensorType> ShardedCheckpoint::tensors() const {
  std::map<std::string, TensorType> types;
  for (const auto &[name, entry] : entries_)
    types[name] = {entry.dtype, entry.shape};
  return types;
}

StatusOr<const HostArray *>
ShardedCheckpoint::blockData(const std::string &name, const Block &block) {
  auto it = files_.find(block.file);
  if (it == files_.end()) {
    StatusOr<SafetensorsFile> file = readSafetensors(join(dir_, block.file));
    if (!file.isOk())
      return file.status().withContext("a shard of the checkpoint " + dir_);
    it = files_.emplace(block.file, std::move(*file)).first;
  }
  const Entry &entry = entries_.at(name);
  for (const auto &[tensorName, array] : it->second.tensors)
    if (tensorName == name) {
      if (array.dtype != entry.dtype || array.shape != block.shape)
        return Status::error(join(dir_, block.file) + ": '" + name +
                             "' holds " +
                             describeTensor(array.dtype, array.shape) +
                             ", but the manifest says " +
                             describeTensor(entry.dtype, block.shape));
      return &array;
    }
  return Status::error(join(dir_, block.file) + " has no '" + name +
                       "', which the manifest places there");
}

StatusOr<HostArray> ShardedCheckpoint::block(const TensorSpec &spec,
                                             const MeshSpec &mesh,
                                             int64_t rank) {
  const Entry &entry = entries_.at(spec.name);
  HostArray local;
  local.dtype = spec.dtype;
  local.shape = spec.shape;
  local.bytes.assign(size_t(spec.byteSize()), 0);
  std::vector<int64_t> start = blockStart(spec, mesh, rank);
  if (entry.globalShape == globalShape(spec, mesh)) {
    // Both meshes tile the same tensor: copy the overlaps.
    for (const Block &b : entry.blocks) {
      std::vector<int64_t> boxStart, boxShape;
      if (!intersect(start, spec.shape, b.start, b.shape, boxStart, boxShape) &&
          !spec.shape.empty())
        continue;
      StatusOr<const HostArray *> data = blockData(spec.name, b);
      if (!data.isOk())
        return data.status();
      copyBox(**data, b.start, local, start, boxStart, boxShape);
    }
    return local;
  }
  // Another view of the user's tensor (tp's fused qkv): the whole tensor,
  // then this device's block of it.
  HostArray whole;
  whole.dtype = entry.dtype;
  whole.shape = entry.globalShape;
  whole.bytes.assign(size_t(volume(entry.globalShape)) * dtypeSize(entry.dtype),
                     0);
  for (const Block &b : entry.blocks) {
    StatusOr<const HostArray *> data = blockData(spec.name, b);
    if (!data.isOk())
      return data.status();
    copyBox(**data, b.start, whole,
            std::vector<int64_t>(entry.globalShape.size(), 0), b.start,
            b.shape);
  }
  return shardOf(whole, spec, mesh, rank);
}
