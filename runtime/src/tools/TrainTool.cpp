//===- TrainTool.cpp - `tcc run` on a training artifact -------------------===//
//
// tcc run train.tccm --weights init.safetensors --data data.npz --steps N
//     [--lr X] [--lr-schedule constant|warmup-cosine --warmup-steps W
//      --total-steps T] [--batch-seed S] [--save out.safetensors
//      [--checkpoint-every K]] [--save-sharded DIR]
//     [--resume ckpt.safetensors|DIR] [--threads N] [--overlap-collectives]
//
// Parameters, buffers and optimizer state stay in host arrays between
// steps: each step's outputs become the next step's inputs by name. The
// data's leading dimension is cut into batches of the compiled size, taken
// in order or, with --batch-seed, in a shuffled order per epoch; the batch
// order and the dropout seed are functions of (batch seed, step), so a run
// resumed from a checkpoint (which records both) continues bit for bit.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/RunTool.h"

#include "Flags.h"
#include "JobCommunicator.h"
#include "SameFile.h"
#include "ShardedCheckpoint.h"
#include "Shards.h"

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Crc32c.h"
#include "tcc/runtime/Executable.h"
#include "tcc/runtime/Json.h"
#include "tcc/runtime/Npz.h"
#include "tcc/runtime/Safetensors.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using namespace tcc::rt;

namespace {

struct TrainOptions {
  std::string model, weights, data, save, saveFull, saveSharded, resume;
  int64_t steps = 0, checkpointEvery = 0, warmupSteps = 0, totalSteps = 0;
  std::optional<double> lr;
  std::string schedule = "constant";
  uint64_t batchSeed = 0;
  bool batchSeedGiven = false;
  unsigned threads = 0;
  bool quiet = false;
  bool overlapCollectives = false;
  uint64_t collectiveTimeoutMs = 60000;
  SkippedCollective skip;
};

int fail(const char *tool, const std::string &message) {
  std::fprintf(stderr, "%s: error: %s\n", tool, message.c_str());
  return 1;
}

bool parseInteger(const char *text, int64_t low, int64_t high, int64_t &out) {
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(text, &end, 10);
  if (!*text || *end || errno || v < low || v > high)
    return false;
  out = v;
  return true;
}

int parseTrainOptions(const char *tool, int argc, char **argv,
                      TrainOptions &o) {
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *flag) {
      return flagValue(argc, argv, i, flag);
    };
    int64_t number = 0;
    auto integer = [&](const char *flag, const char *v, int64_t low,
                       int64_t high, int64_t &target) {
      if (!parseInteger(v, low, high, number))
        return fail(tool, std::string(flag) + ": '" + v +
                              "' is not an integer in [" +
                              std::to_string(low) + ", " +
                              std::to_string(high) + "]");
      target = number;
      return 0;
    };
    if (const char *v = value("--weights"))
      o.weights = v;
    else if (const char *v = value("--data"))
      o.data = v;
    else if (const char *v = value("--save"))
      o.save = v;
    else if (const char *v = value("--save-full"))
      o.saveFull = v;
    else if (const char *v = value("--save-sharded"))
      o.saveSharded = v;
    else if (const char *v = value("--resume"))
      o.resume = v;
    else if (const char *v = value("--steps")) {
      if (int rc = integer("--steps", v, 1, int64_t(1) << 40, o.steps))
        return rc;
    } else if (const char *v = value("--checkpoint-every")) {
      if (int rc = integer("--checkpoint-every", v, 1, int64_t(1) << 40,
                           o.checkpointEvery))
        return rc;
    } else if (const char *v = value("--warmup-steps")) {
      if (int rc = integer("--warmup-steps", v, 0, int64_t(1) << 40,
                           o.warmupSteps))
        return rc;
    } else if (const char *v = value("--total-steps")) {
      if (int rc = integer("--total-steps", v, 1, int64_t(1) << 40,
                           o.totalSteps))
        return rc;
    } else if (const char *v = value("--batch-seed")) {
      int64_t seed = 0;
      if (int rc = integer("--batch-seed", v, 0, INT64_MAX, seed))
        return rc;
      o.batchSeed = static_cast<uint64_t>(seed);
      o.batchSeedGiven = true;
    } else if (const char *v = value("--fault-skip-collective")) {
      if (!o.skip.parse(v))
        return fail(tool, std::string("--fault-skip-collective: '") + v +
                              "' is not RANK:CALL");
    } else if (const char *v = value("--collective-timeout-ms")) {
      int64_t ms = 0;
      if (int rc = integer("--collective-timeout-ms", v, 1, INT64_MAX, ms))
        return rc;
      o.collectiveTimeoutMs = static_cast<uint64_t>(ms);
    } else if (const char *v = value("--threads")) {
      int64_t threads = 0;
      if (int rc = integer("--threads", v, 1, 1024, threads))
        return rc;
      o.threads = static_cast<unsigned>(threads);
    } else if (const char *v = value("--lr")) {
      char *end = nullptr;
      double lr = std::strtod(v, &end);
      if (*end || !(lr >= 0) || !std::isfinite(lr))
        return fail(tool, std::string("--lr: '") + v +
                              "' is not a non-negative number");
      o.lr = lr;
    } else if (const char *v = value("--lr-schedule")) {
      o.schedule = v;
      if (o.schedule != "constant" && o.schedule != "warmup-cosine")
        return fail(tool, "--lr-schedule: '" + o.schedule +
                              "' is not constant or warmup-cosine");
    } else if (arg == "--quiet") {
      o.quiet = true;
    } else if (arg == "--overlap-collectives") {
      o.overlapCollectives = true;
    } else if (!arg.empty() && arg[0] != '-' && o.model.empty()) {
      o.model = arg;
    } else {
      return fail(tool, "unexpected argument '" + arg +
                            "' for a training run (see docs/training.md)");
    }
  }
  if (o.model.empty())
    return fail(tool, "no artifact given");
  if (o.steps == 0)
    return fail(tool, "a training run needs --steps N");
  if (o.data.empty())
    return fail(tool, "a training run needs --data FILE.npz");
  if (o.weights.empty() && o.resume.empty())
    return fail(tool, "a training run needs --weights FILE.safetensors (the "
                      "initial parameters) or --resume CHECKPOINT");
  if (o.checkpointEvery && o.save.empty() && o.saveSharded.empty())
    return fail(tool, "--checkpoint-every needs --save FILE or --save-sharded "
                      "DIR");
  // Outputs never overwrite what the run reads; a checkpoint may replace
  // the one it resumes from (it is written whole, then renamed).
  struct Named {
    const char *flag;
    const std::string *path;
  };
  for (Named out : {Named{"--save", &o.save}, Named{"--save-full", &o.saveFull},
                    Named{"--save-sharded", &o.saveSharded}})
    for (Named in : {Named{"the artifact", &o.model},
                     Named{"--weights", &o.weights}, Named{"--data", &o.data},
                     Named{"--resume", &o.resume}, Named{"--save", &o.save},
                     Named{"--save-full", &o.saveFull}}) {
      // --save may replace the checkpoint it resumes from; a clash of
      // --save and --save-full is reported once, as --save-full's.
      bool allowed = out.path == in.path ||
                     (out.path == &o.save &&
                      (in.path == &o.resume || in.path == &o.saveFull));
      if (!allowed && !out.path->empty() && !in.path->empty() &&
          sameFile(*out.path, *in.path))
        return fail(tool, std::string("refusing to write ") + out.flag + " '" +
                              *out.path + "' over " + in.flag + " '" +
                              *in.path + "'");
    }
  return 0;
}

/// A seed for step `step` of a run seeded with `seed` (splitmix64), so that
/// dropout masks depend on nothing but the two.
uint64_t mix(uint64_t seed, uint64_t step) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (step + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (z ^ (z >> 31)) >> 1; // non-negative as i64
}

/// Batch index of `step`: in order, or a fresh permutation per epoch.
int64_t batchFor(int64_t step, int64_t batches, uint64_t seed) {
  int64_t epoch = step / batches, within = step % batches;
  if (seed == 0)
    return within;
  std::vector<int64_t> order(batches);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(mix(seed, static_cast<uint64_t>(epoch)));
  for (int64_t i = batches - 1; i > 0; --i)
    std::swap(order[i], order[rng() % (i + 1)]);
  return order[within];
}

double learningRate(const TrainOptions &o, double base, int64_t step,
                    int64_t total) {
  if (o.schedule == "constant")
    return base;
  if (step < o.warmupSteps)
    return base * double(step + 1) / double(o.warmupSteps);
  double progress = double(step - o.warmupSteps) /
                    double(std::max<int64_t>(1, total - o.warmupSteps));
  progress = std::min(progress, 1.0);
  return base * 0.5 * (1.0 + std::cos(M_PI * progress));
}

/// Whether `spec` is split over the mesh (a batch, a ZeRO shard, a tp
/// slice).
bool isSharded(const TensorSpec &spec) {
  for (const std::vector<std::string> &axes : spec.sharding)
    if (!axes.empty())
      return true;
  return false;
}

/// Compares a checksum of every replicated parameter and optimizer state
/// tensor across the ranks of a data-parallel run: replicas that applied
/// the same averaged gradients hold the same bits. (Buffers, BatchNorm's
/// running statistics, are per device by design; so are the shards of
/// ZeRO and the slices of tensor parallelism.)
int checkReplicasAgree(const char *tool, Communicator &communicator,
                       const Plan &plan, const std::vector<HostArray> &values) {
  std::vector<uint32_t> mine;
  std::vector<std::string> names;
  bool anySharded = false;
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const std::string &role = plan.inputs[i].role;
    if (role != "parameter" && role != "optimizer_state")
      continue;
    if (isSharded(plan.inputs[i])) {
      anySharded = true;
      continue;
    }
    mine.push_back(crc32c(values[i].bytes.data(), values[i].bytes.size()));
    names.push_back(plan.inputs[i].name);
  }
  size_t size = size_t(communicator.size());
  std::vector<uint32_t> all(mine.size() * size);
  Status gathered = communicator.allGather(mine.data(), all.data(),
                                           mine.size() * 4, DType::U8);
  if (!gathered)
    return fail(tool, "comparing the replicas: " + gathered.message());
  for (size_t t = 0; t < mine.size(); ++t)
    for (size_t r = 1; r < size; ++r)
      if (all[r * mine.size() + t] != all[t])
        return fail(tool, "the replicas differ: '" + names[t] + "' on rank " +
                              std::to_string(r) + " is not rank 0's");
  if (communicator.rank() == 0)
    std::fprintf(stderr, "%s: note: %s identical on all %zu ranks\n", tool,
                 anySharded ? "replicated parameters and optimizer state"
                            : "parameters and optimizer state",
                 size);
  return 0;
}

/// The whole tensor of `spec` from every rank's shard (`mine` is this
/// rank's), on every rank.
StatusOr<HostArray> gatherShards(Communicator &communicator,
                                 const TensorSpec &spec, const MeshSpec &mesh,
                                 const HostArray &mine) {
  size_t size = size_t(communicator.size());
  std::vector<uint8_t> all(mine.bytes.size() * size);
  Status gathered = communicator.allGather(mine.bytes.data(), all.data(),
                                           mine.bytes.size(), DType::U8);
  if (!gathered)
    return gathered.withContext("gathering the shards of '" + spec.name + "'");
  std::vector<HostArray> shards(size, mine);
  for (size_t r = 0; r < size; ++r)
    std::memcpy(shards[r].bytes.data(), all.data() + r * mine.bytes.size(),
                mine.bytes.size());
  return joinShards(shards, spec, mesh);
}

HostArray scalar(DType dtype, double value) {
  HostArray a;
  a.dtype = dtype;
  a.bytes.assign(dtypeSize(dtype), 0);
  setElement(a, 0, value);
  return a;
}

} // namespace

int tcc::rt::trainMain(int argc, char **argv, const char *tool) {
  TrainOptions o;
  if (int rc = parseTrainOptions(tool, argc, argv, o))
    return rc;
  StatusOr<Artifact> artifact = readArtifact(o.model);
  if (!artifact)
    return fail(tool, artifact.status().message());
  std::optional<ByteSpan> section =
      artifact->findSection(SectionKind::Metadata, "training");
  if (!section)
    return fail(tool, o.model + " is not a training artifact (compile it "
                                "with tcc compile --train)");
  StatusOr<JsonValue> training = parseJson(section->text());
  if (!training)
    return fail(tool, o.model + ": training metadata: " +
                          training.status().message());
  double baseLr = 1e-3;
  if (const JsonValue *lr = training->find("lr"))
    baseLr = std::strtod(lr->text().c_str(), nullptr);
  if (o.lr)
    baseLr = *o.lr;

  // State: a checkpoint (everything), or initial weights (parameters and
  // buffers) with the optimizer's slots at zero.
  std::string stateSource = o.resume.empty() ? o.weights : o.resume;
  // A sharded checkpoint (--save-sharded) is a folder: each rank reads the
  // blocks it needs after the program is loaded.
  std::unique_ptr<ShardedCheckpoint> sharded;
  StatusOr<SafetensorsFile> stateFile = SafetensorsFile();
  std::map<std::string, std::string> checkpointMetadata;
  if (!o.resume.empty() && isShardedCheckpoint(o.resume)) {
    StatusOr<std::unique_ptr<ShardedCheckpoint>> opened =
        ShardedCheckpoint::open(o.resume);
    if (!opened)
      return fail(tool, opened.status().message());
    sharded = std::move(*opened);
    checkpointMetadata = sharded->metadata();
  } else {
    stateFile = readSafetensors(stateSource);
    if (!stateFile)
      return fail(tool, stateFile.status().message());
    checkpointMetadata = stateFile->metadata;
  }

  // A data-parallel step runs one process per device (mpirun).
  StatusOr<std::unique_ptr<Communicator>> job =
      jobCommunicator(o.collectiveTimeoutMs);
  if (!job)
    return fail(tool, job.status().message());
  std::unique_ptr<Communicator> communicator = std::move(*job);

  ExecutableOptions executableOptions;
  executableOptions.threads = o.threads;
  executableOptions.communicator = communicator.get();
  executableOptions.collectiveTimeoutMs = o.collectiveTimeoutMs;
  executableOptions.overlapCollectives = o.overlapCollectives;
  executableOptions.skipCollective =
      o.skip.forRank(communicator ? communicator->rank() : 0);
  // A resumed run multiplies with the library the checkpointed run used:
  // the two round differently.
  if (!o.resume.empty() && checkpointMetadata.count("gemm"))
    executableOptions.gemm = checkpointMetadata["gemm"];
  auto loaded = Executable::load(*artifact, executableOptions);
  if (!loaded)
    return fail(tool, loaded.status().message());
  std::unique_ptr<Executable> executable = std::move(*loaded);
  const Plan &plan = executable->plan();

  int64_t rank = communicator ? communicator->rank() : 0;
  std::map<std::string, size_t> inputIndex;
  for (size_t i = 0; i < plan.inputs.size(); ++i)
    inputIndex[plan.inputs[i].name] = i;
  std::vector<HostArray> values(plan.inputs.size());
  std::vector<bool> bound(plan.inputs.size(), false);
  auto bind = [&](const std::string &name, HostArray array,
                  const std::string &source) -> int {
    auto it = inputIndex.find(name);
    if (it == inputIndex.end())
      return 0; // the checks below name what is missing
    const TensorSpec &spec = plan.inputs[it->second];
    // A sharded tensor (ZeRO, tp) is stored whole; this rank takes its
    // block.
    std::vector<int64_t> whole = userShape(spec, plan.mesh);
    if (array.dtype != spec.dtype || array.shape != whole)
      return fail(tool, source + ": '" + name + "' holds " +
                            describeTensor(array.dtype, array.shape) +
                            ", but the program's is " +
                            describeTensor(spec.dtype, whole));
    if (isSharded(spec))
      array = shardOf(array, spec, plan.mesh, rank);
    values[it->second] = std::move(array);
    bound[it->second] = true;
    return 0;
  };

  {
    StatusOr<SafetensorsFile> &file = stateFile;
    std::map<std::string, TensorType> expected;
    for (const TensorSpec &spec : plan.inputs)
      if (spec.role == "parameter" || spec.role == "buffer" ||
          (!o.resume.empty() && spec.role == "optimizer_state"))
        expected[spec.name] = {spec.dtype, userShape(spec, plan.mesh)};
    if (sharded) {
      NamedArrays held;
      for (const auto &[name, type] : sharded->tensors()) {
        HostArray described;
        described.dtype = type.dtype;
        described.shape = type.shape;
        held.emplace_back(name, std::move(described));
      }
      Status match = checkTensorsMatch(expected, held, stateSource);
      if (!match)
        return fail(tool, match.message());
      // This rank's blocks, assembled from the shards that hold them.
      for (size_t i = 0; i < plan.inputs.size(); ++i) {
        if (!expected.count(plan.inputs[i].name))
          continue;
        StatusOr<HostArray> block =
            sharded->block(plan.inputs[i], plan.mesh, rank);
        if (!block)
          return fail(tool, block.status().message());
        values[i] = std::move(*block);
        bound[i] = true;
      }
    } else {
      Status match = checkTensorsMatch(expected, file->tensors, stateSource);
      if (!match)
        return fail(tool, match.message());
      for (auto &[name, array] : file->tensors)
        if (int rc = bind(name, std::move(array), stateSource))
          return rc;
    }
  }
  for (size_t i = 0; i < plan.inputs.size(); ++i)
    if (!bound[i] && plan.inputs[i].role == "optimizer_state") {
      HostArray zeros;
      zeros.dtype = plan.inputs[i].dtype;
      zeros.shape = plan.inputs[i].shape;
      zeros.bytes.assign(plan.inputs[i].byteSize(), 0);
      values[i] = std::move(zeros);
      bound[i] = true;
    }
  if (!o.batchSeedGiven && checkpointMetadata.count("batch_seed"))
    o.batchSeed = std::strtoull(checkpointMetadata["batch_seed"].c_str(),
                                nullptr, 10);

  // A data-parallel step (a plan on a mesh with dp) takes, per step, a
  // global batch of dp times the compiled batch; this rank's rows are its
  // block along dp (its data inputs are sharded over dp on dimension 0).
  int64_t devices = plan.mesh.empty() ? 1 : plan.mesh.numDevices();
  bool reports = rank == 0;
  // Data inputs are split by rows; parameters and optimizer state (ZeRO)
  // along any dimensions.
  for (const TensorSpec &spec : plan.inputs)
    for (size_t d = 0; d < spec.sharding.size(); ++d)
      if (!spec.sharding[d].empty() && spec.role == "input" && d != 0)
        return fail(tool, o.model + ": input '" + spec.name +
                              "' is sharded in a way training runs do not "
                              "take yet (a data input only by rows)");

  // Data: every remaining `input` but lr (and a dropout seed) comes from
  // the archive, its leading dimension cut into batches.
  StatusOr<NamedArrays> data = readNpz(o.data);
  if (!data)
    return fail(tool, data.status().message());
  std::map<std::string, const HostArray *> arrays;
  for (const auto &[name, array] : *data)
    arrays[name] = &array;
  struct DataInput {
    size_t index;
    const HostArray *array;
    int64_t batchBytes; // of a global batch
    int64_t offset;     // of this rank's rows in it
    int64_t rows;       // of a global batch
  };
  std::vector<DataInput> dataInputs;
  std::optional<size_t> lrIndex, seedIndex, stepIndex;
  int64_t batches = -1;
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const TensorSpec &spec = plan.inputs[i];
    if (spec.role == "optimizer_state" && spec.name == "step")
      stepIndex = i;
    if (bound[i] || spec.role != "input")
      continue;
    if (spec.name == "lr") {
      lrIndex = i;
      continue;
    }
    auto it = arrays.find(spec.name);
    if (it == arrays.end()) {
      if (spec.shape.empty() && spec.dtype == DType::I64) {
        seedIndex = i; // the seed of the model's dropout
        continue;
      }
      std::string names;
      for (const auto &[name, _] : arrays)
        names += " " + name;
      return fail(tool, o.data + " has no array '" + spec.name +
                            "' for the input " +
                            describeTensor(spec.dtype, spec.shape) +
                            "; it holds:" + names);
    }
    const HostArray &array = *it->second;
    // The rows of one step: the compiled batch, on every dp block.
    auto [blocks, block] = spec.shape.empty()
                               ? std::pair<int64_t, int64_t>(1, 0)
                               : blockAlong(spec, plan.mesh, rank, 0);
    int64_t rows = spec.shape.empty() ? 0 : spec.shape[0] * blocks;
    bool fits = array.dtype == spec.dtype && !spec.shape.empty() &&
                array.shape.size() == spec.shape.size() &&
                std::equal(array.shape.begin() + 1, array.shape.end(),
                           spec.shape.begin() + 1) &&
                rows > 0 && array.shape[0] % rows == 0 &&
                array.shape[0] > 0;
    std::vector<int64_t> batchShape = spec.shape;
    if (!batchShape.empty())
      batchShape[0] = rows;
    if (!fits)
      return fail(tool, o.data + ": '" + spec.name + "' holds " +
                            describeTensor(array.dtype, array.shape) +
                            "; the program takes batches of " +
                            describeTensor(spec.dtype, batchShape) +
                            (blocks > 1 ? " (" + std::to_string(blocks) +
                                              " devices' batches)"
                                        : std::string()) +
                            ", so it needs a whole number of them stacked "
                            "along the first dimension");
    int64_t count = array.shape[0] / rows;
    if (batches >= 0 && count != batches)
      return fail(tool, o.data + ": the arrays hold different numbers of "
                                 "batches (" + std::to_string(batches) +
                            " and " + std::to_string(count) + " for '" +
                            spec.name + "')");
    batches = count;
    // This rank's block of each global batch, rows [block b, (block + 1) b).
    dataInputs.push_back(
        {i, &array, spec.byteSize() * blocks, spec.byteSize() * block, rows});
    values[i].dtype = spec.dtype;
    values[i].shape = spec.shape;
    values[i].bytes.resize(spec.byteSize());
  }
  if (!lrIndex || !stepIndex || batches < 0)
    return fail(tool, o.model + ": the program lacks the lr, step or data "
                                "inputs of a training step");
  values[*lrIndex] = scalar(plan.inputs[*lrIndex].dtype, baseLr);
  if (seedIndex)
    values[*seedIndex] = scalar(DType::I64, 0);

  // Outputs that feed back, the loss, and (tcc compile --check-numerics)
  // every intermediate value in program order.
  std::vector<std::pair<size_t, size_t>> feedback; // output -> input
  std::optional<size_t> lossIndex;
  const std::string probePrefix = "check-numerics ";
  std::vector<size_t> probes;
  for (size_t j = 0; j < plan.outputs.size(); ++j) {
    const TensorSpec &spec = plan.outputs[j];
    if (spec.name.compare(0, probePrefix.size(), probePrefix) == 0)
      probes.push_back(j);
    if (spec.role == "loss")
      lossIndex = j;
    auto it = inputIndex.find(spec.name);
    if (it != inputIndex.end() && plan.inputs[it->second].role == spec.role)
      feedback.emplace_back(j, it->second);
  }
  if (!lossIndex)
    return fail(tool, o.model + ": the program returns no loss");

  // Every rank calls it (sharded state is gathered); rank 0 writes whole
  // tensors, so a checkpoint loads on any mesh or on one device. A model
  // file (--save-full) holds only the parameters and buffers: a PyTorch
  // state_dict, as FSDP's full state dict is.
  auto saveState = [&](const std::string &path, bool optimizerState,
                       int64_t stepsDone) -> int {
    NamedArrays state;
    for (size_t i = 0; i < plan.inputs.size(); ++i) {
      const TensorSpec &spec = plan.inputs[i];
      if (spec.role != "parameter" && spec.role != "buffer" &&
          !(optimizerState && spec.role == "optimizer_state"))
        continue;
      if (!isSharded(spec)) {
        state.emplace_back(spec.name, values[i]);
        continue;
      }
      StatusOr<HostArray> whole =
          gatherShards(*communicator, spec, plan.mesh, values[i]);
      if (!whole)
        return fail(tool, whole.status().message());
      state.emplace_back(spec.name, std::move(*whole));
    }
    if (!reports)
      return 0;
    if (!optimizerState) {
      Status written = writeSafetensors(path, state, {{"format", "pt"}});
      return written ? 0 : fail(tool, written.message());
    }
    Status written = writeSafetensors(
        path, state,
        {{"format", "pt"},
         {"tcc", "training checkpoint"},
         {"step", std::to_string(stepsDone)},
         {"batch_seed", std::to_string(o.batchSeed)},
         {"gemm", executable->gemmChoice()}});
    return written ? 0 : fail(tool, written.message());
  };

  // --save-sharded: every rank writes its blocks, nothing is gathered.
  auto saveSharded = [&](int64_t stepsDone) -> int {
    std::vector<LocalTensor> state;
    for (size_t i = 0; i < plan.inputs.size(); ++i) {
      const TensorSpec &spec = plan.inputs[i];
      if (spec.role == "parameter" || spec.role == "buffer" ||
          spec.role == "optimizer_state")
        state.push_back({&spec, &values[i]});
    }
    Status written = writeShardedCheckpoint(
        o.saveSharded, *communicator, plan.mesh, state,
        {{"tcc", "training checkpoint"},
         {"step", std::to_string(stepsDone)},
         {"batch_seed", std::to_string(o.batchSeed)},
         {"gemm", executable->gemmChoice()}});
    return written ? 0 : fail(tool, written.message());
  };

  // The iteration to continue from: a checkpoint's own count (with f16
  // loss scaling, `step` counts only the updates not skipped), else the
  // optimizer's step.
  int64_t start = 0;
  std::memcpy(&start, values[*stepIndex].bytes.data(), sizeof(int64_t));
  if (!o.resume.empty() && checkpointMetadata.count("step"))
    start = std::strtoll(checkpointMetadata["step"].c_str(), nullptr, 10);
  // A loss-scaled step (tcc compile --precision=f16) skips its update when
  // the gradients overflow; the step count then stays.
  std::optional<size_t> stepOutput;
  for (auto [out, in] : feedback)
    if (in == *stepIndex)
      stepOutput = out;
  bool lossScaled = inputIndex.count("loss_scale") > 0;
  int64_t total = o.totalSteps ? o.totalSteps : start + o.steps;
  bool terminal = isatty(fileno(stderr)) && !o.quiet && reports;
  std::vector<const HostArray *> inputs;
  for (const HostArray &value : values)
    inputs.push_back(&value);
  std::vector<HostArray> outputs;
  auto began = std::chrono::steady_clock::now();
  auto lastDraw = began;
  int64_t samples = dataInputs.empty() ? 0 : dataInputs[0].rows;
  double firstLoss = 0, lastLoss = 0;
  int64_t skippedSteps = 0;
  for (int64_t s = start; s < start + o.steps; ++s) {
    int64_t batch = batchFor(s, batches, o.batchSeed);
    for (const DataInput &d : dataInputs)
      std::memcpy(values[d.index].bytes.data(),
                  d.array->bytes.data() + batch * d.batchBytes + d.offset,
                  values[d.index].bytes.size());
    setElement(values[*lrIndex], 0, learningRate(o, baseLr, s, total));
    if (seedIndex)
      setElement(values[*seedIndex], 0,
                 static_cast<double>(mix(o.batchSeed ^ 0x5eed, s) >> 11));
    Status ran = executable->run(inputs, outputs);
    if (!ran)
      return fail(tool, o.model + ": step " + std::to_string(s) + ": " +
                            ran.message());
    for (size_t j : probes) {
      const HostArray &value = outputs[j];
      for (int64_t e = 0, n = value.numElements(); e < n; ++e) {
        double v = getElement(value, e);
        if (std::isfinite(v))
          continue;
        const std::string &name = plan.outputs[j].name;
        return fail(tool, "step " + std::to_string(s + 1) + ": " +
                              name.substr(name.find(": ") + 2) +
                              " produced " + (std::isnan(v) ? "NaN" : "inf") +
                              " (element " + std::to_string(e) +
                              "), the first non-finite value of the step");
      }
    }
    double loss = getElement(outputs[*lossIndex], 0);
    if (s == start)
      firstLoss = loss;
    lastLoss = loss;
    bool skipped = lossScaled && stepOutput &&
                   getElement(outputs[*stepOutput], 0) ==
                       getElement(values[*stepIndex], 0);
    if (skipped)
      ++skippedSteps;
    for (auto [out, in] : feedback)
      std::swap(values[in], outputs[out]);
    int64_t done = s + 1;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
            .count();
    double rate = double(done - start) / std::max(seconds, 1e-9);
    if (terminal) {
      auto now = std::chrono::steady_clock::now();
      if (now - lastDraw > std::chrono::milliseconds(100) ||
          done == start + o.steps) {
        std::fprintf(
            stderr,
            "\rstep %lld/%lld  loss %.6f  %.1f steps/s  %.0f samples/s   ",
            (long long)done, (long long)(start + o.steps), loss, rate,
            rate * double(samples));
        lastDraw = now;
      }
    } else if (!o.quiet && reports) {
      std::fprintf(stderr, "step %lld loss %.9g (%.1f steps/s)%s\n",
                   (long long)done, loss, rate,
                   skipped ? " skipped: the gradients overflowed, loss "
                             "scale lowered"
                           : "");
    }
    if (o.checkpointEvery && done % o.checkpointEvery == 0 &&
        done != start + o.steps) {
      if (!o.save.empty())
        if (int rc = saveState(o.save, /*optimizerState=*/true, done))
          return rc;
      if (!o.saveSharded.empty())
        if (int rc = saveSharded(done))
          return rc;
    }
    if (!std::isfinite(loss) && !skipped)
      return fail(tool, "step " + std::to_string(done) + ": the loss is " +
                            std::to_string(loss) + "; stopping");
  }
  if (terminal)
    std::fprintf(stderr, "\n");
  // Replicas must not drift apart: every rank's state, bit for bit.
  if (communicator && devices > 1)
    if (int rc = checkReplicasAgree(tool, *communicator, plan, values))
      return rc;
  if (!o.save.empty())
    if (int rc = saveState(o.save, /*optimizerState=*/true, start + o.steps))
      return rc;
  if (!o.saveSharded.empty())
    if (int rc = saveSharded(start + o.steps))
      return rc;
  if (!o.saveFull.empty())
    if (int rc = saveState(o.saveFull, /*optimizerState=*/false,
                           start + o.steps))
      return rc;
  // What a rank holds: its parameters and optimizer state between steps
  // (ZeRO's shards), and the step's working memory (the arena: gradients,
  // activations, gathered parameters), each the most of any rank.
  int64_t memory[3] = {0, 0, executable->peakBytes()};
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    if (plan.inputs[i].role == "parameter")
      memory[0] += int64_t(values[i].bytes.size());
    if (plan.inputs[i].role == "optimizer_state")
      memory[1] += int64_t(values[i].bytes.size());
  }
  if (communicator && devices > 1) {
    std::vector<int64_t> all(3 * size_t(communicator->size()));
    Status gathered =
        communicator->allGather(memory, all.data(), 3, DType::I64);
    if (!gathered)
      return fail(tool, "comparing the ranks' memory: " + gathered.message());
    for (size_t r = 0; r < all.size(); ++r)
      memory[r % 3] = std::max(memory[r % 3], all[r]);
  }
  if (!reports)
    return 0;
  std::printf("trained steps %lld..%lld: loss %.6f -> %.6f\n",
              (long long)start + 1, (long long)(start + o.steps), firstLoss,
              lastLoss);
  if (lossScaled)
    std::printf("skipped %lld of %lld steps (gradients overflowed in f16); "
                "loss scale now %g\n",
                (long long)skippedSteps, (long long)o.steps,
                getElement(values[inputIndex["loss_scale"]], 0));
  if (!o.quiet) {
    const char *perRank = devices > 1 ? " per rank (the most of any rank)" : "";
    std::fprintf(stderr, "%s: note: peak memory %lld bytes%s (measured by "
                         "the host driver)\n",
                 tool, static_cast<long long>(memory[2]), perRank);
    std::fprintf(stderr, "%s: note: held between steps%s: parameters %lld "
                         "bytes, optimizer state %lld bytes\n",
                 tool, perRank, static_cast<long long>(memory[0]),
                 static_cast<long long>(memory[1]));
  }
  return 0;
}
