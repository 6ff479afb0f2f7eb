//===- Reduce.h - Element-wise reductions for the communicators -*- C++ -*-===//

#ifndef TCC_RUNTIME_COMM_REDUCE_H
#define TCC_RUNTIME_COMM_REDUCE_H

#include "tcc/runtime/Communicator.h"

#include <cstddef>
#include <vector>

namespace tcc::rt::comm {

/// out[i] = inputs[0][i] op inputs[1][i] op ..., in that order, for i in
/// [0, count); Avg divides the sum by inputs.size(). `dtype` must pass
/// checkReducibleDType, `inputs` must be non-empty, and `out` may alias none
/// of the inputs.
void reduceInto(DType dtype, ReduceOp op,
                const std::vector<const void *> &inputs, void *out,
                size_t count);

} // namespace tcc::rt::comm

#endif // TCC_RUNTIME_COMM_REDUCE_H
