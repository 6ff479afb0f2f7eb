//===- ShardedCheckpoint.h - checkpoints as per-rank shards -----*- C++ -*-===//
//
// `tcc run --save-sharded DIR` on a mesh: every rank writes the blocks it
// holds to DIR/rank-<r>.safetensors, nothing gathered (FSDP's sharded state
// dict), and rank 0 writes DIR/manifest.json once every rank's file is
// complete. A block several ranks hold (a tensor replicated over an axis)
// is written once, by the lowest of them. The manifest records, per
// tensor, its dtype, the user's shape, the global shape its blocks tile
// (a view of the user's, for tensor parallelism's fused qkv) and each
// block's file, start and shape:
//
//   {"format": "tcc sharded checkpoint", "version": 1, "mesh": "dp=2, tp=2",
//    "metadata": {"step": "5", ...},
//    "tensors": {"fc1.weight": {"dtype": "f32", "shape": [128, 64],
//      "global_shape": [128, 64], "blocks": [{"file": "rank-0.safetensors",
//      "start": [0, 0], "shape": [64, 64]}, ...]}}}
//
// `--resume DIR` reads it on any mesh: each rank assembles its own block of
// each tensor from the blocks that overlap it, reading only their files
// (when both meshes tile the same global shape), or the whole tensor when
// the views differ (a tp checkpoint resumed without tp).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_TOOLS_SHARDEDCHECKPOINT_H
#define TCC_RUNTIME_TOOLS_SHARDEDCHECKPOINT_H

#include "tcc/runtime/Communicator.h"
#include "tcc/runtime/HostArray.h"
#include "tcc/runtime/Plan.h"
#include "tcc/runtime/Safetensors.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tcc::rt {

/// Whether `path` is a sharded checkpoint: a folder with a manifest.json.
bool isShardedCheckpoint(const std::string &path);

/// A tensor of the program and this rank's block of it.
struct LocalTensor {
  const TensorSpec *spec;
  const HostArray *block;
};

/// Writes `tensors` (this rank's blocks) into the folder `dir` (created if
/// missing), with `metadata`; a collective over `comm`, a job of the
/// plan's mesh. An error on any rank fails every rank.
Status
writeShardedCheckpoint(const std::string &dir, Communicator &comm,
                       const MeshSpec &mesh,
                       const std::vector<LocalTensor> &tensors,
                       const std::map<std::string, std::string> &metadata);

class ShardedCheckpoint {
public:
  /// Reads and checks the manifest of `dir` (the rank files are read on
  /// demand).
  static StatusOr<std::unique_ptr<ShardedCheckpoint>>
  open(const std::string &dir);

  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }
  /// Every tensor's dtype and user shape (for checkTensorsMatch).
  std::map<std::string, TensorType> tensors() const;

  /// Device `rank`'s block of tensor `spec.name` under `spec`'s sharding on
  /// `mesh` (the caller checked that the checkpoint holds it with the
  /// program's dtype and user shape).
  StatusOr<HostArray> block(const TensorSpec &spec, const MeshSpec &mesh,
                            int64_t rank);

  struct Block {
    std::string file;
    std::vector<int64_t> start, shape;
  };
  struct Entry {
    DType dtype = DType::F32;
    std::vector<int64_t> shape, globalShape;
    std::vector<Block> blocks;
  };

private:
  ShardedCheckpoint() = default;
  StatusOr<const HostArray *> blockData(const std::string &name,
                                        const Block &block);

  std::string dir_;
  std::map<std::string, std::string> metadata_;
  std::map<std::string, Entry> entries_;
  /// Rank files read so far.
  std::map<std::string, SafetensorsFile> files_;
};

} // namespace tcc::rt

#endif // TCC_RUNTIME_TOOLS_SHARDEDCHECKPOINT_H
