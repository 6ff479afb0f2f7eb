//===- SanitizerOptions.cpp - ASan defaults of the sanitized tools --------===//
//
// Linked only into the TCC_SANITIZE build. tcc's code is instrumented but
// Debian's libMLIR.so is not, and both contain copies of LLVM's inline
// BumpPtrAllocator: the instrumented copy poisons fresh slabs for ASan while
// the uninstrumented one hands out memory from them without unpoisoning, so
// every uniqued attribute the parser builds would be a false use-after-poison.
// Manual poisoning is therefore off; ASan still checks every access against
// its own redzones. LLVM's long-lived globals make leak reports noise.
//
//===----------------------------------------------------------------------===//

extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0:detect_leaks=0";
}
