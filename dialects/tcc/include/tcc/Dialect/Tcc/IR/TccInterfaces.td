//===- TccInterfaces.td - tcc op interfaces ----------------*- tablegen -*-===//

#ifndef TCC_DIALECT_TCC_IR_TCCINTERFACES_TD
#define TCC_DIALECT_TCC_IR_TCCINTERFACES_TD

include "mlir/IR/OpBase.td"

def Tcc_DifferentiableOpInterface : OpInterface<"DifferentiableOp"> {
  let cppNamespace = "::mlir::tcc";
  let description = [{
    An op whose vector-Jacobian product tcc knows: given the gradients of
    the loss with respect to the op's results, it builds the gradients with
    respect to its operands out of tcc ops. Reverse-mode differentiation
    (`tcc-autodiff`) calls it op by op, from the loss back to the inputs.

    The models live beside the autodiff pass (lib/Autodiff/Vjps.cpp, one
    per op) and are attached to the dialect with
    `registerDifferentiableOpModels`.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the operands' gradients at the builder's insertion point.
        `resultGradients` has one value per result: the gradient of the loss
        with respect to it, or a null value where none flows (that result is
        unused by the loss). Appends one value per operand to
        `operandGradients`: its gradient, or a null value for operands that
        have none (integer operands, seeds). Fails after emitting an error
        at the op when the gradient cannot be formed.
      }],
      "::llvm::LogicalResult", "buildVjp",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ValueRange":$resultGradients,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGradients)>,
  ];
}

#endif // TCC_DIALECT_TCC_IR_TCCINTERFACES_TD
