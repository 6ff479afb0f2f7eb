//===- CpuArtifact.cpp - a CPU compilation as a .tccm artifact ------------===//

#include "tcc/Target/CPU/CpuTarget.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/Support/Location.h"
#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Json.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::tcc;

#ifndef TCC_VERSION
#define TCC_VERSION "unknown"
#endif

const char *mlir::tcc::compilerVersion() { return "tcc " TCC_VERSION; }

std::string mlir::tcc::commandLabel(Operation *op) {
  std::string text = op->getName().getStringRef().str();
  if (auto fusion = dyn_cast<FusionOp>(op))
    text += " " + stringifyFusionKind(fusion.getKind()).str();
  std::string where = describeLocation(op->getLoc());
  if (!where.empty())
    text += " at " + where;
  return text;
}

FailureOr<std::string> mlir::tcc::packageArtifact(
    const CpuCompilation &compiled, StringRef sourceName, Location loc,
    ArrayRef<std::pair<std::string, std::string>> extraMetadata) {
  rt::JsonValue metadata = rt::JsonValue::object();
  metadata.append("producer", rt::JsonValue::string(compilerVersion()));
  metadata.append("source", rt::JsonValue::string(sourceName.str()));
  metadata.append("target", rt::JsonValue::string("cpu"));
  metadata.append("cpu", rt::JsonValue::string(compiled.targetCpu));
  metadata.append("cpu_features", rt::JsonValue::string(compiled.targetFeatures));
  metadata.append("arena_bytes", rt::JsonValue::integer(compiled.plan.arenaBytes));

  rt::ArtifactWriter writer;
  std::string plan = rt::serializePlan(compiled.plan);
  std::string meta = rt::serializeJson(metadata);
  for (rt::Status status :
       {writer.addSection(rt::SectionKind::Plan, "plan", plan),
        writer.addSection(rt::SectionKind::HostObject, "kernels",
                          compiled.sharedObject),
        writer.addSection(rt::SectionKind::Metadata, "metadata", meta)})
    if (!status)
      return emitError(loc, "cannot package the artifact: ")
             << status.message();
  for (const auto &[name, json] : extraMetadata)
    if (rt::Status status =
            writer.addSection(rt::SectionKind::Metadata, name, json);
        !status)
      return emitError(loc, "cannot package the artifact: ")
             << status.message();
  std::vector<uint8_t> bytes = writer.serialize();
  return std::string(bytes.begin(), bytes.end());
}
