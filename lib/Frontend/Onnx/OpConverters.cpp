//===- OpConverters.cpp - the table of ONNX op converters -----------------===//
//
// One converter per ONNX op (default domain, opsets 13-17), each reading
// its node through NodeImporter and recording tcc ops through the Graph API,
// which checks shapes and broadcasts like NumPy (as ONNX does). They live
// in one file per family; this builds the table the importer looks ops up
// in. Semantics follow the ONNX operator specification.
//
//===----------------------------------------------------------------------===//

#include "ConverterSupport.h"

using namespace mlir;
using namespace mlir::tcc::frontend;
using namespace mlir::tcc::frontend::onnx_import;

const llvm::StringMap<NodeConverter> &onnx_import::nodeConverters() {
  static const llvm::StringMap<NodeConverter> converters = [] {
    llvm::StringMap<NodeConverter> table;
    addElementwiseConverters(table);
    addShapeConverters(table);
    addNormalizationConverters(table);
    addContractionConverters(table);
    return table;
  }();
  return converters;
}
