//===- Location.h - locations as people read them ----------------*- C++ -*-===//
//
// One rendering of an op's location for every message tcc prints outside
// MLIR's own diagnostics (runtime errors, Python exceptions): a source line
// as "model.py:12:5", an importer's named location as "node 'lookup'
// (model.onnx)".
//
//===----------------------------------------------------------------------===//

#ifndef TCC_SUPPORT_LOCATION_H
#define TCC_SUPPORT_LOCATION_H

#include "mlir/IR/Location.h"

#include <string>

namespace mlir::tcc {

/// "file:line:col" for a source line (just "file" when the line is 0, which
/// importers use for "somewhere in this file"); "node 'NAME' (CHILD)" for a
/// named location; the first location of a fused one; "" when unknown.
inline std::string describeLocation(Location loc) {
  if (auto fused = dyn_cast<FusedLoc>(loc);
      fused && !fused.getLocations().empty())
    return describeLocation(fused.getLocations().front());
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    std::string text = file.getFilename().str();
    if (file.getLine() != 0)
      text += ":" + std::to_string(file.getLine()) + ":" +
              std::to_string(file.getColumn());
    return text;
  }
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string child = describeLocation(name.getChildLoc());
    return "node '" + name.getName().str() + "'" +
           (child.empty() ? "" : " (" + child + ")");
  }
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return describeLocation(callSite.getCallee());
  return "";
}

} // namespace mlir::tcc

#endif // TCC_SUPPORT_LOCATION_H
