//===- InputLimits.cpp - reject inputs that would exhaust the parser ------===//

#include "tcc/Tools/InputLimits.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

LogicalResult mlir::tcc::checkInputLimits(SourceMgr &sourceMgr) {
  for (unsigned id = 1, e = sourceMgr.getNumBuffers(); id <= e; ++id) {
    StringRef text = sourceMgr.getMemoryBuffer(id)->getBuffer();
    unsigned depth = 0;
    for (size_t i = 0, n = text.size(); i < n; ++i) {
      char c = text[i];
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
      bool opens = c == '(' || c == '[' || c == '{' || c == '<';
      // `->` and `>=` are not closing brackets.
      bool closes = c == ')' || c == ']' || c == '}' ||
                    (c == '>' && !(i > 0 && text[i - 1] == '-') &&
                     !(i + 1 < n && text[i + 1] == '='));
      if (opens && ++depth > kMaxNestingDepth) {
        sourceMgr.PrintMessage(
            SMLoc::getFromPointer(text.data() + i), SourceMgr::DK_Error,
            "input nests brackets more than " + Twine(kMaxNestingDepth) +
                " levels deep; tcc rejects it rather than overflow the "
                "parser's stack");
        return failure();
      }
      if (closes && depth > 0)
        --depth;
    }
  }
  return success();
}
