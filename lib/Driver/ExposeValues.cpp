//===- ExposeValues.cpp - intermediate values as program results ----------===//

#include "tcc/Driver/ExposeValues.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/Target/CPU/CpuTarget.h"

using namespace mlir;
using namespace mlir::tcc;

std::vector<std::string> mlir::tcc::exposeValues(func::FuncOp function,
                                                 StringRef namePrefix,
                                                 bool floatOnly,
                                                 bool labelInName) {
  Block &block = function.getBody().front();
  Operation *terminator = block.getTerminator();
  SmallVector<Value> values(terminator->getOperands());
  std::vector<std::string> labels;
  for (Operation &op : block.without_terminator()) {
    for (auto [i, result] : llvm::enumerate(op.getResults())) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (floatOnly && (!type || !isa<FloatType>(type.getElementType())))
        continue;
      std::string what = commandLabel(&op);
      if (op.getNumResults() > 1)
        what += " (result " + std::to_string(i) + ")";
      labels.push_back(what);
      values.push_back(result);
    }
  }
  unsigned original = function.getNumResults();
  terminator->setOperands(values);
  SmallVector<Type> types;
  for (Value v : values)
    types.push_back(v.getType());
  function.setType(FunctionType::get(function.getContext(),
                                     function.getArgumentTypes(), types));
  SmallVector<DictionaryAttr> resultAttrs;
  Builder b(function.getContext());
  for (unsigned i = 0; i < values.size(); ++i) {
    if (i < original) {
      resultAttrs.push_back(function.getResultAttrDict(i));
      continue;
    }
    std::string name = (namePrefix + Twine(i - original)).str();
    if (labelInName)
      name += ": " + labels[i - original];
    resultAttrs.push_back(b.getDictionaryAttr(
        {b.getNamedAttr(attrs::kName, b.getStringAttr(name)),
         b.getNamedAttr(attrs::kRole, b.getStringAttr("probe"))}));
  }
  function.setAllResultAttrs(resultAttrs);
  return labels;
}
