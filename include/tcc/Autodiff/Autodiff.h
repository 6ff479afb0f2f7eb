//===- Autodiff.h - reverse-mode differentiation of tcc programs -*- C++ -*-===//
//
// From a function whose results include one scalar loss (result role
// `loss`, docs/contract.md), builds the function that also returns the
// loss's gradient with respect to chosen arguments (by default every
// `parameter`). Each op states its vector-Jacobian product through the
// DifferentiableOp interface (lib/Autodiff/Vjps.cpp); an op without one
// that a gradient must flow through is an error at the op.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_AUTODIFF_AUTODIFF_H
#define TCC_AUTODIFF_AUTODIFF_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::tcc {

/// Attaches the DifferentiableOp models of the tcc ops.
void registerDifferentiableOpModels(DialectRegistry &registry);

struct GradientOptions {
  /// Differentiate with respect to the arguments with these roles.
  std::vector<std::string> roles = {"parameter"};
  /// Name of the new function; "<forward>_grad" when empty.
  std::string name;
  /// The loss's adjoint starts at this argument (0-d, the loss's type)
  /// instead of 1, so the gradients are those of `loss * argument`: loss
  /// scaling. The loss result itself is not scaled.
  std::optional<unsigned> seedArgument;
};

/// Adds, after `forward` in its module, a function with the same arguments
/// that returns forward's results followed by one gradient per chosen
/// argument (role `gradient`, named after the argument). The gradients are
/// built from the forward's values, so the backward reuses them. Fails
/// after emitting errors: no or several loss results, or an op on the
/// path from the chosen arguments to the loss without a gradient.
FailureOr<func::FuncOp> buildGradientFunction(func::FuncOp forward,
                                              const GradientOptions &options = {});

} // namespace mlir::tcc

#endif // TCC_AUTODIFF_AUTODIFF_H
