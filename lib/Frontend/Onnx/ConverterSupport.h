//===- ConverterSupport.h - shared by the ONNX op converters ----*- C++ -*-===//
//
// The converters live in one file per family of ops (ElementwiseConverters,
// ShapeConverters, NormalizationConverters, ContractionConverters); each
// adds its entries to the table OpConverters.cpp builds. These helpers are
// what they share.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_FRONTEND_ONNX_CONVERTERSUPPORT_H
#define TCC_LIB_FRONTEND_ONNX_CONVERTERSUPPORT_H

#include "KnownValues.h"
#include "NodeImporter.h"

#include "tcc/Support/DType.h"

#include <string>

namespace mlir::tcc::frontend::onnx_import {

inline std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// A tensor of `shape` filled with `value`.
inline Tensor splat(NodeImporter &n, Type element, double value,
                    ArrayRef<int64_t> shape) {
  OpBuilder &b = n.graph().builder();
  Attribute scalar = isa<FloatType>(element)
                         ? Attribute(b.getFloatAttr(element, value))
                         : Attribute(b.getIntegerAttr(element, int64_t(value)));
  Tensor t = n.graph().constant(
      DenseElementsAttr::get(RankedTensorType::get({}, element), scalar));
  return t.broadcastTo(shape, SourceLoc());
}

/// Sets output `output` and reports whether the graph accepted the op.
inline LogicalResult result(NodeImporter &n, Tensor value, int output = 0) {
  if (!value.valid())
    return failure();
  n.setOutput(output, value);
  return success();
}

void addElementwiseConverters(llvm::StringMap<NodeConverter> &table);
void addShapeConverters(llvm::StringMap<NodeConverter> &table);
void addNormalizationConverters(llvm::StringMap<NodeConverter> &table);
void addContractionConverters(llvm::StringMap<NodeConverter> &table);

} // namespace mlir::tcc::frontend::onnx_import

#endif // TCC_LIB_FRONTEND_ONNX_CONVERTERSUPPORT_H
