//===- InputLimits.cpp - reject inputs that would exhaust the parser ------===//

#include "tcc/Tools/InputLimits.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace {

/// Scans one buffer of MLIR text; reports the first violated limit.
class LimitsScanner {
public:
  LimitsScanner(SourceMgr &sourceMgr, StringRef text)
      : sourceMgr(sourceMgr), text(text) {}

  LogicalResult scan();

private:
  LogicalResult fail(size_t at, const Twine &message) {
    sourceMgr.PrintMessage(SMLoc::getFromPointer(text.data() + at),
                           SourceMgr::DK_Error, message);
    return failure();
  }

  SourceMgr &sourceMgr;
  StringRef text;
};

LogicalResult LimitsScanner::scan() {
  // MLIR bytecode is binary and parsed without recursion on nesting.
  if (text.starts_with("ML\xEFR"))
    return success();
  unsigned depth = 0;
  // Bracket depth at which the innermost affine_map< / affine_set< opened,
  // and the operators seen since: MLIR parses a chain of `+`/`-`/`*` in an
  // affine expression recursively, one stack frame per operator.
  std::optional<unsigned> affineDepth;
  unsigned affineOperators = 0;
  for (size_t i = 0, n = text.size(); i < n; ++i) {
    char c = text[i];
    if (c == '\0')
      return fail(i, "input contains a NUL byte; tcc reads MLIR text or "
                     "MLIR bytecode");
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      // MLIR's lexer ends a comment at '\r' as well as at '\n'.
      i = text.find_first_of("\n\r", i);
      if (i == StringRef::npos)
        break;
      continue;
    }
    if (c == '"') {
      // Skip a string literal, honouring backslash escapes.
      for (++i; i < n && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\')
          ++i;
      continue;
    }
    if (!affineDepth && (text.substr(i).starts_with("affine_map<") ||
                         text.substr(i).starts_with("affine_set<"))) {
      affineDepth = depth;
      affineOperators = 0;
    }
    bool arrow = c == '-' && i + 1 < n && text[i + 1] == '>';
    if (affineDepth && !arrow && (c == '+' || c == '-' || c == '*') &&
        ++affineOperators > mlir::tcc::kMaxNestingDepth)
      return fail(i, "affine expression has more than " +
                         Twine(mlir::tcc::kMaxNestingDepth) +
                         " operators; tcc rejects it rather than overflow the "
                         "parser's stack");
    bool opens = c == '(' || c == '[' || c == '{' || c == '<';
    // `->` and `>=` are not closing brackets.
    bool closes = c == ')' || c == ']' || c == '}' ||
                  (c == '>' && !(i > 0 && text[i - 1] == '-') &&
                   !(i + 1 < n && text[i + 1] == '='));
    if (opens && ++depth > mlir::tcc::kMaxNestingDepth)
      return fail(i, "input nests brackets more than " +
                         Twine(mlir::tcc::kMaxNestingDepth) +
                         " levels deep; tcc rejects it rather than overflow "
                         "the parser's stack");
    if (closes && depth > 0) {
      --depth;
      if (affineDepth && depth == *affineDepth)
        affineDepth.reset();
    }
  }
  return success();
}

} // namespace

LogicalResult mlir::tcc::checkInputLimits(SourceMgr &sourceMgr) {
  for (unsigned id = 1, e = sourceMgr.getNumBuffers(); id <= e; ++id)
    if (failed(LimitsScanner(sourceMgr,
                             sourceMgr.getMemoryBuffer(id)->getBuffer())
                   .scan()))
      return failure();
  return success();
}
