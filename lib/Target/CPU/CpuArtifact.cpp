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

FailureOr<std::string> mlir::tcc::writeArtifact(
    const rt::Plan &plan, StringRef sourceName,
    ArrayRef<std::pair<std::string, std::string>> targetMetadata,
    ArrayRef<CodeSection> code, Location loc,
    ArrayRef<std::pair<std::string, std::string>> extraMetadata) {
  rt::JsonValue metadata = rt::JsonValue::object();
  metadata.append("producer", rt::JsonValue::string(compilerVersion()));
  metadata.append("source", rt::JsonValue::string(sourceName.str()));
  metadata.append("target", rt::JsonValue::string(plan.target));
  for (const auto &[key, value] : targetMetadata)
    metadata.append(key, rt::JsonValue::string(value));
  metadata.append("arena_bytes", rt::JsonValue::integer(plan.arenaBytes));

  rt::ArtifactWriter writer;
  std::vector<rt::Status> added{writer.addSection(
      rt::SectionKind::Plan, "plan", rt::serializePlan(plan))};
  for (const CodeSection &section : code)
    added.push_back(
        writer.addSection(section.kind, section.name, section.bytes));
  added.push_back(writer.addSection(rt::SectionKind::Metadata, "metadata",
                                    rt::serializeJson(metadata)));
  for (const auto &[name, json] : extraMetadata)
    added.push_back(writer.addSection(rt::SectionKind::Metadata, name, json));
  for (const rt::Status &status : added)
    if (!status)
      return emitError(loc, "cannot package the artifact: ")
             << status.message();
  std::vector<uint8_t> bytes = writer.serialize();
  return std::string(bytes.begin(), bytes.end());
}

FailureOr<std::string> mlir::tcc::packageArtifact(
    const CpuCompilation &compiled, StringRef sourceName, Location loc,
    ArrayRef<std::pair<std::string, std::string>> extraMetadata) {
  return writeArtifact(compiled.plan, sourceName,
                       {{"cpu", compiled.targetCpu},
                        {"cpu_features", compiled.targetFeatures}},
                       {{rt::SectionKind::HostObject, "kernels",
                         compiled.sharedObject}},
                       loc, extraMetadata);
}
