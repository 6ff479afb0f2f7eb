//===- Collectives.cpp - a plan's collectives on host memory --------------===//
//
// The communicator gathers and scatters contiguous per-rank chunks; a
// gather or scatter along an inner dimension d of a tensor [outer, n, inner]
// (outer = the product of the dimensions before d) moves each rank's chunk
// through a scratch buffer laid out [rank][outer][n * inner].
//
//===----------------------------------------------------------------------===//

#include "Collectives.h"

#include "tcc/runtime/Crc32c.h"

#include <cstring>

using namespace tcc::rt;
using namespace tcc::rt::cpu;

StatusOr<std::unique_ptr<CollectiveRunner>>
CollectiveRunner::create(const Plan &plan, Communicator *world,
                         const std::string &origin, int64_t skip) {
  int64_t devices = plan.mesh.numDevices();
  if (!world)
    return Status::error(
        origin + " is a per-device program for a mesh of " +
        std::to_string(devices) + " devices (" + plan.mesh.describe() +
        "): launch one process per device, e.g. mpirun -np " +
        std::to_string(devices) + " tcc-run " + origin);
  if (world->size() != devices)
    return Status::error(origin + " is compiled for a mesh of " +
                         std::to_string(devices) + " devices (" +
                         plan.mesh.describe() + "), but this job has " +
                         std::to_string(world->size()) + " ranks");
  // The same program on every rank: compare fingerprints of the plan's
  // collective sequence (kind, reduce op, dtype, shape, axes, dim, root).
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
  std::vector<uint32_t> fingerprints(size_t(world->size()));
  if (Status s = world->allGather(&fingerprint, fingerprints.data(), 4,
                                  DType::U8);
      !s)
    return s.withContext(origin + ": comparing the ranks' programs");
  for (size_t r = 1; r < fingerprints.size(); ++r)
    if (fingerprints[r] != fingerprints[0])
      return Status::error(
          origin + ": the ranks run different programs: rank " +
          std::to_string(r) + "'s sequence of collectives differs from rank "
          "0's (every rank must run the same per-device program)");
  auto runner = std::unique_ptr<CollectiveRunner>(new CollectiveRunner());
  runner->world_ = world;
  runner->mesh_ = plan.mesh;
  runner->skip_ = skip;
  std::vector<int64_t> coordinates = plan.mesh.coordinates(world->rank());
  for (const Command &command : plan.commands) {
    if (command.kind != Command::Kind::Collective)
      continue;
    const CollectiveCommand &cc = command.collective;
    bool reduces = cc.kind == CollectiveCommand::Kind::AllReduce ||
                   cc.kind == CollectiveCommand::Kind::ReduceScatter;
    if (reduces)
      if (Status s = checkReducibleDType(cc.dtype); !s)
        return s.withContext(origin + ": " + command.label);
    if (cc.axes == plan.mesh.axes || runner->groups_.count(cc.axes))
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
    runner->groups_[cc.axes] = std::move(*group);
  }
  return runner;
}

Communicator *CollectiveRunner::groupOf(const std::vector<std::string> &axes) {
  if (axes == mesh_.axes)
    return world_;
  return groups_.at(axes).get();
}

Status CollectiveRunner::run(const CollectiveCommand &cc, const void *in,
                             void *out) {
  if (issued_++ == skip_)
    return Status::ok(); // the fault a test asked for
  Communicator &comm = *groupOf(cc.axes);
  size_t n = size_t(comm.size());
  size_t count = 1, outer = 1;
  for (size_t d = 0; d < cc.shape.size(); ++d) {
    count *= size_t(cc.shape[d]);
    if (int64_t(d) < cc.dim)
      outer *= size_t(cc.shape[d]);
  }
  size_t element = dtypeSize(cc.dtype);
  using K = CollectiveCommand::Kind;
  switch (cc.kind) {
  case K::AllReduce:
    return comm.allReduce(in, out, count, cc.dtype, cc.op);
  case K::Broadcast:
    if (in != out)
      std::memcpy(out, in, count * element);
    return comm.broadcast(out, count, cc.dtype, static_cast<int>(cc.root));
  case K::AllGather: {
    if (outer == 1)
      return comm.allGather(in, out, count, cc.dtype);
    scratch_.resize(count * n * element);
    if (Status s = comm.allGather(in, scratch_.data(), count, cc.dtype); !s)
      return s;
    // scratch [rank][outer][row] -> out [outer][rank][row].
    size_t row = count / outer * element;
    for (size_t r = 0; r < n; ++r)
      for (size_t o = 0; o < outer; ++o)
        std::memcpy(static_cast<char *>(out) + (o * n + r) * row,
                    scratch_.data() + (r * outer + o) * row, row);
    return Status::ok();
  }
  case K::AllSlice: {
    // in [outer][rank][row] -> out [outer][row], this rank's rows.
    size_t position = size_t(comm.rank());
    size_t row = count / n / outer * element;
    for (size_t o = 0; o < outer; ++o)
      std::memcpy(static_cast<char *>(out) + o * row,
                  static_cast<const char *>(in) + (o * n + position) * row,
                  row);
    return Status::ok();
  }
  case K::ReduceScatter: {
    size_t chunk = count / n;
    if (outer == 1)
      return comm.reduceScatter(in, out, chunk, cc.dtype, cc.op);
    // in [outer][rank][row] -> scratch [rank][outer][row].
    scratch_.resize(count * element);
    size_t row = chunk / outer * element;
    for (size_t r = 0; r < n; ++r)
      for (size_t o = 0; o < outer; ++o)
        std::memcpy(scratch_.data() + (r * outer + o) * row,
                    static_cast<const char *>(in) + (o * n + r) * row, row);
    return comm.reduceScatter(scratch_.data(), out, chunk, cc.dtype, cc.op);
  }
  }
  return Status::error("unknown collective");
}
