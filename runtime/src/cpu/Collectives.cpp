//===- Collectives.cpp - a plan's collectives on host memory --------------===//
//
// The communicator gathers and scatters contiguous per-rank chunks; a
// gather or scatter along an inner dimension d of a tensor [outer, n, inner]
// (outer = the product of the dimensions before d) moves each rank's chunk
// through a scratch buffer laid out [rank][outer][n * inner]
// (BlockLayout, exec/CollectiveGroups.h).
//
//===----------------------------------------------------------------------===//

#include "Collectives.h"

#include "../exec/CollectiveGroups.h"

#include <cstring>

using namespace tcc::rt;
using namespace tcc::rt::cpu;

StatusOr<std::unique_ptr<CollectiveRunner>>
CollectiveRunner::create(const Plan &plan, Communicator *world,
                         const std::string &origin, int64_t skip) {
  for (const Command &command : plan.commands) {
    if (command.kind != Command::Kind::Collective)
      continue;
    const CollectiveCommand &cc = command.collective;
    if (cc.kind == CollectiveCommand::Kind::AllReduce ||
        cc.kind == CollectiveCommand::Kind::ReduceScatter)
      if (Status s = checkReducibleDType(cc.dtype); !s)
        return s.withContext(origin + ": " + command.label);
  }
  StatusOr<GroupCommunicators> groups =
      joinCollectiveGroups(plan, world, origin);
  if (!groups)
    return groups.status();
  auto runner = std::unique_ptr<CollectiveRunner>(new CollectiveRunner());
  runner->world_ = world;
  runner->mesh_ = plan.mesh;
  runner->skip_ = skip;
  runner->groups_ = std::move(*groups);
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
  size_t count = 1;
  for (int64_t size : cc.shape)
    count *= size_t(size);
  size_t element = dtypeSize(cc.dtype);
  BlockLayout blocks = blockLayoutOf(cc, size_t(comm.size()));
  using K = CollectiveCommand::Kind;
  switch (cc.kind) {
  case K::AllReduce:
    return comm.allReduce(in, out, count, cc.dtype, cc.op);
  case K::Broadcast:
    if (in != out)
      std::memcpy(out, in, count * element);
    return comm.broadcast(out, count, cc.dtype, static_cast<int>(cc.root));
  case K::AllGather: {
    if (blocks.contiguous())
      return comm.allGather(in, out, count, cc.dtype);
    scratch_.resize(count * blocks.ranks * element);
    if (Status s = comm.allGather(in, scratch_.data(), count, cc.dtype); !s)
      return s;
    copyOnHost(blocks.gatheredToTensor(), scratch_.data(), out);
    return Status::ok();
  }
  case K::AllSlice:
    copyOnHost({blocks.slice(size_t(comm.rank()))}, in, out);
    return Status::ok();
  case K::ReduceScatter: {
    size_t chunk = count / blocks.ranks;
    if (blocks.contiguous())
      return comm.reduceScatter(in, out, chunk, cc.dtype, cc.op);
    scratch_.resize(count * element);
    copyOnHost(blocks.tensorToScattered(), in, scratch_.data());
    return comm.reduceScatter(scratch_.data(), out, chunk, cc.dtype, cc.op);
  }
  }
  return Status::error("unknown collective");
}
