//===- PlanTest.cpp - reading, writing and validating execution plans -----===//

#include "tcc/runtime/Plan.h"

#include "gtest/gtest.h"

#include <string>

using namespace tcc::rt;

namespace {

/// A valid plan: y = matmul(x, w) through one buffer and a copy.
Plan samplePlan() {
  Plan plan;
  plan.cpu = "znver4";
  plan.cpuFeatures = "+avx2,+fma";
  TensorSpec x{"x", "input", DType::F32, {4, 8}, {}};
  TensorSpec w{"w", "parameter", DType::F32, {8, 2}, {}};
  w.random.scale = 0.25;
  plan.inputs = {x, w};
  plan.outputs = {TensorSpec{"y", "output", DType::F32, {4, 2}, {}}};
  plan.buffers = {ArenaBuffer{0, 32}};
  plan.arenaBytes = 64;
  Command matmul;
  matmul.kind = Command::Kind::Matmul;
  matmul.label = "tcc.matmul at m.mlir:3:8";
  matmul.matmul.lhs = {BufferRef::Kind::Input, 0};
  matmul.matmul.rhs = {BufferRef::Kind::Input, 1};
  matmul.matmul.out = {BufferRef::Kind::Buffer, 0};
  matmul.matmul.m = 4;
  matmul.matmul.n = 2;
  matmul.matmul.k = 8;
  Command copy;
  copy.kind = Command::Kind::Copy;
  copy.label = "return of 'y'";
  copy.copy = {{BufferRef::Kind::Buffer, 0}, {BufferRef::Kind::Output, 0}, 32};
  plan.commands = {matmul, copy};
  return plan;
}

/// The error parsePlan gives for `plan`'s JSON with `from` replaced by
/// `to`.
std::string errorAfter(const std::string &from, const std::string &to,
                       const Plan &plan = samplePlan()) {
  std::string json = serializePlan(plan);
  size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in " << json;
  if (at == std::string::npos)
    return "";
  json.replace(at, from.size(), to);
  StatusOr<Plan> parsed = parsePlan(json);
  return parsed.isOk() ? "" : parsed.status().message();
}

TEST(Plan, RoundTrips) {
  std::string json = serializePlan(samplePlan());
  StatusOr<Plan> plan = parsePlan(json);
  ASSERT_TRUE(plan.isOk()) << plan.status().message();
  EXPECT_EQ(serializePlan(*plan), json);
  EXPECT_EQ(plan->inputs[1].random.scale, 0.25);
  EXPECT_EQ(plan->cpuFeatures, "+avx2,+fma");
  EXPECT_EQ(plan->bytesOf({BufferRef::Kind::Output, 0}), 32);
}

TEST(Plan, RejectsWhatTheExecutorCouldNotRunSafely) {
  EXPECT_NE(errorAfter("\"version\":1", "\"version\":2").find(
                "version 2 is not supported"),
            std::string::npos);
  EXPECT_NE(errorAfter("{\"offset\":0,\"bytes\":32}", "{\"offset\":48,\"bytes\":32}")
                .find("is not a 64-byte aligned range of the 64-byte arena"),
            std::string::npos);
  EXPECT_NE(errorAfter("\"rhs\":{\"input\":1}", "\"rhs\":{\"input\":2}")
                .find("commands[0].rhs.input: must be an integer in [0, 1]"),
            std::string::npos);
  EXPECT_NE(errorAfter("\"m\":4", "\"m\":5").find("more than its buffer holds"),
            std::string::npos);
  EXPECT_NE(errorAfter("\"to\":{\"output\":0}", "\"to\":{\"input\":0}")
                .find("a copy cannot write a program input"),
            std::string::npos);
  EXPECT_NE(errorAfter("\"op\":\"copy\"", "\"op\":\"launch\"")
                .find("unknown command 'launch'"),
            std::string::npos);
  EXPECT_NE(errorAfter("\"to\":{\"output\":0},\"bytes\":32",
                       "\"to\":{\"output\":0},\"bytes\":4096")
                .find("needs 4096 bytes"),
            std::string::npos);
  EXPECT_NE(errorAfter("\"dtype\":\"f32\",\"lhs\"", "\"dtype\":\"i32\",\"lhs\"")
                .find("matmul dtype must be f64, f32, f16 or bf16"),
            std::string::npos);
  EXPECT_NE(errorAfter("\"label\":\"return of 'y'\",", "").find("label: is missing"),
            std::string::npos);
  EXPECT_FALSE(parsePlan("{").isOk());
}

/// A per-device plan: x (sharded over dp) all-reduced over dp into y.
Plan meshPlan() {
  Plan plan;
  plan.mesh.axes = {"dp", "tp"};
  plan.mesh.sizes = {2, 2};
  TensorSpec x{"x", "input", DType::F32, {2, 4}, {}};
  x.sharding = {{"dp"}, {}};
  plan.inputs = {x};
  plan.outputs = {TensorSpec{"y", "output", DType::F32, {2, 4}, {}}};
  Command reduce;
  reduce.kind = Command::Kind::Collective;
  reduce.label = "tcc.all_reduce at m.mlir:4:8";
  reduce.collective.kind = CollectiveCommand::Kind::ReduceScatter;
  reduce.collective.op = ReduceOp::Max;
  reduce.collective.in = {BufferRef::Kind::Input, 0};
  reduce.collective.out = {BufferRef::Kind::Output, 0};
  reduce.collective.shape = {2, 4};
  reduce.collective.axes = {"tp"};
  reduce.collective.dim = 1;
  plan.commands = {reduce};
  return plan;
}

std::string meshErrorAfter(const std::string &from, const std::string &to) {
  return errorAfter(from, to, meshPlan());
}

TEST(Plan, MatmulEpiloguesRoundTripAndAreChecked) {
  Plan plan = samplePlan();
  // The bias: the first 2 floats of w (any buffer of n elements will do).
  plan.commands[0].matmul.hasBias = true;
  plan.commands[0].matmul.bias = {BufferRef::Kind::Input, 1};
  plan.commands[0].matmul.activation = MatmulActivation::GeluTanh;
  std::string json = serializePlan(plan);
  EXPECT_NE(json.find("\"bias\":{\"input\":1},\"activation\":\"gelu_tanh\""),
            std::string::npos)
      << json;
  StatusOr<Plan> parsed = parsePlan(json);
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_EQ(serializePlan(*parsed), json);
  EXPECT_TRUE(parsed->commands[0].matmul.hasEpilogue());

  EXPECT_NE(errorAfter("\"gelu_tanh\"", "\"gelu\"", plan)
                .find("commands[0].activation: must be \"none\", \"relu\" or "
                      "\"gelu_tanh\", got 'gelu'"),
            std::string::npos);
  // A bias in a buffer smaller than n elements.
  plan.outputs[0].shape = {1, 1};
  plan.commands[0].matmul.bias = {BufferRef::Kind::Output, 0};
  plan.commands.pop_back();
  EXPECT_NE(serializePlan(plan).find("\"bias\":{\"output\":0}"),
            std::string::npos);
  StatusOr<Plan> small = parsePlan(serializePlan(plan));
  ASSERT_FALSE(small.isOk());
  EXPECT_NE(small.status().message().find(
                "the bias of 2 elements needs 8 bytes, its buffer has 4"),
            std::string::npos)
      << small.status().message();
}

TEST(Plan, MeshCollectivesAndShardingsRoundTrip) {
  std::string json = serializePlan(meshPlan());
  StatusOr<Plan> plan = parsePlan(json);
  ASSERT_TRUE(plan.isOk()) << plan.status().message();
  EXPECT_EQ(serializePlan(*plan), json);
  EXPECT_EQ(plan->mesh.numDevices(), 4);
  EXPECT_EQ(plan->mesh.describe(), "dp=2, tp=2");
  EXPECT_EQ(plan->mesh.coordinates(2), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(plan->inputs[0].sharding,
            (std::vector<std::vector<std::string>>{{"dp"}, {}}));
  const CollectiveCommand &cc = plan->commands[0].collective;
  EXPECT_EQ(cc.kind, CollectiveCommand::Kind::ReduceScatter);
  EXPECT_EQ(cc.op, ReduceOp::Max);
  EXPECT_EQ(cc.axes, std::vector<std::string>{"tp"});
  EXPECT_EQ(cc.dim, 1);
}

TEST(Plan, UserShapesRoundTripAndHoldWholeShards) {
  Plan plan = meshPlan();
  // x's global [4, 4] viewed from the user's [16].
  plan.inputs[0].userShape = {16};
  std::string json = serializePlan(plan);
  EXPECT_NE(json.find("\"user_shape\":[16]"), std::string::npos) << json;
  StatusOr<Plan> parsed = parsePlan(json);
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_EQ(parsed->inputs[0].userShape, std::vector<int64_t>{16});
  plan.inputs[0].userShape = {12};
  StatusOr<Plan> partial = parsePlan(serializePlan(plan));
  ASSERT_FALSE(partial.isOk());
  EXPECT_NE(partial.status().message().find(
                "inputs[0].user_shape: must be the shape of a sharded "
                "tensor's whole (a multiple of its 8 elements)"),
            std::string::npos)
      << partial.status().message();
}

TEST(Plan, RejectsBadCollectives) {
  EXPECT_NE(meshErrorAfter("\"axes\":[\"tp\"]", "\"axes\":[\"pp\"]")
                .find("axis 'pp' is not an axis of the mesh (dp=2, tp=2)"),
            std::string::npos);
  EXPECT_NE(meshErrorAfter("\"dim\":1", "\"dim\":2")
                .find("dim 2 is not a dimension of the operand"),
            std::string::npos);
  EXPECT_NE(meshErrorAfter("\"shape\":[2,4],\"axes\"",
                           "\"shape\":[2,3],\"axes\"")
                .find("cannot split dimension 1 of size 3"),
            std::string::npos);
  EXPECT_NE(meshErrorAfter("\"reduce\":\"max\"", "\"reduce\":\"prod\"")
                .find("unknown reduce op 'prod'"),
            std::string::npos);
  EXPECT_NE(meshErrorAfter("\"sizes\":[2,2]", "\"sizes\":[2]")
                .find("needs one size per axis"),
            std::string::npos);
  EXPECT_NE(meshErrorAfter("\"sharding\":[[\"dp\"],[]]",
                           "\"sharding\":[[\"dp\"]]")
                .find("must list the axes of each of the 2 dimensions"),
            std::string::npos);
  // Without the mesh, a collective has no devices.
  std::string json = serializePlan(meshPlan());
  size_t at = json.find("\"mesh\":");
  size_t end = json.find("},", at);
  json.erase(at, end + 2 - at);
  StatusOr<Plan> plan = parsePlan(json);
  ASSERT_FALSE(plan.isOk());
  EXPECT_NE(plan.status().message().find("a collective needs the plan's mesh"),
            std::string::npos);
}

} // namespace
