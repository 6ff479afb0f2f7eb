//===- Contract.cpp - the graph contract of tcc programs ------------------===//

#include "tcc/Dialect/Tcc/IR/Contract.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::tcc;

FailureOr<func::FuncOp> mlir::tcc::findEntryFunction(ModuleOp module,
                                                     StringRef name) {
  if (!name.empty()) {
    auto function = module.lookupSymbol<func::FuncOp>(name);
    if (!function)
      return module.emitError("no function named '") << name << "'";
    return function;
  }
  SmallVector<func::FuncOp> candidates;
  for (auto function : module.getOps<func::FuncOp>())
    if (function.isPublic() && !function.isExternal())
      candidates.push_back(function);
  if (candidates.size() == 1)
    return candidates.front();
  // Point at a function when there is one: the module's own location is
  // often unknown.
  Location loc = module.getLoc();
  auto functions = llvm::to_vector(module.getOps<func::FuncOp>());
  if (candidates.size() > 1)
    loc = candidates[1].getLoc();
  else if (!functions.empty())
    loc = functions.front().getLoc();
  InFlightDiagnostic diag = emitError(loc);
  if (candidates.empty())
    return diag << "the module has no public function with a body to run";
  diag << "the module has " << candidates.size()
       << " public functions; choose one with --entry:";
  for (func::FuncOp f : candidates)
    diag << " @" << f.getSymName();
  return diag;
}

std::string mlir::tcc::argumentName(func::FuncOp function, unsigned index) {
  if (auto name = function.getArgAttrOfType<StringAttr>(index, attrs::kName))
    return name.str();
  return "arg" + std::to_string(index);
}

std::string mlir::tcc::resultName(func::FuncOp function, unsigned index) {
  if (auto name =
          function.getResultAttrOfType<StringAttr>(index, attrs::kName))
    return name.str();
  return "result" + std::to_string(index);
}

StringRef mlir::tcc::argumentRole(func::FuncOp function, unsigned index) {
  if (auto role = function.getArgAttrOfType<StringAttr>(index, attrs::kRole))
    return role.getValue();
  return "input";
}

LogicalResult mlir::tcc::verifyUniqueNames(func::FuncOp function) {
  llvm::StringSet<> arguments, results;
  for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i)
    if (!arguments.insert(argumentName(function, i)).second)
      return function.emitError("argument name '")
             << argumentName(function, i) << "' is used twice";
  for (unsigned i = 0, e = function.getNumResults(); i < e; ++i)
    if (!results.insert(resultName(function, i)).second)
      return function.emitError("result name '")
             << resultName(function, i) << "' is used twice";
  return success();
}

LogicalResult mlir::tcc::verifyRandomStreams(func::FuncOp function) {
  llvm::DenseMap<int64_t, DropoutOp> seen;
  WalkResult walk = function.walk([&](DropoutOp op) {
    auto [it, inserted] =
        seen.try_emplace(static_cast<int64_t>(op.getStream()), op);
    if (inserted)
      return WalkResult::advance();
    InFlightDiagnostic diag =
        op.emitOpError("uses stream ")
        << static_cast<int64_t>(op.getStream())
        << " like an earlier random op, so both would draw the same mask";
    diag.attachNote(it->second.getLoc()) << "the earlier op";
    return WalkResult::interrupt();
  });
  return failure(walk.wasInterrupted());
}

MeshOp mlir::tcc::functionMesh(func::FuncOp function) {
  auto meshRef = function->getAttrOfType<FlatSymbolRefAttr>(attrs::kMesh);
  return meshRef ? lookupMesh(function, meshRef) : MeshOp();
}
