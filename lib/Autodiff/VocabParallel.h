//===- VocabParallel.h - Megatron's vocabulary-parallel tables --*- C++ -*-===//
//
// The other half of Megatron-LM's tensor parallelism (Shoeybi et al. 2019,
// section 3): a token embedding table [V, C] and the output head that
// projects onto the vocabulary (often the same, tied, weight) are split by
// rows, each of tp devices holding the rows of V / tp tokens. A lookup
// reads the rows its device holds and zeros for the others, and an
// all_reduce over tp sums the devices' parts. The head's logits stay split
// over the vocabulary, and the cross-entropy is computed from per-device
// partial results (each row's largest logit, sum of exponentials and
// target logit), two all_reduces of [N] values in place of gathering the
// [N, V] logits.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_AUTODIFF_VOCABPARALLEL_H
#define TCC_LIB_AUTODIFF_VOCABPARALLEL_H

#include "TensorParallel.h"

namespace mlir::tcc::autodiff {

/// Splits by rows over `axis` every parameter table W [V, C] of `forward`
/// (a per-device function on `mesh`) that nothing splits yet, tp dividing
/// V, read only by
///   - lookups `tcc.gather W, indices axis = 0` (embeddings), and
///   - output heads `x W^T`, whose logits reach cross-entropies through
///     reshapes that keep the vocabulary last and elementwise ops (a bias
///     [V] read nowhere else is split with W);
/// when an annotation asks for it, or when W is a vocabulary (V >= C) that
/// a head feeds a loss with or that is looked up at indices computed from
/// the data (position tables, looked up at constant positions, and narrow
/// classifier heads stay whole). A reduction over the vocabulary reduces
/// each device's part and combines them; any other reader of the logits
/// gets them whole from an all_gather. `requests`: the annotations on
/// parameters; one asking for a whole table keeps it whole. Returns how
/// many tables it split.
unsigned splitVocabularies(func::FuncOp forward, FlatSymbolRefAttr mesh,
                           StringRef axis, int64_t tp,
                           const SplitRequests &requests);

} // namespace mlir::tcc::autodiff

#endif // TCC_LIB_AUTODIFF_VOCABPARALLEL_H
