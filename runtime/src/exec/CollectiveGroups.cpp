//===- CollectiveGroups.cpp - what every executor's collectives share -----===//

#include "CollectiveGroups.h"

#include "tcc/runtime/Crc32c.h"

#include <cstring>

using namespace tcc::rt;

namespace {

/// A fingerprint of the plan's collective sequence (kind, reduce op, dtype,
/// shape, axes, dim, root).
uint32_t collectiveFingerprint(const Plan &plan) {
  uint32_t fingerprint = 0;
  for (const Command &command : plan.commands) {
    if (command.kind != Command::Kind::Collective)
      continue;
    const CollectiveCommand &cc = command.collective;
    std::string text = std::string(collectiveKindName(cc.kind)) + " " +
                       reduceOpName(cc.op) + " " + dtypeName(cc.dtype);
    for (int64_t size : cc.shape)
      text += " " + std::to_string(size);
    for (const std::string &axis : cc.axes)
      text += " " + axis;
    text += " " + std::to_string(cc.dim) + " " + std::to_string(cc.root) + ";";
    fingerprint = crc32c(text.data(), text.size(), fingerprint);
  }
  return fingerprint;
}

} // namespace

StatusOr<GroupCommunicators>
tcc::rt::joinCollectiveGroups(const Plan &plan, Communicator *world,
                              const std::string &origin) {
  int64_t devices = plan.mesh.numDevices();
  if (!world || (world->size() == 1 && devices > 1))
    return Status::error(origin + " is a per-device program for a mesh of " +
                         std::to_string(devices) + " devices (" +
                         plan.mesh.describe() +
                         "): launch one process per device, e.g. mpirun -np " +
                         std::to_string(devices) + " tcc-run " + origin);
  if (world->size() != devices)
    return Status::error(origin + " is compiled for a mesh of " +
                         std::to_string(devices) + " devices (" +
                         plan.mesh.describe() + "), but this job has " +
                         std::to_string(world->size()) + " ranks");
  uint32_t fingerprint = collectiveFingerprint(plan);
  std::vector<uint32_t> fingerprints(size_t(world->size()));
  if (Status s =
          world->allGather(&fingerprint, fingerprints.data(), 4, DType::U8);
      !s)
    return s.withContext(origin + ": comparing the ranks' programs");
  for (size_t r = 1; r < fingerprints.size(); ++r)
    if (fingerprints[r] != fingerprints[0])
      return Status::error(
          origin + ": the ranks run different programs: rank " +
          std::to_string(r) +
          "'s sequence of collectives differs from rank "
          "0's (every rank must run the same per-device program)");

  GroupCommunicators groups;
  std::vector<int64_t> coordinates = plan.mesh.coordinates(world->rank());
  for (const Command &command : plan.commands) {
    if (command.kind != Command::Kind::Collective)
      continue;
    const CollectiveCommand &cc = command.collective;
    if (cc.axes == plan.mesh.axes || groups.count(cc.axes))
      continue;
    // color: the coordinates along the other axes; key: the position in
    // the group, row-major over the axes as listed.
    int64_t color = 0, key = 0;
    for (size_t a = 0; a < plan.mesh.axes.size(); ++a) {
      bool inGroup = false;
      for (const std::string &axis : cc.axes)
        inGroup |= axis == plan.mesh.axes[a];
      if (!inGroup)
        color = color * plan.mesh.sizes[a] + coordinates[a];
    }
    for (const std::string &axis : cc.axes) {
      int a = plan.mesh.axisIndex(axis);
      key = key * plan.mesh.sizes[size_t(a)] + coordinates[size_t(a)];
    }
    StatusOr<std::unique_ptr<Communicator>> group =
        world->split(static_cast<int>(color), static_cast<int>(key));
    if (!group)
      return group.status().withContext(origin + ": " + command.label);
    groups[cc.axes] = std::move(*group);
  }
  return groups;
}

BlockLayout tcc::rt::blockLayoutOf(const CollectiveCommand &cc, size_t ranks) {
  BlockLayout layout;
  layout.ranks = ranks;
  size_t count = 1;
  for (size_t d = 0; d < cc.shape.size(); ++d) {
    count *= size_t(cc.shape[d]);
    if (int64_t(d) < cc.dim)
      layout.outer *= size_t(cc.shape[d]);
  }
  // An all_gather's operand is one rank's block; the others' is the whole.
  size_t perRank =
      cc.kind == CollectiveCommand::Kind::AllGather ? count : count / ranks;
  layout.rowBytes =
      layout.outer == 0 ? 0 : perRank / layout.outer * dtypeSize(cc.dtype);
  return layout;
}

std::vector<StridedCopy> BlockLayout::gatheredToTensor() const {
  std::vector<StridedCopy> copies;
  for (size_t r = 0; r < ranks; ++r)
    copies.push_back({r * outer * rowBytes, r * rowBytes, rowBytes, outer,
                      rowBytes, ranks * rowBytes});
  return copies;
}

std::vector<StridedCopy> BlockLayout::tensorToScattered() const {
  std::vector<StridedCopy> copies;
  for (size_t r = 0; r < ranks; ++r)
    copies.push_back({r * rowBytes, r * outer * rowBytes, rowBytes, outer,
                      ranks * rowBytes, rowBytes});
  return copies;
}

StridedCopy BlockLayout::slice(size_t position) const {
  return {position * rowBytes, 0, rowBytes, outer, ranks * rowBytes, rowBytes};
}

void tcc::rt::copyOnHost(const std::vector<StridedCopy> &copies,
                         const void *src, void *dst) {
  for (const StridedCopy &copy : copies)
    for (size_t i = 0; i < copy.height; ++i)
      std::memcpy(static_cast<char *>(dst) + copy.dstOffset + i * copy.dstPitch,
                  static_cast<const char *>(src) + copy.srcOffset +
                      i * copy.srcPitch,
                  copy.width);
}
