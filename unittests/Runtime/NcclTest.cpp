//===- NcclTest.cpp - NCCL loading and bootstrap without a GPU ------------===//
//
// What of the NCCL path runs on a machine without a GPU: loading the
// library (skipped where it is not installed), the type and reduction
// mapping, drawing the unique id and its broadcast over a host
// communicator, and a clear error (not a hang or a crash) when a
// communicator cannot be created because there is no device. The
// collectives themselves run in benchmarks/gpu's device check.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/src/cuda/Nccl.h"

#include "tcc/runtime/LoopbackCommunicator.h"

#include <gtest/gtest.h>

#include <thread>

using namespace tcc::rt;
using namespace tcc::rt::cuda;

namespace {

TEST(Nccl, TypesAndReductions) {
  EXPECT_EQ(*ncclTypeOf(DType::F32), ncclFloat32);
  EXPECT_EQ(*ncclTypeOf(DType::BF16), ncclBfloat16);
  EXPECT_EQ(*ncclTypeOf(DType::F16), ncclFloat16);
  EXPECT_EQ(*ncclTypeOf(DType::I64), ncclInt64);
  EXPECT_EQ(*ncclTypeOf(DType::Bool), ncclUint8);
  EXPECT_EQ(ncclOpOf(ReduceOp::Avg), ncclAvg);
  EXPECT_EQ(ncclOpOf(ReduceOp::Min), ncclMin);
}

TEST(Nccl, LoadsAndSaysWhichVersion) {
  StatusOr<const NcclApi *> api = NcclApi::get();
  if (!api.isOk()) {
    EXPECT_NE(api.status().message().find("libnccl.so.2 cannot be loaded"),
              std::string::npos)
        << api.status().message();
    GTEST_SKIP() << api.status().message();
  }
  EXPECT_EQ((*api)->version().rfind("NCCL 2.", 0), 0u) << (*api)->version();
  // A failing result names the call and NCCL's message.
  Status failed = (*api)->check(ncclInvalidArgument, "ncclAllReduce");
  EXPECT_NE(failed.message().find("ncclAllReduce failed: "), std::string::npos);
}

TEST(Nccl, WithoutADeviceJoiningFailsClearlyOnEveryRank) {
  StatusOr<const NcclApi *> api = NcclApi::get();
  if (!api.isOk())
    GTEST_SKIP() << api.status().message();
  std::vector<std::unique_ptr<Communicator>> group =
      createLoopbackGroup(2, std::chrono::milliseconds(20000));
  ASSERT_EQ(group.size(), 2u);
  std::vector<Status> results(2, Status::ok());
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      StatusOr<std::unique_ptr<NcclComm>> comm = NcclComm::create(
          **api, *group[size_t(r)], std::chrono::milliseconds(20000));
      results[size_t(r)] = comm.isOk() ? Status::ok() : comm.status();
    });
  for (std::thread &rank : ranks)
    rank.join();
  // On a machine with two GPUs (or one shared) this joins; here, without
  // one, each rank gets NCCL's error instead of waiting for the other.
  for (int r = 0; r < 2; ++r)
    if (!results[size_t(r)])
      EXPECT_NE(results[size_t(r)].message().find("NCCL communicator of 2 "
                                                  "ranks as rank " +
                                                  std::to_string(r)),
                std::string::npos)
          << results[size_t(r)].message();
}

} // namespace
