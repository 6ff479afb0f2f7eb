//===- NcclCollectives.cpp - a plan's collectives on NCCL -----------------===//

#include "NcclCollectives.h"

#include <algorithm>
#include <cstring>

using namespace tcc::rt;
using namespace tcc::rt::cuda;

StatusOr<std::unique_ptr<NcclCollectives>>
NcclCollectives::create(const Plan &plan, Communicator *world,
                        const CudaApi &cuda, const std::string &origin,
                        std::chrono::milliseconds timeout, int64_t skip) {
  // Check the plan against what NCCL can do before anyone joins a group.
  for (const Command &command : plan.commands)
    if (command.kind == Command::Kind::Collective &&
        !ncclTypeOf(command.collective.dtype))
      return Status::error(origin + ": " + command.label + ": NCCL has no " +
                           dtypeName(command.collective.dtype) + " type");
  StatusOr<const NcclApi *> api = NcclApi::get();
  if (!api.isOk())
    return api.status().withContext(origin);
  StatusOr<GroupCommunicators> groups =
      joinCollectiveGroups(plan, world, origin);
  if (!groups)
    return groups.status();
  auto runner = std::unique_ptr<NcclCollectives>(new NcclCollectives());
  runner->api_ = *api;
  runner->cuda_ = &cuda;
  runner->timeout_ = timeout;
  runner->skip_ = skip;
  runner->hostGroups_ = std::move(*groups);

  // One NCCL communicator per group, created in plan order like the host
  // groups (every rank creates the same ones in the same order).
  auto join = [&](const std::vector<std::string> &axes,
                  Communicator &host) -> Status {
    if (runner->comms_.count(axes))
      return Status::ok();
    StatusOr<std::unique_ptr<NcclComm>> comm =
        NcclComm::create(**api, host, timeout);
    if (!comm.isOk())
      return comm.status();
    runner->comms_[axes] = std::move(*comm);
    return Status::ok();
  };
  size_t scratch = 0;
  for (const Command &command : plan.commands) {
    if (command.kind != Command::Kind::Collective)
      continue;
    const CollectiveCommand &cc = command.collective;
    Communicator &host =
        cc.axes == plan.mesh.axes ? *world : *runner->hostGroups_.at(cc.axes);
    if (Status s = join(cc.axes, host); !s)
      return s.withContext(origin + ": " + command.label);
    BlockLayout blocks = blockLayoutOf(cc, size_t(host.size()));
    bool moves = cc.kind == CollectiveCommand::Kind::AllGather ||
                 cc.kind == CollectiveCommand::Kind::ReduceScatter;
    if (moves && !blocks.contiguous())
      scratch =
          std::max(scratch, blocks.ranks * blocks.outer * blocks.rowBytes);
  }
  if (scratch > 0) {
    if (Status s = cuda.check(cuda.cuMemAlloc(&runner->scratch_, scratch),
                              "cuMemAlloc (collective scratch)");
        !s)
      return s.withContext(origin);
    runner->scratchBytes_ = scratch;
  }
  return runner;
}

NcclCollectives::~NcclCollectives() {
  comms_.clear();
  if (scratch_)
    cuda_->cuMemFree(scratch_);
}

NcclComm &NcclCollectives::groupOf(const std::vector<std::string> &axes) {
  return *comms_.at(axes);
}

Status NcclCollectives::copy2D(const StridedCopy &copy, CUdeviceptr src,
                               CUdeviceptr dst, CUstream stream) {
  if (copy.width == 0 || copy.height == 0)
    return Status::ok();
  CUDA_MEMCPY2D params;
  std::memset(&params, 0, sizeof params);
  params.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  params.srcDevice = src + copy.srcOffset;
  params.srcPitch = copy.srcPitch;
  params.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  params.dstDevice = dst + copy.dstOffset;
  params.dstPitch = copy.dstPitch;
  params.WidthInBytes = copy.width;
  params.Height = copy.height;
  return cuda_->check(cuda_->cuMemcpy2DAsync(&params, stream),
                      "cuMemcpy2DAsync");
}

Status NcclCollectives::enqueue(const CollectiveCommand &cc, CUdeviceptr in,
                                CUdeviceptr out, CUstream stream) {
  if (issued_++ == skip_)
    return Status::ok(); // the fault a test asked for
  NcclComm &comm = groupOf(cc.axes);
  ncclComm_t nccl = comm.get();
  const NcclApi &api = *api_;
  cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  ncclDataType_t type = *ncclTypeOf(cc.dtype);
  size_t count = 1;
  for (int64_t size : cc.shape)
    count *= size_t(size);
  BlockLayout blocks = blockLayoutOf(cc, size_t(comm.size()));
  auto deadline = NcclComm::Clock::now() + timeout_;
  auto ptr = [](CUdeviceptr p) { return reinterpret_cast<void *>(p); };
  using K = CollectiveCommand::Kind;
  switch (cc.kind) {
  case K::AllReduce:
    return comm.settle(api.ncclAllReduce(ptr(in), ptr(out), count, type,
                                         ncclOpOf(cc.op), nccl, s),
                       "ncclAllReduce", deadline);
  case K::Broadcast:
    return comm.settle(api.ncclBroadcast(ptr(in), ptr(out), count, type,
                                         static_cast<int>(cc.root), nccl, s),
                       "ncclBroadcast", deadline);
  case K::AllGather: {
    CUdeviceptr gathered = blocks.contiguous() ? out : scratch_;
    if (Status st = comm.settle(
            api.ncclAllGather(ptr(in), ptr(gathered), count, type, nccl, s),
            "ncclAllGather", deadline);
        !st || blocks.contiguous())
      return st;
    for (const StridedCopy &copy : blocks.gatheredToTensor())
      if (Status st = copy2D(copy, scratch_, out, stream); !st)
        return st;
    return Status::ok();
  }
  case K::AllSlice:
    return copy2D(blocks.slice(size_t(comm.rank())), in, out, stream);
  case K::ReduceScatter: {
    CUdeviceptr scattered = in;
    if (!blocks.contiguous()) {
      for (const StridedCopy &copy : blocks.tensorToScattered())
        if (Status st = copy2D(copy, in, scratch_, stream); !st)
          return st;
      scattered = scratch_;
    }
    return comm.settle(api.ncclReduceScatter(ptr(scattered), ptr(out),
                                             count / blocks.ranks, type,
                                             ncclOpOf(cc.op), nccl, s),
                       "ncclReduceScatter", deadline);
  }
  }
  return Status::error("unknown collective");
}

Status NcclCollectives::asyncError() const {
  for (const auto &[axes, comm] : comms_)
    if (Status s = comm->asyncError(); !s)
      return s;
  return Status::ok();
}

void NcclCollectives::abort() {
  for (auto &[axes, comm] : comms_)
    comm->abort();
}
