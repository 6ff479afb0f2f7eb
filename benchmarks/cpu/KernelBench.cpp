//===- KernelBench.cpp - tcc's CPU artifacts against copy and BLAS --------===//
//
// Google Benchmark harness for the CPU backend, measured side by side in one
// process on the same threads:
//
//   tcc-cpu-bench --threads=2 --artifact=NAME=PATH.tccm[:FLOPS] ...
//
// - Artifact/NAME: runs a compiled artifact (random inputs, as `tcc run`
//   draws them); bytes are its inputs plus outputs.
// - Copy/BYTES: a parallel memcpy of the given size (bytes read + written),
//   the bandwidth bound elementwise kernels are measured against.
// - Sgemm/OpenBLAS/N and Sgemm/oneDNN/N: the libraries called directly.
//
// benchmarks/cpu/compare.py builds the artifacts, runs this and the PyTorch
// peers, and prints the table that benchmarks/RESULTS.md records.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Executable.h"
#include "tcc/runtime/RandomInputs.h"
#include "tcc/runtime/ThreadPool.h"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int threads);

using namespace tcc::rt;

namespace {

unsigned gThreads = 2;

struct LoadedArtifact {
  std::unique_ptr<Executable> executable;
  std::vector<HostArray> inputs;
  int64_t bytes = 0;
  double flops = 0;
};

std::vector<std::unique_ptr<LoadedArtifact>> gArtifacts;

HostArray randomArray(const TensorSpec &spec, unsigned index) {
  HostArray array;
  array.dtype = spec.dtype;
  array.shape = spec.shape;
  array.bytes.assign(static_cast<size_t>(spec.byteSize()), 0);
  uint64_t stream = randomInputStream(index);
  for (int64_t i = 0, n = spec.numElements(); i < n; ++i)
    setElement(array, i,
               spec.random.kind == RandomInit::Kind::Integer
                   ? static_cast<double>(randomInteger(0, stream, i, spec.random.bound))
                   : spec.random.scale * randomNormal(0, stream, i));
  return array;
}

bool loadArtifact(const std::string &spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos) {
    std::fprintf(stderr, "--artifact=%s: expected NAME=PATH[:FLOPS]\n", spec.c_str());
    return false;
  }
  std::string name = spec.substr(0, eq), path = spec.substr(eq + 1);
  auto entry = std::make_unique<LoadedArtifact>();
  if (size_t colon = path.rfind(':'); colon != std::string::npos) {
    entry->flops = std::atof(path.c_str() + colon + 1);
    path = path.substr(0, colon);
  }
  StatusOr<Artifact> artifact = readArtifact(path);
  if (!artifact.isOk()) {
    std::fprintf(stderr, "%s\n", artifact.status().message().c_str());
    return false;
  }
  ExecutableOptions options;
  options.threads = gThreads;
  auto executable = Executable::load(*artifact, options);
  if (!executable.isOk()) {
    std::fprintf(stderr, "%s\n", executable.status().message().c_str());
    return false;
  }
  entry->executable = std::move(*executable);
  const Plan &plan = entry->executable->plan();
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    entry->inputs.push_back(randomArray(plan.inputs[i], static_cast<unsigned>(i)));
    entry->bytes += plan.inputs[i].byteSize();
  }
  for (const TensorSpec &spec : plan.outputs)
    entry->bytes += spec.byteSize();
  LoadedArtifact *raw = entry.get();
  gArtifacts.push_back(std::move(entry));
  benchmark::RegisterBenchmark(("Artifact/" + name).c_str(),
                               [raw](benchmark::State &state) {
                                 std::vector<const HostArray *> inputs;
                                 for (const HostArray &a : raw->inputs)
                                   inputs.push_back(&a);
                                 std::vector<HostArray> outputs;
                                 for (auto _ : state) {
                                   Status ran = raw->executable->run(inputs, outputs);
                                   if (!ran) {
                                     state.SkipWithError(ran.message().c_str());
                                     break;
                                   }
                                 }
                                 state.SetBytesProcessed(state.iterations() * raw->bytes);
                                 if (raw->flops > 0)
                                   state.counters["GFLOPs"] = benchmark::Counter(
                                       raw->flops * 1e-9 * state.iterations(),
                                       benchmark::Counter::kIsRate);
                               })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  return true;
}

/// A parallel copy of `state.range(0)` bytes per side on gThreads threads.
void Copy(benchmark::State &state) {
  size_t bytes = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> from(bytes, 1), to(bytes, 0);
  ThreadPool pool(gThreads);
  int64_t chunk = 1 << 20;
  int64_t chunks = static_cast<int64_t>((bytes + chunk - 1) / chunk);
  for (auto _ : state) {
    Status done = pool.parallelFor(chunks, 1, [&](int64_t begin, int64_t end) {
      size_t lo = static_cast<size_t>(begin * chunk);
      size_t hi = std::min(bytes, static_cast<size_t>(end * chunk));
      std::memcpy(to.data() + lo, from.data() + lo, hi - lo);
      return Status::ok();
    });
    benchmark::DoNotOptimize(done);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 2 * static_cast<int64_t>(bytes));
}

/// C[m,n] = A[m,k] x op(B) with B stored [n,k] when transposed (PyTorch's
/// nn.Linear layout): args m, n, k, transposeB.
void SgemmOpenBlas(benchmark::State &state) {
  int m = int(state.range(0)), n = int(state.range(1)), k = int(state.range(2));
  bool tb = state.range(3) != 0;
  std::vector<float> a(size_t(m) * k, 0.5f), b(size_t(k) * n, 0.25f),
      c(size_t(m) * n);
  openblas_set_num_threads(static_cast<int>(gThreads));
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                m, n, k, 1.0f, a.data(), k, b.data(), tb ? k : n, 0.0f,
                c.data(), n);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPs"] = benchmark::Counter(
      2.0 * m * n * k * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
}

void SgemmOneDnn(benchmark::State &state) {
  int m = int(state.range(0)), n = int(state.range(1)), k = int(state.range(2));
  bool tb = state.range(3) != 0;
  std::vector<float> a(size_t(m) * k, 0.5f), b(size_t(k) * n, 0.25f),
      c(size_t(m) * n);
  for (auto _ : state) {
    if (dnnl_sgemm('N', tb ? 'T' : 'N', m, n, k, 1.0f, a.data(), k, b.data(),
                   tb ? k : n, 0.0f, c.data(), n) != dnnl_success) {
      state.SkipWithError("dnnl_sgemm failed");
      break;
    }
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPs"] = benchmark::Counter(
      2.0 * m * n * k * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
}

/// The matmul shapes of the examples and of the MLP benchmark.
void gemmShapes(benchmark::internal::Benchmark *b) {
  b->Args({2048, 2048, 2048, 0});
  b->Args({256, 1024, 784, 1});  // MLP benchmark, layer 1
  b->Args({256, 1024, 1024, 1}); // layer 2
  b->Args({256, 10, 1024, 1});   // head
  b->Args({16, 128, 64, 1});     // examples/mlp.mlir
  b->Args({16, 96, 32, 1});      // examples/transformer_block.mlir, qkv
  b->ArgNames({"m", "n", "k", "tb"});
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  std::vector<std::string> artifacts;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--threads=", 0) == 0)
      gThreads = static_cast<unsigned>(std::atoi(arg.c_str() + 10));
    else if (arg.rfind("--artifact=", 0) == 0)
      artifacts.push_back(arg.substr(11));
    else {
      std::fprintf(stderr, "unknown argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  for (const std::string &spec : artifacts)
    if (!loadArtifact(spec))
      return 1;
  benchmark::RegisterBenchmark("Copy", Copy)
      ->Arg(int64_t(64) << 20)
      ->Arg(int64_t(32) << 20)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Sgemm/OpenBLAS", SgemmOpenBlas)
      ->Apply(gemmShapes)->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("Sgemm/oneDNN", SgemmOneDnn)
      ->Apply(gemmShapes)->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
