//===- RunTool.h - `tcc run` and `tcc bench` --------------------*- C++ -*-===//
//
// The command lines that execute an artifact, shared by the runtime's own
// `tcc-run` (which links no LLVM) and the `tcc` driver, so that both behave
// the same: argv excludes the program and subcommand names.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_RUNTOOL_H
#define TCC_RUNTIME_RUNTOOL_H

namespace tcc::rt {

/// `run MODEL.tccm [--input NAME=@F.npy]... [--weights W.safetensors]
/// [--output-dir DIR] [--seed S] [--repeat N] [--threads N] [--trace F]
/// [--quiet]`: runs the artifact and prints (and writes) its outputs.
int runMain(int argc, char **argv, const char *tool);

/// `bench MODEL.tccm [--repeat N] [--warmup N] [--threads N] [--flops F]`:
/// latency statistics, achieved bandwidth and GFLOP/s (of the plan's
/// matmuls, or of --flops).
int benchMain(int argc, char **argv, const char *tool);

/// `run TRAIN.tccm --data D.npz --steps N (--weights W | --resume C) [--lr X]
/// [--lr-schedule constant|warmup-cosine --warmup-steps W --total-steps T]
/// [--batch-seed S] [--save F [--checkpoint-every K]] [--threads N]
/// [--quiet]`: trains with an artifact of `tcc compile --train`
/// (docs/training.md). runMain hands over when it sees --steps.
int trainMain(int argc, char **argv, const char *tool);

/// `comm-check [--timeout-ms T] [--elements E] [--skip RANK:CALL]`, under
/// mpirun or srun: runs every collective of the MPI communicator on data
/// each rank can check alone and reports per rank (CommCheckTool.cpp).
int commCheckMain(int argc, char **argv, const char *tool);

} // namespace tcc::rt

#endif // TCC_RUNTIME_RUNTOOL_H
