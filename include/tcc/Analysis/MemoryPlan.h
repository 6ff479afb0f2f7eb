//===- MemoryPlan.h - compile-time buffer planning --------------*- C++ -*-===//
//
// Every tensor a function materializes (each result of a top-level op; the
// values inside a tcc.fusion never reach memory) gets a byte range in one
// arena, planned from liveness at compile time so that buffers whose
// lifetimes do not overlap share memory. The backends allocate the arena
// once and the runtime reports the peak it measures against this plan.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_ANALYSIS_MEMORYPLAN_H
#define TCC_ANALYSIS_MEMORYPLAN_H

#include "mlir/IR/Block.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace mlir::tcc {

/// One buffer to place: its size and the interval of op positions
/// [start, end] during which it is live.
struct BufferRequest {
  int64_t bytes = 0;
  unsigned start = 0, end = 0;
};

/// Places `requests` in one arena: buffers live at the same time never
/// overlap. Greedy by decreasing size, each at the lowest offset that fits
/// (a classic heuristic: on the examples it reaches the live-bytes lower
/// bound). Offsets are multiples of `alignment`. Returns one offset per
/// request.
SmallVector<int64_t> placeBuffers(ArrayRef<BufferRequest> requests,
                                  int64_t alignment);

struct MemoryPlan {
  struct Buffer {
    Value value;
    BufferRequest request;
    int64_t offset = 0;
  };
  SmallVector<Buffer> buffers;
  /// Arena size: the largest offset + size.
  int64_t peakBytes = 0;
  /// The most bytes live at any one point: no plan can do better.
  int64_t liveLowerBound = 0;
  /// Bytes without reuse: every buffer its own allocation.
  int64_t totalBytes = 0;
};

/// Plans the tensors materialized by the ops of `block` (function
/// arguments belong to the caller). A value lives from its defining op to
/// its last use in the block; the block's terminator operands (results)
/// live to the end. `alignment` is in bytes.
MemoryPlan planMemory(Block &block, int64_t alignment = 64);

} // namespace mlir::tcc

#endif // TCC_ANALYSIS_MEMORYPLAN_H
