//===- CommCheckTool.cpp - `tcc-run comm-check` ---------------------------===//
//
// Checks the job's communicator the way a training run will use it, before
// one is started on a cluster (nccl-tests' role for NCCL): every rank runs
// each collective on data whose result it can compute alone (rank r holds
// values made from r), and compares. Launched as
//
//   mpirun -np N tcc-run comm-check [--timeout-ms T] [--elements E]
//                                   [--skip RANK:CALL] [--bench R]
//
// --skip makes rank RANK leave out collective number CALL (counted from 0),
// the fault the communicator must turn into a clear error on every rank
// within the timeout instead of a hang. --bench R then times R calls of
// allReduce and reduceScatter of E floats and prints, from rank 0, the
// time per call and the bus bandwidth as nccl-tests defines it (the bytes
// a ring moves per rank over the time: 2 (N-1)/N x size for allReduce,
// (N-1)/N x size for reduceScatter), comparable across algorithms.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/RunTool.h"

#include "Flags.h"

#include "tcc/runtime/MpiCommunicator.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace tcc::rt;

namespace {

int fail(const char *tool, int rank, const std::string &message) {
  std::fprintf(stderr, "%s: error: rank %d: %s\n", tool, rank,
               message.c_str());
  std::fflush(stderr);
  return 1;
}

/// Rank r's value of element i: distinct per rank and element, exact in
/// every dtype checked (small integers).
double valueOf(int rank, size_t i) {
  return double((rank + 1) * 3 + int(i % 17)) - 8.0;
}

template <typename T>
std::vector<T> inputOf(int rank, size_t count) {
  std::vector<T> v(count);
  for (size_t i = 0; i < count; ++i)
    v[i] = static_cast<T>(valueOf(rank, i));
  return v;
}

/// The rank-order reduction every rank should receive, computed locally.
template <typename T>
std::vector<T> expectedReduce(ReduceOp op, int size, size_t count,
                              size_t offset = 0) {
  std::vector<T> out(count);
  for (size_t i = 0; i < count; ++i) {
    T acc = static_cast<T>(valueOf(0, offset + i));
    for (int r = 1; r < size; ++r) {
      T x = static_cast<T>(valueOf(r, offset + i));
      switch (op) {
      case ReduceOp::Sum:
      case ReduceOp::Avg:
        acc = acc + x;
        break;
      case ReduceOp::Max:
        acc = x > acc ? x : acc;
        break;
      case ReduceOp::Min:
        acc = x < acc ? x : acc;
        break;
      }
    }
    out[i] = op == ReduceOp::Avg ? static_cast<T>(acc / static_cast<T>(size))
                                 : acc;
  }
  return out;
}

template <typename T>
std::string firstDifference(const std::vector<T> &got,
                            const std::vector<T> &want) {
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i])
      return "element " + std::to_string(i) + " is " +
             std::to_string(double(got[i])) + ", expected " +
             std::to_string(double(want[i]));
  return "";
}

/// Times `repeats` calls each of allReduce of `elements` floats and of
/// reduceScatter of as many (a whole share per rank), after a warm-up
/// call; rank 0 prints the table.
bool bench(Communicator &comm, const char *tool, size_t elements,
           long repeats) {
  int size = comm.size();
  size_t share = elements / size_t(size);
  std::vector<float> in = inputOf<float>(comm.rank(), elements), out(elements);
  double bytes = double(elements) * sizeof(float);
  double ring = double(size - 1) / double(size);
  struct Case {
    const char *name;
    double busBytes; // what a ring moves per rank, as nccl-tests counts
    std::function<Status()> call;
  };
  Case cases[] = {
      {"allReduce", 2 * ring * bytes,
       [&] {
         return comm.allReduce(in.data(), out.data(), elements, DType::F32,
                               ReduceOp::Sum);
       }},
      {"reduceScatter", ring * double(share * size_t(size)) * sizeof(float),
       [&] {
         return comm.reduceScatter(in.data(), out.data(), share, DType::F32,
                                   ReduceOp::Sum);
       }},
  };
  // Every rank starts and stops the clock after the same collective.
  float token = 0;
  auto sync = [&] {
    return comm.allReduce(&token, &token, 1, DType::F32, ReduceOp::Sum);
  };
  if (comm.rank() == 0)
    std::printf("%s: %d ranks, %zu floats (%.0f bytes), %ld calls each\n"
                "  %-16s %12s %12s\n",
                tool, size, elements, bytes, repeats, "collective",
                "us per call", "bus GB/s");
  for (Case &c : cases) {
    Status s = c.call();
    if (s)
      s = sync();
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; s && i < repeats; ++i)
      s = c.call();
    if (s)
      s = sync();
    if (!s)
      return fail(tool, comm.rank(),
                  std::string(c.name) + ": " + s.message()) == 0;
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    if (comm.rank() == 0)
      std::printf("  %-16s %12.1f %12.3f\n", c.name,
                  seconds / double(repeats) * 1e6,
                  c.busBytes * double(repeats) / seconds / 1e9);
  }
  std::fflush(stdout);
  return true;
}

} // namespace

int tcc::rt::commCheckMain(int argc, char **argv, const char *tool) {
  long timeoutMs = 30000;
  size_t elements = 1000;
  int skipRank = -1;
  long skipCall = -1;
  long repeats = 0;
  for (int i = 0; i < argc; ++i) {
    if (const char *v = flagValue(argc, argv, i, "--timeout-ms")) {
      timeoutMs = std::strtol(v, nullptr, 10);
    } else if (const char *v = flagValue(argc, argv, i, "--elements")) {
      elements = std::strtoul(v, nullptr, 10);
    } else if (const char *v = flagValue(argc, argv, i, "--bench")) {
      repeats = std::strtol(v, nullptr, 10);
    } else if (const char *v = flagValue(argc, argv, i, "--skip")) {
      if (std::sscanf(v, "%d:%ld", &skipRank, &skipCall) != 2) {
        std::fprintf(stderr, "%s: error: --skip takes RANK:CALL, got '%s'\n",
                     tool, v);
        return 1;
      }
    } else {
      std::fprintf(stderr,
                   "%s: error: unknown argument '%s' (comm-check takes "
                   "--timeout-ms T, --elements E, --skip RANK:CALL, "
                   "--bench R)\n",
                   tool, argv[i]);
      return 1;
    }
  }
  if (timeoutMs <= 0 || elements == 0 || repeats < 0) {
    std::fprintf(stderr, "%s: error: --timeout-ms and --elements must be "
                         "positive, --bench not negative\n", tool);
    return 1;
  }
  if (!launchedByMpi())
    std::fprintf(stderr, "%s: note: not started by mpirun/srun: checking a "
                         "job of one rank\n", tool);
  StatusOr<std::unique_ptr<Communicator>> created =
      createMpiCommunicator(std::chrono::milliseconds(timeoutMs));
  if (!created)
    return fail(tool, 0, created.status().message());
  Communicator &comm = **created;
  int rank = comm.rank(), size = comm.size();

  // Each check issues one collective; --skip leaves one out on one rank.
  long call = 0;
  int checks = 0;
  auto check = [&](const std::string &what,
                   const std::function<std::string()> &body) -> bool {
    long number = call++;
    if (rank == skipRank && number == skipCall) {
      std::fprintf(stderr, "%s: note: rank %d skips collective #%ld (%s) "
                           "as --skip asks\n", tool, rank, number,
                   what.c_str());
      return true;
    }
    std::string error = body();
    if (!error.empty()) {
      fail(tool, rank, what + ": " + error);
      return false;
    }
    ++checks;
    return true;
  };

  auto reduceCheck = [&](auto zero, DType dtype, ReduceOp op) {
    using T = decltype(zero);
    return check(std::string("allReduce ") + reduceOpName(op) + " " +
                     dtypeName(dtype),
                 [&]() -> std::string {
                   std::vector<T> in = inputOf<T>(rank, elements), out(elements);
                   if (Status s = comm.allReduce(in.data(), out.data(), elements,
                                                 dtype, op);
                       !s)
                     return s.message();
                   return firstDifference(
                       out, expectedReduce<T>(op, size, elements));
                 });
  };
  bool ok = true;
  for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Avg, ReduceOp::Max,
                      ReduceOp::Min}) {
    ok = ok && reduceCheck(float(0), DType::F32, op);
    ok = ok && reduceCheck(double(0), DType::F64, op);
    ok = ok && reduceCheck(int64_t(0), DType::I64, op);
    ok = ok && reduceCheck(int32_t(0), DType::I32, op);
  }
  ok = ok && check("reduceScatter sum f32", [&]() -> std::string {
    size_t total = elements * size_t(size);
    std::vector<float> in = inputOf<float>(rank, total), out(elements);
    if (Status s = comm.reduceScatter(in.data(), out.data(), elements,
                                      DType::F32, ReduceOp::Sum);
        !s)
      return s.message();
    return firstDifference(out, expectedReduce<float>(ReduceOp::Sum, size,
                                                      elements,
                                                      elements * size_t(rank)));
  });
  ok = ok && check("allGather f32", [&]() -> std::string {
    std::vector<float> in = inputOf<float>(rank, elements),
                       out(elements * size_t(size));
    if (Status s = comm.allGather(in.data(), out.data(), elements, DType::F32);
        !s)
      return s.message();
    std::vector<float> want;
    for (int r = 0; r < size; ++r) {
      std::vector<float> part = inputOf<float>(r, elements);
      want.insert(want.end(), part.begin(), part.end());
    }
    return firstDifference(out, want);
  });
  ok = ok && check("broadcast from the last rank", [&]() -> std::string {
    std::vector<double> buffer = inputOf<double>(rank, elements);
    if (Status s = comm.broadcast(buffer.data(), elements, DType::F64,
                                  size - 1);
        !s)
      return s.message();
    return firstDifference(buffer, inputOf<double>(size - 1, elements));
  });
  if (ok && size > 1) {
    // A ring: everyone sends before receiving (sends are buffered).
    std::vector<int64_t> out = inputOf<int64_t>(rank, elements),
                         in(elements);
    int next = (rank + 1) % size, previous = (rank + size - 1) % size;
    Status s = comm.send(out.data(), elements * 8, next, 7);
    if (s)
      s = comm.recv(in.data(), elements * 8, previous, 7);
    std::string error =
        s ? firstDifference(in, inputOf<int64_t>(previous, elements))
          : s.message();
    if (!error.empty())
      ok = fail(tool, rank, "send/recv ring: " + error) == 0;
    else
      ++checks;
  }
  if (!ok)
    return 1;
  std::printf("%s: rank %d of %d: %d checks passed (%zu elements, MPI)\n",
              tool, rank, size, checks, elements);
  std::fflush(stdout);
  if (repeats > 0 && !bench(comm, tool, elements, repeats))
    return 1;
  return 0;
}
