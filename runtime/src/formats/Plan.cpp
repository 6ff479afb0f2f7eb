//===- Plan.cpp - reading and writing execution plans ---------------------===//

#include "tcc/runtime/Plan.h"

#include "tcc/runtime/Json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

using namespace tcc::rt;

int64_t TensorSpec::numElements() const {
  return checkedNumElements(shape).value_or(-1);
}

int64_t TensorSpec::byteSize() const {
  int64_t n = numElements();
  return n < 0 ? -1 : n * static_cast<int64_t>(dtypeSize(dtype));
}

namespace {

JsonValue intArray(const std::vector<int64_t> &values) {
  JsonValue array = JsonValue::array();
  for (int64_t v : values)
    array.append(JsonValue::integer(v));
  return array;
}

JsonValue refJson(const BufferRef &ref) {
  JsonValue object = JsonValue::object();
  const char *kind = ref.kind == BufferRef::Kind::Input    ? "input"
                     : ref.kind == BufferRef::Kind::Output ? "output"
                                                           : "buffer";
  object.append(kind, JsonValue::integer(ref.index));
  return object;
}

JsonValue stringArray(const std::vector<std::string> &values) {
  JsonValue array = JsonValue::array();
  for (const std::string &v : values)
    array.append(JsonValue::string(v));
  return array;
}

JsonValue specJson(const TensorSpec &spec) {
  JsonValue object = JsonValue::object();
  object.append("name", JsonValue::string(spec.name));
  object.append("role", JsonValue::string(spec.role));
  object.append("dtype", JsonValue::string(dtypeName(spec.dtype)));
  object.append("shape", intArray(spec.shape));
  if (!spec.sharding.empty()) {
    JsonValue dims = JsonValue::array();
    for (const std::vector<std::string> &axes : spec.sharding)
      dims.append(stringArray(axes));
    object.append("sharding", std::move(dims));
  }
  if (!spec.userShape.empty())
    object.append("user_shape", intArray(spec.userShape));
  return object;
}

const char *randomKindName(RandomInit::Kind kind) {
  switch (kind) {
  case RandomInit::Kind::Normal:
    return "normal";
  case RandomInit::Kind::Integer:
    return "integer";
  case RandomInit::Kind::Zeros:
    return "zeros";
  case RandomInit::Kind::Ones:
    return "ones";
  }
  return "normal";
}

JsonValue randomJson(const RandomInit &init) {
  JsonValue object = JsonValue::object();
  object.append("kind", JsonValue::string(randomKindName(init.kind)));
  char scale[32];
  std::snprintf(scale, sizeof(scale), "%.17g", init.scale);
  object.append("scale", JsonValue::numberLiteral(scale));
  object.append("bound", JsonValue::integer(init.bound));
  return object;
}

/// Field access with errors naming the path of the field.
class Reader {
public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  Status error(const std::string &what) const {
    return Status::error("plan: " + path_ + ": " + what);
  }

  StatusOr<const JsonValue *> field(const JsonValue &object,
                                    const std::string &key,
                                    JsonValue::Kind kind) const {
    if (!object.isObject())
      return error("is not an object");
    const JsonValue *value = object.find(key);
    if (!value)
      return Reader(path_ + "." + key).error("is missing");
    if (value->kind() != kind)
      return Reader(path_ + "." + key)
          .error(std::string("is ") + JsonValue::describe(value->kind()) +
                 ", expected " + JsonValue::describe(kind));
    return value;
  }

  StatusOr<int64_t> integer(const JsonValue &object, const std::string &key,
                            int64_t min = 0,
                            int64_t max = std::numeric_limits<int64_t>::max()) const {
    auto value = field(object, key, JsonValue::Kind::Number);
    if (!value.isOk())
      return value.status();
    std::optional<int64_t> v = (*value)->asInt64();
    if (!v || *v < min || *v > max)
      return Reader(path_ + "." + key)
          .error("must be an integer in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "], got " + (*value)->text());
    return *v;
  }

  StatusOr<std::string> string(const JsonValue &object,
                               const std::string &key) const {
    auto value = field(object, key, JsonValue::Kind::String);
    if (!value.isOk())
      return value.status();
    return (*value)->text();
  }

  StatusOr<bool> boolean(const JsonValue &object, const std::string &key) const {
    auto value = field(object, key, JsonValue::Kind::Bool);
    if (!value.isOk())
      return value.status();
    return (*value)->boolValue();
  }

  StatusOr<std::vector<int64_t>> ints(const JsonValue &object,
                                      const std::string &key) const {
    auto value = field(object, key, JsonValue::Kind::Array);
    if (!value.isOk())
      return value.status();
    std::vector<int64_t> result;
    for (size_t i = 0; i < (*value)->size(); ++i) {
      std::optional<int64_t> v = (**value)[i].asInt64();
      if (!v || *v < 0)
        return Reader(path_ + "." + key + "[" + std::to_string(i) + "]")
            .error("must be a non-negative integer");
      result.push_back(*v);
    }
    return result;
  }

  StatusOr<std::vector<std::string>> strings(const JsonValue &array) const {
    if (array.kind() != JsonValue::Kind::Array)
      return error("must be an array of strings");
    std::vector<std::string> result;
    for (size_t i = 0; i < array.size(); ++i) {
      if (array[i].kind() != JsonValue::Kind::String)
        return Reader(path_ + "[" + std::to_string(i) + "]")
            .error("must be a string");
      result.push_back(array[i].text());
    }
    return result;
  }

  Reader at(const std::string &key) const { return Reader(path_ + "." + key); }
  Reader at(const std::string &key, size_t index) const {
    return Reader(path_ + "." + key + "[" + std::to_string(index) + "]");
  }

private:
  std::string path_;
};

#define TCC_ASSIGN(lhs, expr)                                                  \
  do {                                                                         \
    auto _v = (expr);                                                          \
    if (!_v.isOk())                                                            \
      return _v.status();                                                      \
    lhs = std::move(*_v);                                                      \
  } while (false)

StatusOr<TensorSpec> parseSpec(const Reader &r, const JsonValue &v) {
  TensorSpec spec;
  TCC_ASSIGN(spec.name, r.string(v, "name"));
  TCC_ASSIGN(spec.role, r.string(v, "role"));
  std::string dtype;
  TCC_ASSIGN(dtype, r.string(v, "dtype"));
  std::optional<DType> parsed = parseDTypeName(dtype);
  if (!parsed)
    return r.error("unknown dtype '" + dtype + "'");
  spec.dtype = *parsed;
  TCC_ASSIGN(spec.shape, r.ints(v, "shape"));
  if (spec.byteSize() < 0)
    return r.error("shape has too many elements");
  if (const JsonValue *sharding = v.find("sharding")) {
    Reader sr = r.at("sharding");
    if (sharding->kind() != JsonValue::Kind::Array ||
        sharding->size() != spec.shape.size())
      return sr.error("must list the axes of each of the " +
                      std::to_string(spec.shape.size()) + " dimensions");
    for (size_t d = 0; d < sharding->size(); ++d) {
      std::vector<std::string> axes;
      TCC_ASSIGN(axes, r.at("sharding", d).strings((*sharding)[d]));
      spec.sharding.push_back(std::move(axes));
    }
  }
  if (v.find("user_shape")) {
    TCC_ASSIGN(spec.userShape, r.ints(v, "user_shape"));
    TensorSpec user;
    user.dtype = spec.dtype;
    user.shape = spec.userShape;
    int64_t elements = user.numElements(), local = spec.numElements();
    if (user.byteSize() < 0 || spec.sharding.empty() ||
        (local == 0 ? elements != 0 : elements % local != 0))
      return r.at("user_shape")
          .error("must be the shape of a sharded tensor's whole (a multiple "
                 "of its " +
                 std::to_string(local) + " elements)");
  }
  return spec;
}

StatusOr<RandomInit> parseRandom(const Reader &r, const JsonValue &object) {
  const JsonValue *v = nullptr;
  TCC_ASSIGN(v, r.field(object, "random", JsonValue::Kind::Object));
  Reader rr = r.at("random");
  RandomInit init;
  std::string kind;
  TCC_ASSIGN(kind, rr.string(*v, "kind"));
  if (kind == "normal")
    init.kind = RandomInit::Kind::Normal;
  else if (kind == "integer")
    init.kind = RandomInit::Kind::Integer;
  else if (kind == "zeros")
    init.kind = RandomInit::Kind::Zeros;
  else if (kind == "ones")
    init.kind = RandomInit::Kind::Ones;
  else
    return rr.error("unknown kind '" + kind + "'");
  const JsonValue *scale = nullptr;
  TCC_ASSIGN(scale, rr.field(*v, "scale", JsonValue::Kind::Number));
  char *end = nullptr;
  init.scale = std::strtod(scale->text().c_str(), &end);
  if (!std::isfinite(init.scale))
    return rr.error("scale must be finite");
  TCC_ASSIGN(init.bound, rr.integer(*v, "bound", 1));
  return init;
}

StatusOr<BufferRef> parseRef(const Reader &r, const JsonValue &v,
                             const Plan &plan) {
  const char *shape = "must be {\"input\": N}, {\"buffer\": N} or {\"output\": N}";
  if (!v.isObject() || v.size() != 1)
    return r.error(shape);
  BufferRef ref;
  if (v.keyAt(0) == "input") {
    ref.kind = BufferRef::Kind::Input;
    TCC_ASSIGN(ref.index, r.integer(v, "input", 0,
                                    static_cast<int64_t>(plan.inputs.size()) - 1));
  } else if (v.keyAt(0) == "buffer") {
    ref.kind = BufferRef::Kind::Buffer;
    TCC_ASSIGN(ref.index,
               r.integer(v, "buffer", 0,
                         static_cast<int64_t>(plan.buffers.size()) - 1));
  } else if (v.keyAt(0) == "output") {
    ref.kind = BufferRef::Kind::Output;
    TCC_ASSIGN(ref.index,
               r.integer(v, "output", 0,
                         static_cast<int64_t>(plan.outputs.size()) - 1));
  } else {
    return r.error(shape);
  }
  return ref;
}

StatusOr<BufferRef> parseRefField(const Reader &r, const JsonValue &object,
                                  const std::string &key, const Plan &plan) {
  const JsonValue *value = object.find(key);
  if (!value)
    return r.at(key).error("is missing");
  return parseRef(r.at(key), *value, plan);
}

Status checkBytes(const Reader &r, const Plan &plan, const BufferRef &ref,
                  int64_t bytes, const std::string &what) {
  if (plan.bytesOf(ref) < bytes)
    return r.error(what + " needs " + std::to_string(bytes) +
                   " bytes, its buffer has " + std::to_string(plan.bytesOf(ref)));
  return Status::ok();
}

} // namespace

const char *tcc::rt::matmulActivationName(MatmulActivation activation) {
  switch (activation) {
  case MatmulActivation::None:
    return "none";
  case MatmulActivation::Relu:
    return "relu";
  case MatmulActivation::GeluTanh:
    return "gelu_tanh";
  }
  return "none";
}

const char *tcc::rt::collectiveKindName(CollectiveCommand::Kind kind) {
  switch (kind) {
  case CollectiveCommand::Kind::AllReduce:
    return "all_reduce";
  case CollectiveCommand::Kind::AllGather:
    return "all_gather";
  case CollectiveCommand::Kind::ReduceScatter:
    return "reduce_scatter";
  case CollectiveCommand::Kind::AllSlice:
    return "all_slice";
  case CollectiveCommand::Kind::Broadcast:
    return "collective_broadcast";
  }
  return "collective";
}

int64_t MeshSpec::numDevices() const {
  int64_t n = 1;
  for (int64_t size : sizes)
    n *= size;
  return n;
}

std::string MeshSpec::describe() const {
  std::string text;
  for (size_t i = 0; i < axes.size(); ++i)
    text += (i ? ", " : "") + axes[i] + "=" + std::to_string(sizes[i]);
  return text;
}

std::vector<int64_t> MeshSpec::coordinates(int64_t rank) const {
  std::vector<int64_t> c(sizes.size());
  for (size_t i = sizes.size(); i-- > 0;) {
    c[i] = rank % sizes[i];
    rank /= sizes[i];
  }
  return c;
}

int MeshSpec::axisIndex(const std::string &axis) const {
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] == axis)
      return static_cast<int>(i);
  return -1;
}

int64_t Plan::bytesOf(const BufferRef &ref) const {
  if (ref.kind == BufferRef::Kind::Input)
    return inputs[ref.index].byteSize();
  if (ref.kind == BufferRef::Kind::Output)
    return outputs[ref.index].byteSize();
  return buffers[ref.index].bytes;
}

std::string tcc::rt::serializePlan(const Plan &plan) {
  JsonValue root = JsonValue::object();
  root.append("version", JsonValue::integer(kPlanVersion));
  root.append("target", JsonValue::string(plan.target));
  root.append("cpu", JsonValue::string(plan.cpu));
  root.append("cpu_features", JsonValue::string(plan.cpuFeatures));
  if (!plan.mesh.empty()) {
    JsonValue mesh = JsonValue::object();
    mesh.append("axes", stringArray(plan.mesh.axes));
    mesh.append("sizes", intArray(plan.mesh.sizes));
    root.append("mesh", std::move(mesh));
  }
  JsonValue inputs = JsonValue::array();
  for (const TensorSpec &spec : plan.inputs) {
    JsonValue object = specJson(spec);
    object.append("random", randomJson(spec.random));
    inputs.append(std::move(object));
  }
  root.append("inputs", std::move(inputs));
  JsonValue outputs = JsonValue::array();
  for (const TensorSpec &spec : plan.outputs)
    outputs.append(specJson(spec));
  root.append("outputs", std::move(outputs));
  root.append("arena_bytes", JsonValue::integer(plan.arenaBytes));
  JsonValue buffers = JsonValue::array();
  for (const ArenaBuffer &buffer : plan.buffers) {
    JsonValue object = JsonValue::object();
    object.append("offset", JsonValue::integer(buffer.offset));
    object.append("bytes", JsonValue::integer(buffer.bytes));
    buffers.append(std::move(object));
  }
  root.append("buffers", std::move(buffers));
  JsonValue commands = JsonValue::array();
  for (const Command &command : plan.commands) {
    JsonValue object = JsonValue::object();
    object.append("label", JsonValue::string(command.label));
    switch (command.kind) {
    case Command::Kind::Kernel: {
      object.append("op", JsonValue::string("kernel"));
      object.append("symbol", JsonValue::string(command.kernel.symbol));
      JsonValue args = JsonValue::array();
      for (const BufferRef &ref : command.kernel.args)
        args.append(refJson(ref));
      object.append("args", std::move(args));
      object.append("tiles", JsonValue::integer(command.kernel.tiles));
      object.append("threads", JsonValue::integer(command.kernel.threads));
      break;
    }
    case Command::Kind::Matmul: {
      const MatmulCommand &mm = command.matmul;
      object.append("op", JsonValue::string("matmul"));
      object.append("dtype", JsonValue::string(dtypeName(mm.dtype)));
      object.append("lhs", refJson(mm.lhs));
      object.append("rhs", refJson(mm.rhs));
      object.append("out", refJson(mm.out));
      object.append("m", JsonValue::integer(mm.m));
      object.append("n", JsonValue::integer(mm.n));
      object.append("k", JsonValue::integer(mm.k));
      object.append("transpose_lhs", JsonValue::boolean(mm.transposeLhs));
      object.append("transpose_rhs", JsonValue::boolean(mm.transposeRhs));
      object.append("batch", intArray(mm.batch));
      object.append("lhs_batch", intArray(mm.lhsBatch));
      object.append("rhs_batch", intArray(mm.rhsBatch));
      if (mm.hasBias)
        object.append("bias", refJson(mm.bias));
      if (mm.activation != MatmulActivation::None)
        object.append("activation", JsonValue::string(
                                        matmulActivationName(mm.activation)));
      break;
    }
    case Command::Kind::Copy:
      object.append("op", JsonValue::string("copy"));
      object.append("from", refJson(command.copy.from));
      object.append("to", refJson(command.copy.to));
      object.append("bytes", JsonValue::integer(command.copy.bytes));
      break;
    case Command::Kind::Collective: {
      const CollectiveCommand &cc = command.collective;
      object.append("op", JsonValue::string(collectiveKindName(cc.kind)));
      object.append("reduce", JsonValue::string(reduceOpName(cc.op)));
      object.append("dtype", JsonValue::string(dtypeName(cc.dtype)));
      object.append("in", refJson(cc.in));
      object.append("out", refJson(cc.out));
      object.append("shape", intArray(cc.shape));
      object.append("axes", stringArray(cc.axes));
      object.append("dim", JsonValue::integer(cc.dim));
      object.append("root", JsonValue::integer(cc.root));
      break;
    }
    }
    commands.append(std::move(object));
  }
  root.append("commands", std::move(commands));
  return serializeJson(root);
}

StatusOr<Plan> tcc::rt::parsePlan(std::string_view json) {
  StatusOr<JsonValue> parsed = parseJson(json);
  if (!parsed.isOk())
    return parsed.status().withContext("plan");
  const JsonValue &root = *parsed;
  Reader r("");
  Plan plan;
  int64_t version = 0;
  TCC_ASSIGN(version, r.integer(root, "version"));
  if (version != kPlanVersion)
    return r.error("version " + std::to_string(version) +
                   " is not supported (this runtime reads version " +
                   std::to_string(kPlanVersion) + ")");
  TCC_ASSIGN(plan.target, r.string(root, "target"));
  TCC_ASSIGN(plan.cpu, r.string(root, "cpu"));
  TCC_ASSIGN(plan.cpuFeatures, r.string(root, "cpu_features"));
  if (const JsonValue *mesh = root.find("mesh")) {
    Reader mr = r.at("mesh");
    if (mesh->kind() != JsonValue::Kind::Object)
      return mr.error("must be an object");
    const JsonValue *axes = mesh->find("axes");
    if (!axes)
      return mr.at("axes").error("is missing");
    TCC_ASSIGN(plan.mesh.axes, mr.at("axes").strings(*axes));
    TCC_ASSIGN(plan.mesh.sizes, mr.ints(*mesh, "sizes"));
    if (plan.mesh.axes.empty() ||
        plan.mesh.axes.size() != plan.mesh.sizes.size())
      return mr.error("needs one size per axis, and at least one axis");
    int64_t devices = 1;
    for (int64_t size : plan.mesh.sizes) {
      if (size < 1 || size > (int64_t(1) << 20))
        return mr.error("axis sizes must be in [1, 2^20]");
      devices *= size;
      if (devices > (int64_t(1) << 20))
        return mr.error("has more than 2^20 devices");
    }
  }
  const JsonValue *inputs = nullptr;
  TCC_ASSIGN(inputs, r.field(root, "inputs", JsonValue::Kind::Array));
  for (size_t i = 0; i < inputs->size(); ++i) {
    TensorSpec spec;
    TCC_ASSIGN(spec, parseSpec(r.at("inputs", i), (*inputs)[i]));
    TCC_ASSIGN(spec.random, parseRandom(r.at("inputs", i), (*inputs)[i]));
    plan.inputs.push_back(std::move(spec));
  }
  TCC_ASSIGN(plan.arenaBytes, r.integer(root, "arena_bytes"));
  const JsonValue *buffers = nullptr;
  TCC_ASSIGN(buffers, r.field(root, "buffers", JsonValue::Kind::Array));
  for (size_t i = 0; i < buffers->size(); ++i) {
    Reader br = r.at("buffers", i);
    ArenaBuffer buffer;
    TCC_ASSIGN(buffer.offset, br.integer((*buffers)[i], "offset"));
    TCC_ASSIGN(buffer.bytes, br.integer((*buffers)[i], "bytes"));
    if (buffer.offset % 64 != 0 || buffer.bytes > plan.arenaBytes ||
        buffer.offset > plan.arenaBytes - buffer.bytes)
      return br.error("[" + std::to_string(buffer.offset) + ", +" +
                      std::to_string(buffer.bytes) +
                      ") is not a 64-byte aligned range of the " +
                      std::to_string(plan.arenaBytes) + "-byte arena");
    plan.buffers.push_back(buffer);
  }
  const JsonValue *outputs = nullptr;
  TCC_ASSIGN(outputs, r.field(root, "outputs", JsonValue::Kind::Array));
  for (size_t i = 0; i < outputs->size(); ++i) {
    Reader orr = r.at("outputs", i);
    TensorSpec spec;
    TCC_ASSIGN(spec, parseSpec(orr, (*outputs)[i]));
    plan.outputs.push_back(std::move(spec));
  }
  const JsonValue *commands = nullptr;
  TCC_ASSIGN(commands, r.field(root, "commands", JsonValue::Kind::Array));
  for (size_t i = 0; i < commands->size(); ++i) {
    Reader cr = r.at("commands", i);
    const JsonValue &c = (*commands)[i];
    Command command;
    TCC_ASSIGN(command.label, cr.string(c, "label"));
    std::string op;
    TCC_ASSIGN(op, cr.string(c, "op"));
    if (op == "kernel") {
      command.kind = Command::Kind::Kernel;
      TCC_ASSIGN(command.kernel.symbol, cr.string(c, "symbol"));
      const JsonValue *args = nullptr;
      TCC_ASSIGN(args, cr.field(c, "args", JsonValue::Kind::Array));
      for (size_t a = 0; a < args->size(); ++a) {
        BufferRef ref;
        TCC_ASSIGN(ref, parseRef(cr.at("args", a), (*args)[a], plan));
        command.kernel.args.push_back(ref);
      }
      TCC_ASSIGN(command.kernel.tiles, cr.integer(c, "tiles", 1));
      // A CUDA block holds at most 1024 threads.
      TCC_ASSIGN(command.kernel.threads, cr.integer(c, "threads", 1, 1024));
    } else if (op == "matmul") {
      command.kind = Command::Kind::Matmul;
      MatmulCommand &mm = command.matmul;
      std::string dtype;
      TCC_ASSIGN(dtype, cr.string(c, "dtype"));
      std::optional<DType> parsed = parseDTypeName(dtype);
      if (!parsed || !isFloat(*parsed))
        return cr.error("matmul dtype must be f64, f32, f16 or bf16, got '" +
                        dtype + "'");
      mm.dtype = *parsed;
      TCC_ASSIGN(mm.lhs, parseRefField(cr, c, "lhs", plan));
      TCC_ASSIGN(mm.rhs, parseRefField(cr, c, "rhs", plan));
      TCC_ASSIGN(mm.out, parseRefField(cr, c, "out", plan));
      int64_t limit = int64_t(1) << 31; // BLAS takes int dimensions.
      TCC_ASSIGN(mm.m, cr.integer(c, "m", 0, limit - 1));
      TCC_ASSIGN(mm.n, cr.integer(c, "n", 0, limit - 1));
      TCC_ASSIGN(mm.k, cr.integer(c, "k", 0, limit - 1));
      TCC_ASSIGN(mm.transposeLhs, cr.boolean(c, "transpose_lhs"));
      TCC_ASSIGN(mm.transposeRhs, cr.boolean(c, "transpose_rhs"));
      TCC_ASSIGN(mm.batch, cr.ints(c, "batch"));
      TCC_ASSIGN(mm.lhsBatch, cr.ints(c, "lhs_batch"));
      TCC_ASSIGN(mm.rhsBatch, cr.ints(c, "rhs_batch"));
      if (mm.lhsBatch.size() != mm.batch.size() ||
          mm.rhsBatch.size() != mm.batch.size())
        return cr.error("lhs_batch and rhs_batch must have the rank of batch");
      int64_t batches = 1, lhsBatches = 1, rhsBatches = 1;
      for (size_t d = 0; d < mm.batch.size(); ++d) {
        for (int64_t operand : {mm.lhsBatch[d], mm.rhsBatch[d]})
          if (operand != 1 && operand != mm.batch[d])
            return cr.error("batch dimension " + std::to_string(d) +
                            " of an operand is neither 1 nor the result's");
        batches *= mm.batch[d];
        lhsBatches *= mm.lhsBatch[d];
        rhsBatches *= mm.rhsBatch[d];
        if (batches > limit)
          return cr.error("too many batches");
      }
      int64_t element = static_cast<int64_t>(dtypeSize(mm.dtype));
      struct Operand {
        BufferRef ref;
        int64_t rows, cols, count;
        const char *what;
      };
      // rows * cols < 2^62 (each below 2^31); the count is bounded by the
      // buffer before the product is formed, so nothing overflows.
      for (const Operand &o : {Operand{mm.lhs, mm.m, mm.k, lhsBatches, "lhs"},
                               Operand{mm.rhs, mm.k, mm.n, rhsBatches, "rhs"},
                               Operand{mm.out, mm.m, mm.n, batches, "out"}}) {
        int64_t matrixBytes = o.rows * o.cols * element;
        if (matrixBytes != 0 && o.count > plan.bytesOf(o.ref) / matrixBytes)
          return cr.error(std::string(o.what) + " needs " +
                          std::to_string(o.count) + " matrices of " +
                          std::to_string(matrixBytes) +
                          " bytes, more than its buffer holds");
      }
      if (mm.out.kind == BufferRef::Kind::Input)
        return cr.error("a matmul cannot write a program input");
      if (c.find("bias")) {
        mm.hasBias = true;
        TCC_ASSIGN(mm.bias, parseRefField(cr, c, "bias", plan));
        if (Status fits = checkBytes(cr, plan, mm.bias, mm.n * element,
                                     "the bias of " + std::to_string(mm.n) +
                                         " elements");
            !fits)
          return fits;
      }
      if (c.find("activation")) {
        std::string activation;
        TCC_ASSIGN(activation, cr.string(c, "activation"));
        if (activation == "relu")
          mm.activation = MatmulActivation::Relu;
        else if (activation == "gelu_tanh")
          mm.activation = MatmulActivation::GeluTanh;
        else if (activation != "none")
          return cr.at("activation")
              .error("must be \"none\", \"relu\" or \"gelu_tanh\", got '" +
                     activation + "'");
      }
    } else if (op == "copy") {
      command.kind = Command::Kind::Copy;
      TCC_ASSIGN(command.copy.from, parseRefField(cr, c, "from", plan));
      TCC_ASSIGN(command.copy.to, parseRefField(cr, c, "to", plan));
      TCC_ASSIGN(command.copy.bytes, cr.integer(c, "bytes"));
      if (command.copy.to.kind == BufferRef::Kind::Input)
        return cr.error("a copy cannot write a program input");
      for (const BufferRef &ref : {command.copy.from, command.copy.to}) {
        Status fits = checkBytes(cr, plan, ref, command.copy.bytes, "the copy");
        if (!fits)
          return fits;
      }
    } else if (op == "all_reduce" || op == "all_gather" ||
               op == "reduce_scatter" || op == "all_slice" ||
               op == "collective_broadcast") {
      command.kind = Command::Kind::Collective;
      CollectiveCommand &cc = command.collective;
      using K = CollectiveCommand::Kind;
      cc.kind = op == "all_reduce"       ? K::AllReduce
                : op == "all_gather"     ? K::AllGather
                : op == "reduce_scatter" ? K::ReduceScatter
                : op == "all_slice"      ? K::AllSlice
                                         : K::Broadcast;
      if (plan.mesh.empty())
        return cr.error("a collective needs the plan's mesh");
      std::string reduce, dtype;
      TCC_ASSIGN(reduce, cr.string(c, "reduce"));
      bool known = false;
      for (ReduceOp candidate : {ReduceOp::Sum, ReduceOp::Avg, ReduceOp::Max,
                                 ReduceOp::Min})
        if (reduce == reduceOpName(candidate)) {
          cc.op = candidate;
          known = true;
        }
      if (!known)
        return cr.error("unknown reduce op '" + reduce + "'");
      TCC_ASSIGN(dtype, cr.string(c, "dtype"));
      std::optional<DType> parsed = parseDTypeName(dtype);
      if (!parsed)
        return cr.error("unknown dtype '" + dtype + "'");
      cc.dtype = *parsed;
      TCC_ASSIGN(cc.in, parseRefField(cr, c, "in", plan));
      TCC_ASSIGN(cc.out, parseRefField(cr, c, "out", plan));
      TCC_ASSIGN(cc.shape, cr.ints(c, "shape"));
      const JsonValue *axes = c.find("axes");
      if (!axes)
        return cr.at("axes").error("is missing");
      TCC_ASSIGN(cc.axes, cr.at("axes").strings(*axes));
      int64_t group = 1;
      for (const std::string &axis : cc.axes) {
        int index = plan.mesh.axisIndex(axis);
        if (index < 0)
          return cr.error("axis '" + axis + "' is not an axis of the mesh (" +
                          plan.mesh.describe() + ")");
        group *= plan.mesh.sizes[size_t(index)];
      }
      TCC_ASSIGN(cc.dim, cr.integer(c, "dim", 0, 64));
      TCC_ASSIGN(cc.root, cr.integer(c, "root", 0, group - 1));
      if (cc.out.kind == BufferRef::Kind::Input)
        return cr.error("a collective cannot write a program input");
      bool gathers = cc.kind == K::AllGather || cc.kind == K::ReduceScatter ||
                     cc.kind == K::AllSlice;
      if (gathers && cc.dim >= int64_t(cc.shape.size()))
        return cr.error("dim " + std::to_string(cc.dim) +
                        " is not a dimension of the operand");
      int64_t count = 1;
      for (int64_t size : cc.shape) {
        count *= size;
        if (count > (int64_t(1) << 40))
          return cr.error("the operand has too many elements");
      }
      bool splits = cc.kind == K::ReduceScatter || cc.kind == K::AllSlice;
      if (splits && cc.shape[size_t(cc.dim)] % group)
        return cr.error(std::string(collectiveKindName(cc.kind)) + " of " +
                        std::to_string(group) +
                        " devices cannot split dimension " +
                        std::to_string(cc.dim) + " of size " +
                        std::to_string(cc.shape[size_t(cc.dim)]));
      int64_t element = static_cast<int64_t>(dtypeSize(cc.dtype));
      int64_t outCount = cc.kind == K::AllGather       ? count * group
                         : splits                      ? count / group
                                                       : count;
      Status fits = checkBytes(cr, plan, cc.in, count * element,
                               "the collective's operand");
      if (fits)
        fits = checkBytes(cr, plan, cc.out, outCount * element,
                          "the collective's result");
      if (!fits)
        return fits;
    } else {
      return cr.error("unknown command '" + op + "'");
    }
    plan.commands.push_back(std::move(command));
  }
  return plan;
}
