//===- TccMain.cpp - the tcc driver's subcommands -------------------------===//

#include "tcc/Driver/TccMain.h"

#include "tcc/Driver/Commands.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace mlir;

namespace {
struct Subcommand {
  llvm::StringLiteral name;
  llvm::StringLiteral summary;
  int (*main)(int argc, char **argv);
};

constexpr Subcommand kSubcommands[] = {
    {"import", "import an ONNX model as tcc MLIR and safetensors weights",
     tcc::importMain},
    {"compile", "compile a model into an artifact (.tccm)", tcc::compileMain},
    {"run", "run a compiled artifact", tcc::runMain},
    {"bench", "measure a compiled artifact's latency", tcc::benchMain},
    {"verify", "compare the compiled program with the evaluator, group by group",
     tcc::verifyMain},
    {"eval", "evaluate a model with the reference evaluator",
     tcc::evalMain},
};

void printUsage(llvm::raw_ostream &os) {
  os << "usage: tcc <subcommand> [options]\n\nsubcommands:\n";
  for (const Subcommand &s : kSubcommands)
    os << "  " << s.name << "\t" << s.summary << "\n";
  os << "\nRun `tcc <subcommand> --help` for its options.\n";
}
} // namespace

int mlir::tcc::tccMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (argc < 2) {
    printUsage(llvm::errs());
    return 1;
  }
  llvm::StringRef name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    printUsage(llvm::outs());
    return 0;
  }
  for (const Subcommand &s : kSubcommands) {
    if (name != s.name)
      continue;
    // The subcommand sees itself as the program: `tcc eval --help` shows
    // "USAGE: tcc eval [options]".
    std::string program = "tcc " + s.name.str();
    argv[1] = program.data();
    return s.main(argc - 1, argv + 1);
  }
  llvm::errs() << "tcc: unknown subcommand '" << name << "'\n\n";
  printUsage(llvm::errs());
  return 1;
}
