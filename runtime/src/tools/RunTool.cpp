//===- RunTool.cpp - `tcc run` and `tcc bench` ----------------------------===//

#include "tcc/runtime/RunTool.h"

#include "Flags.h"
#include "JobCommunicator.h"
#include "SameFile.h"
#include "Shards.h"

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Executable.h"
#include "tcc/runtime/Npy.h"
#include "tcc/runtime/RandomInputs.h"
#include "tcc/runtime/Safetensors.h"
#include "tcc/runtime/Trace.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace tcc::rt;

namespace {

struct Options {
  std::string model;
  std::vector<std::string> inputs;
  std::string weights, outputDir, trace;
  uint64_t seed = 0;
  int64_t repeat = 1, warmup = 1;
  unsigned threads = 0;
  double flops = 0;
  bool quiet = false;
  /// A per-device program's collectives fail after this long without
  /// every rank (the communicator's own timeout, not the launcher's).
  uint64_t collectiveTimeoutMs = 60000;
  SkippedCollective skip;
};

class Tool {
public:
  explicit Tool(const char *name) : name_(name) {}

  int fail(const std::string &message) const {
    std::fprintf(stderr, "%s: error: %s\n", name_, message.c_str());
    return 1;
  }
  void note(const std::string &message) const {
    std::fprintf(stderr, "%s: note: %s\n", name_, message.c_str());
  }
  const char *name() const { return name_; }

private:
  const char *name_;
};

bool parseUnsigned(const char *text, uint64_t &value) {
  if (!*text)
    return false;
  char *end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (*end || errno || text[0] == '-')
    return false;
  value = v;
  return true;
}

/// Parses argv; returns a nonzero exit code on a bad command line.
int parseOptions(const Tool &tool, int argc, char **argv, bool bench,
                 Options &options) {
  const char *usage =
      bench ? "usage: bench MODEL.tccm [--repeat N] [--warmup N] [--threads N] "
              "[--flops F] [--seed S]"
            : "usage: run MODEL.tccm [--input NAME=@FILE.npy]... [--weights "
              "W.safetensors] [--output-dir DIR] [--seed S] [--repeat N] "
              "[--threads N] [--trace FILE.json] [--quiet] "
              "[--collective-timeout-ms T]";
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *flag) {
      return flagValue(argc, argv, i, flag);
    };
    uint64_t number = 0;
    if (const char *v = value("--input"); v && !bench)
      options.inputs.push_back(v);
    else if (const char *v = value("--weights"); v && !bench)
      options.weights = v;
    else if (const char *v = value("--output-dir"); v && !bench)
      options.outputDir = v;
    else if (const char *v = value("--trace"); v && !bench)
      options.trace = v;
    else if (const char *v = value("--seed")) {
      if (!parseUnsigned(v, options.seed))
        return tool.fail(std::string("--seed: '") + v +
                         "' is not a non-negative integer");
    } else if (const char *v = value("--repeat")) {
      if (!parseUnsigned(v, number) || number < 1 || number > 1000000)
        return tool.fail(std::string("--repeat: '") + v +
                         "' is not an integer in [1, 1000000]");
      options.repeat = static_cast<int64_t>(number);
    } else if (const char *v = value("--warmup"); v && bench) {
      if (!parseUnsigned(v, number) || number > 1000000)
        return tool.fail(std::string("--warmup: '") + v +
                         "' is not an integer in [0, 1000000]");
      options.warmup = static_cast<int64_t>(number);
    } else if (const char *v = value("--fault-skip-collective")) {
      if (!options.skip.parse(v))
        return tool.fail(std::string("--fault-skip-collective: '") + v +
                         "' is not RANK:CALL");
    } else if (const char *v = value("--collective-timeout-ms")) {
      if (!parseUnsigned(v, options.collectiveTimeoutMs) ||
          options.collectiveTimeoutMs < 1)
        return tool.fail(std::string("--collective-timeout-ms: '") + v +
                         "' is not a positive integer");
    } else if (const char *v = value("--threads")) {
      if (!parseUnsigned(v, number) || number < 1 || number > 1024)
        return tool.fail(std::string("--threads: '") + v +
                         "' is not an integer in [1, 1024]");
      options.threads = static_cast<unsigned>(number);
    } else if (const char *v = value("--flops"); v && bench) {
      char *end = nullptr;
      options.flops = std::strtod(v, &end);
      if (*end || !(options.flops >= 0) || !std::isfinite(options.flops))
        return tool.fail(std::string("--flops: '") + v +
                         "' is not a non-negative number");
    } else if (arg == "--quiet" && !bench)
      options.quiet = true;
    else if (arg == "--help" || arg == "-h") {
      std::printf("%s\n", usage);
      std::exit(0);
    } else if (!arg.empty() && arg[0] != '-' && options.model.empty())
      options.model = arg;
    else
      return tool.fail("unexpected argument '" + arg + "'\n" + usage);
  }
  if (options.model.empty())
    return tool.fail(std::string("no artifact given\n") + usage);
  return 0;
}


/// Random values for input `index` as the evaluator draws them.
HostArray randomInput(const TensorSpec &spec, unsigned index, uint64_t seed) {
  HostArray array;
  array.dtype = spec.dtype;
  array.shape = spec.shape;
  int64_t n = spec.numElements();
  array.bytes.assign(static_cast<size_t>(spec.byteSize()), 0);
  uint64_t stream = randomInputStream(index);
  for (int64_t i = 0; i < n; ++i) {
    double value = 0;
    switch (spec.random.kind) {
    case RandomInit::Kind::Zeros:
      break;
    case RandomInit::Kind::Ones:
      value = 1;
      break;
    case RandomInit::Kind::Integer:
      value = static_cast<double>(
          randomInteger(seed, stream, i, spec.random.bound));
      break;
    case RandomInit::Kind::Normal:
      value = spec.random.scale * randomNormal(seed, stream, i);
      break;
    }
    setElement(array, i, value);
  }
  return array;
}

/// "fc1.weight" stays, "a/b" becomes "a_b".
std::string fileNameFor(const std::string &name) {
  std::string s;
  for (char c : name)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
          c == '_')
             ? c
             : '_';
  return s + ".npy";
}

Status makeDirectories(const std::string &dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/')
      continue;
    std::string prefix = dir.substr(0, pos);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST)
      return Status::error("cannot create '" + prefix + "': " +
                           std::strerror(errno));
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::error("--output-dir '" + dir + "' is not a directory");
  return Status::ok();
}

void printArray(const std::string &name, const HostArray &array) {
  std::printf("%s: %s\n  [", name.c_str(),
              describeTensor(array.dtype, array.shape).c_str());
  int64_t n = array.numElements();
  bool isFloat = array.dtype == DType::F64 || array.dtype == DType::F32 ||
                 array.dtype == DType::F16 || array.dtype == DType::BF16;
  for (int64_t i = 0; i < std::min<int64_t>(n, 8); ++i) {
    double v = getElement(array, i);
    if (isFloat)
      std::printf("%s%.6g", i ? ", " : "", v);
    else
      std::printf("%s%lld", i ? ", " : "", static_cast<long long>(v));
  }
  if (n > 8)
    std::printf(", ... (%lld elements)", static_cast<long long>(n));
  std::printf("]\n");
  if (isFloat && n > 1) {
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v = getElement(array, i);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
    }
    std::printf("  min %.6g  max %.6g  mean %.6g\n", lo, hi, sum / n);
  }
}

/// Loads the artifact and binds every input: files, weights, then random.
int prepare(const Tool &tool, const Options &options, bool trace,
            std::unique_ptr<Communicator> &communicator,
            std::unique_ptr<Executable> &executable,
            std::vector<HostArray> &values,
            std::vector<std::string> &readPaths) {
  StatusOr<Artifact> artifact = readArtifact(options.model);
  if (!artifact.isOk())
    return tool.fail(artifact.status().message());
  StatusOr<std::unique_ptr<Communicator>> job =
      jobCommunicator(options.collectiveTimeoutMs);
  if (!job)
    return tool.fail(job.status().message());
  communicator = std::move(*job);
  ExecutableOptions executableOptions;
  executableOptions.threads = options.threads;
  executableOptions.trace = trace;
  executableOptions.communicator = communicator.get();
  executableOptions.collectiveTimeoutMs = options.collectiveTimeoutMs;
  executableOptions.skipCollective =
      options.skip.forRank(communicator ? communicator->rank() : 0);
  auto loaded = Executable::load(*artifact, executableOptions);
  if (!loaded.isOk())
    return tool.fail(loaded.status().message());
  executable = std::move(*loaded);
  const Plan &plan = executable->plan();
  // A per-device program takes the global tensors the user sees; each
  // rank keeps its block.
  int64_t rank = communicator ? communicator->rank() : 0;
  auto shapeOf = [&](const TensorSpec &spec) {
    return plan.mesh.empty() ? spec.shape : userShape(spec, plan.mesh);
  };
  auto toShard = [&](size_t i, HostArray array) {
    if (plan.mesh.empty() || plan.inputs[i].sharding.empty())
      return array;
    return shardOf(array, plan.inputs[i], plan.mesh, rank);
  };

  std::map<std::string, size_t> index;
  for (size_t i = 0; i < plan.inputs.size(); ++i)
    index[plan.inputs[i].name] = i;
  std::vector<bool> bound(plan.inputs.size(), false);
  values.assign(plan.inputs.size(), HostArray());
  auto bind = [&](size_t i, HostArray array, const std::string &source) -> int {
    const TensorSpec &spec = plan.inputs[i];
    std::vector<int64_t> shape = shapeOf(spec);
    if (array.dtype != spec.dtype || array.shape != shape)
      return tool.fail(source + " holds " + describeTensor(array.dtype, array.shape) +
                       ", but input '" + spec.name + "' is " +
                       describeTensor(spec.dtype, shape));
    values[i] = toShard(i, std::move(array));
    bound[i] = true;
    return 0;
  };
  for (const std::string &text : options.inputs) {
    size_t eq = text.find('=');
    std::string name = text.substr(0, eq);
    std::string path = eq == std::string::npos ? "" : text.substr(eq + 1);
    if (!path.empty() && path[0] == '@')
      path = path.substr(1);
    if (name.empty() || path.empty())
      return tool.fail("--input '" + text + "': expected NAME=@FILE.npy");
    auto it = index.find(name);
    if (it == index.end()) {
      std::string names;
      for (const TensorSpec &spec : plan.inputs)
        names += " " + spec.name;
      return tool.fail("--input '" + name +
                       "': the program has no input of that name; its inputs "
                       "are:" + names);
    }
    if (bound[it->second])
      return tool.fail("--input '" + name + "' is given twice");
    StatusOr<HostArray> array = readNpy(path);
    if (!array.isOk())
      return tool.fail(array.status().message());
    if (int rc = bind(it->second, std::move(*array), "--input '" + name + "': " + path))
      return rc;
    readPaths.push_back(path);
  }
  if (!options.weights.empty()) {
    StatusOr<SafetensorsFile> file = readSafetensors(options.weights);
    if (!file.isOk())
      return tool.fail(file.status().message());
    // Every parameter and buffer the user did not give as --input.
    std::map<std::string, TensorType> expected;
    for (size_t i = 0; i < plan.inputs.size(); ++i) {
      const TensorSpec &spec = plan.inputs[i];
      if (!bound[i] && (spec.role == "parameter" || spec.role == "buffer"))
        expected[spec.name] = {spec.dtype, shapeOf(spec)};
    }
    Status match = checkTensorsMatch(expected, file->tensors, options.weights);
    if (!match)
      return tool.fail(match.message());
    for (auto &[name, array] : file->tensors)
      if (int rc = bind(index[name], std::move(array), options.weights))
        return rc;
    readPaths.push_back(options.weights);
  }
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    if (bound[i])
      continue;
    // Drawn whole, as the evaluator draws the global tensor, then cut.
    TensorSpec global = plan.inputs[i];
    global.shape = shapeOf(global);
    values[i] = toShard(i, randomInput(global, static_cast<unsigned>(i),
                                       options.seed));
    if (!options.quiet && rank == 0)
      tool.note("no --input for '" + plan.inputs[i].name + "' (" +
                describeTensor(plan.inputs[i].dtype, global.shape) +
                "): using random values (seed " + std::to_string(options.seed) +
                ")");
  }
  return 0;
}

/// .npy has no bf16: bf16 outputs are written as f32 (exactly), as
/// `tcc eval` writes them.
HostArray npyCompatible(const HostArray &array) {
  if (array.dtype != DType::BF16)
    return array;
  HostArray wide;
  wide.dtype = DType::F32;
  wide.shape = array.shape;
  wide.bytes.assign(array.bytes.size() * 2, 0);
  for (int64_t i = 0, n = array.numElements(); i < n; ++i)
    setElement(wide, i, getElement(array, i));
  return wide;
}

/// Replaces each rank's output blocks by the global outputs (on every
/// rank): every rank's bytes are gathered, then joined by the sharding.
Status joinOutputs(Communicator &communicator, const Plan &plan,
                   std::vector<HostArray> &outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorSpec &spec = plan.outputs[i];
    if (spec.sharding.empty())
      continue;
    size_t bytes = outputs[i].bytes.size();
    std::vector<uint8_t> all(bytes * size_t(communicator.size()));
    Status gathered = communicator.allGather(outputs[i].bytes.data(),
                                             all.data(), bytes, DType::U8);
    if (!gathered)
      return gathered.withContext("joining output '" + spec.name + "'");
    std::vector<HostArray> shards(size_t(communicator.size()), outputs[i]);
    for (size_t r = 0; r < shards.size(); ++r)
      std::memcpy(shards[r].bytes.data(), all.data() + r * bytes, bytes);
    outputs[i] = joinShards(shards, spec, plan.mesh);
  }
  return Status::ok();
}

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  size_t n = samples.size();
  return n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
}

} // namespace

int tcc::rt::runMain(int argc, char **argv, const char *toolName) {
  // A training run (an artifact of `tcc compile --train`) has its own flags.
  for (int i = 0; i < argc; ++i)
    if (std::strncmp(argv[i], "--steps", 7) == 0)
      return trainMain(argc, argv, toolName);
  Tool tool(toolName);
  Options options;
  if (int rc = parseOptions(tool, argc, argv, /*bench=*/false, options))
    return rc;
  std::unique_ptr<Communicator> communicator;
  std::unique_ptr<Executable> executable;
  std::vector<HostArray> values;
  std::vector<std::string> readPaths;
  if (int rc = prepare(tool, options, !options.trace.empty(), communicator,
                       executable, values, readPaths))
    return rc;
  const Plan &plan = executable->plan();
  // Of a per-device program's ranks, rank 0 reports the joined outputs.
  bool reports = plan.mesh.empty() || !communicator || communicator->rank() == 0;

  // Check where outputs go before running anything.
  std::vector<std::string> outputPaths;
  if (!options.outputDir.empty()) {
    Status made = makeDirectories(options.outputDir);
    if (!made)
      return tool.fail(made.message());
    std::map<std::string, std::string> owner;
    for (const TensorSpec &spec : plan.outputs) {
      std::string path = options.outputDir + "/" + fileNameFor(spec.name);
      auto [it, inserted] = owner.emplace(path, spec.name);
      if (!inserted)
        return tool.fail("outputs '" + it->second + "' and '" + spec.name +
                         "' would both be written to " + path);
      for (const std::string &input : readPaths)
        if (sameFile(input, path))
          return tool.fail("refusing to overwrite input file '" + input +
                           "' with output '" + spec.name + "'");
      outputPaths.push_back(path);
    }
  }

  std::vector<const HostArray *> inputs;
  for (const HostArray &value : values)
    inputs.push_back(&value);
  std::vector<HostArray> outputs;
  std::vector<double> latencies;
  for (int64_t r = 0; r < options.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    Status ran = executable->run(inputs, outputs);
    if (!ran)
      return tool.fail(options.model + ": " + ran.message());
    latencies.push_back(std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count());
  }
  if (!plan.mesh.empty())
    if (Status joined = joinOutputs(*communicator, plan, outputs); !joined)
      return tool.fail(options.model + ": " + joined.message());
  for (size_t i = 0; i < outputs.size() && reports; ++i) {
    printArray(plan.outputs[i].name, outputs[i]);
    if (!outputPaths.empty()) {
      Status written = writeNpy(outputPaths[i], npyCompatible(outputs[i]));
      if (!written)
        return tool.fail(written.message());
    }
  }
  if (options.repeat > 1 && reports)
    std::printf("median latency %.3f ms over %lld runs (%u threads)\n",
                median(latencies), static_cast<long long>(options.repeat),
                executable->threads());
  if (!options.quiet && reports)
    tool.note("ran on " + executable->device() +
              (plan.mesh.empty() ? std::string()
                                 : " x " + std::to_string(plan.mesh.numDevices()) +
                                       " ranks (" + plan.mesh.describe() + ")") +
              "; peak memory " +
              std::to_string(executable->peakBytes()) +
              " bytes (measured by the runtime)");
  if (!options.trace.empty()) {
    Status written = writeChromeTrace(options.trace, executable->trace());
    if (!written)
      return tool.fail(written.message());
  }
  return 0;
}

int tcc::rt::benchMain(int argc, char **argv, const char *toolName) {
  Tool tool(toolName);
  Options options;
  options.repeat = 20;
  options.quiet = true;
  if (int rc = parseOptions(tool, argc, argv, /*bench=*/true, options))
    return rc;
  std::unique_ptr<Executable> executable;
  std::vector<HostArray> values;
  std::vector<std::string> readPaths;
  std::unique_ptr<Communicator> communicator;
  if (int rc = prepare(tool, options, false, communicator, executable, values,
                       readPaths))
    return rc;
  const Plan &plan = executable->plan();
  std::vector<const HostArray *> inputs;
  int64_t bytes = 0;
  for (const HostArray &value : values) {
    inputs.push_back(&value);
    bytes += static_cast<int64_t>(value.bytes.size());
  }
  for (const TensorSpec &spec : plan.outputs)
    bytes += spec.byteSize();
  std::vector<HostArray> outputs;
  std::vector<double> samples, computeSamples;
  for (int64_t r = 0; r < options.warmup + options.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    Status ran = executable->run(inputs, outputs);
    if (!ran)
      return tool.fail(options.model + ": " + ran.message());
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    if (r >= options.warmup) {
      samples.push_back(ms);
      computeSamples.push_back(executable->lastComputeMicros() * 1e-3);
    }
  }
  bool gpu = executable->device() != "cpu";
  std::printf("%s: %lld runs on %s\n", options.model.c_str(),
              static_cast<long long>(options.repeat),
              gpu ? executable->device().c_str()
                  : (std::to_string(executable->threads()) + " threads").c_str());
  std::printf("  latency  median %.4f ms  min %.4f ms  max %.4f ms%s\n",
              median(samples), *std::min_element(samples.begin(), samples.end()),
              *std::max_element(samples.begin(), samples.end()),
              gpu ? " (with host<->device copies)" : "");
  // On a GPU the figures below are the device's time for the commands,
  // without the copies of inputs and outputs.
  if (gpu)
    std::printf("  device   median %.4f ms  min %.4f ms  max %.4f ms\n",
                median(computeSamples),
                *std::min_element(computeSamples.begin(), computeSamples.end()),
                *std::max_element(computeSamples.begin(), computeSamples.end()));
  double med = gpu ? median(computeSamples) : median(samples);
  std::printf("  inputs + outputs %lld bytes: %.2f GB/s at the median\n",
              static_cast<long long>(bytes), bytes / (med * 1e-3) / 1e9);
  // Without --flops, the plan's matmuls: 2 m n k per product.
  double flops = options.flops;
  const char *what = "given";
  if (flops == 0) {
    what = "of the matmuls";
    for (const Command &command : plan.commands) {
      if (command.kind != Command::Kind::Matmul)
        continue;
      const MatmulCommand &mm = command.matmul;
      double products = 1;
      for (int64_t b : mm.batch)
        products *= double(b);
      flops += 2.0 * double(mm.m) * double(mm.n) * double(mm.k) * products;
    }
  }
  if (flops > 0)
    std::printf("  %.4g FLOP (%s): %.2f GFLOP/s at the median\n", flops, what,
                flops / (med * 1e-3) / 1e9);
  if (std::any_of(plan.commands.begin(), plan.commands.end(),
                  [](const Command &c) { return c.kind == Command::Kind::Matmul; }))
    std::printf("  %s GEMMs on %s\n", gpu ? "all" : "f32",
                executable->gemmLibrary().c_str());
  std::printf("  peak memory %lld bytes\n",
              static_cast<long long>(executable->peakBytes()));
  return 0;
}
