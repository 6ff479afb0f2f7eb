//===- HostFeaturesTest.cpp - refusing kernels this CPU cannot run --------===//

#include "HostFeatures.h"

#include "gtest/gtest.h"

using namespace tcc::rt;

namespace {

TEST(HostFeatures, AcceptsWhatTheHostHasAndIgnoresTheRest) {
  EXPECT_TRUE(cpu::checkHostSupports("generic", "").isOk());
  // Disabled features, unknown names and features the runtime cannot query
  // do not matter.
  EXPECT_TRUE(cpu::checkHostSupports("x", "-avx512fp16,+cx16,+not-a-feature").isOk());
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2"))
    EXPECT_TRUE(cpu::checkHostSupports("haswell", "+avx2,+fma").isOk());
#endif
}

TEST(HostFeatures, NamesWhatTheHostLacks) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512fp16"))
    GTEST_SKIP() << "this CPU has avx512fp16";
  Status status =
      cpu::checkHostSupports("sapphirerapids", "+avx2,+avx512fp16");
  ASSERT_FALSE(status.isOk());
  EXPECT_EQ(status.message(),
            "the kernels were compiled for CPU 'sapphirerapids' and use "
            "avx512fp16, which this CPU lacks; compile the model on this "
            "machine (tcc compile --cpu=host) or for an older CPU (for "
            "example --cpu=x86-64-v3)");
#else
  GTEST_SKIP() << "not x86-64";
#endif
}

} // namespace
