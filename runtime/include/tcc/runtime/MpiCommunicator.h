//===- MpiCommunicator.h - Collectives between the processes of an MPI job ===//
//
// The Communicator of one process of an MPI job (`mpirun -np N tcc run ...`,
// `srun`), over MPI_COMM_WORLD. It keeps the interface's promises across
// processes:
//
//  - Before its data moves, every collective exchanges a small header with
//    every other rank (the call's number, kind, count, dtype, reduce op,
//    root). A rank that skipped a collective or issued a different one is
//    reported at once on every rank ("ranks disagree on the call number:
//    rank 0 is at #3, rank 2 at #4"), not as a hang.
//  - Every wait is bounded by the communicator's own timeout: a rank that
//    never arrives makes every waiting rank fail with a message naming the
//    collective, its call number and the ranks that did not arrive.
//  - Reductions combine in rank order (((r0 op r1) op r2) ...), like the
//    loopback group, so every rank gets the same bits and the result does
//    not depend on the MPI library's algorithm. (Each rank gathers every
//    rank's input and reduces it: size() times the bytes of a ring
//    reduction. Fine for the meshes tests run; a ring over point-to-point
//    messages is the next step for large ones.)
//
// After an error the communicator is failed: every later call errors at
// once. The caller should then end the job (MPI_Abort) rather than wait in
// MPI_Finalize for ranks that are stuck.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_MPICOMMUNICATOR_H
#define TCC_RUNTIME_MPICOMMUNICATOR_H

#include "tcc/runtime/Communicator.h"

#include <chrono>
#include <memory>

namespace tcc::rt {

/// Whether this process was started by an MPI launcher (OpenMPI's mpirun,
/// a PMI/PMIx launcher, or SLURM's srun), read from the environment.
bool launchedByMpi();

/// Initializes MPI (once per process; finalized at exit) and returns this
/// process's communicator over MPI_COMM_WORLD, whose waits time out after
/// `timeout`. Errors when tcc was built without MPI or MPI fails to start.
StatusOr<std::unique_ptr<Communicator>>
createMpiCommunicator(std::chrono::milliseconds timeout);

/// Ends the whole MPI job with `code` (MPI_Abort): after a failed
/// collective the other ranks may be stuck, and MPI_Finalize would wait
/// for them. Exits the process when MPI is not running.
[[noreturn]] void abortMpiJob(int code);

} // namespace tcc::rt

#endif // TCC_RUNTIME_MPICOMMUNICATOR_H
