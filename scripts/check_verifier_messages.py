#!/usr/bin/env python3
"""Checks that every diagnostic the tcc sources emit has a lit test.

Usage: check_verifier_messages.py <repo-root>

Finds each diagnostic in dialects/**/*.cpp and lib/**/*.cpp:

  error("...")  error(Twine(what) + "...")     shape-library ErrorFn calls
  LocatedError{...}("...")                     the same, on a temporary
  emitOpError("...") << ...                    op verifiers
  emitError() << "..."  emitError(loc) << ...  attributes, dialect hooks
  parser.emitError(loc, "...") << ...          custom parsers

and collects the string literals of the diagnostic: those in the call's
arguments and in the `<<` chain that follows it, up to the end of the
statement. Literals without a letter or digit ("'", ": ") and the "' op "
that prefixes a forwarded message carry no text of their own and are
dropped; a diagnostic left with no literal (`op->emitOpError() << message`)
only forwards a message checked at its source, and is skipped.

A diagnostic is covered when one `expected-error {{...}}` text in
test/**/*.mlir contains all of its literals, in order. For tools that have
no -verify-diagnostics (`tcc eval`), the text after `error:` in a FileCheck
`CHECK...:` line of a .mlir or .test file counts too. (Its key, the literal
it starts with, or its longest literal when it starts with a placeholder,
is what the report and the allowlist name.) Tests marked XFAIL do not count.

scripts/verifier_messages_allowlist.txt names diagnostics that IR text cannot
reach, one literal per line (the key or any literal of the diagnostic),
each with a `# why` comment. An entry that matches no diagnostic, or only
covered ones, is an error, so the list cannot go stale.

Prints each uncovered diagnostic with file:line and exits 1, or prints
`verifier messages: N checked, all covered` and exits 0.
"""

import os
import re
import sys

SOURCE_DIRS = ("dialects", "lib")
ALLOWLIST = os.path.join("scripts", "verifier_messages_allowlist.txt")

# Where a diagnostic starts. The callee must not be qualified with `::` (that
# is llvm::WithColor::error(stream, tool), a tool's message, not IR's).
CALL_RE = re.compile(
    r"(?<![\w:])(?:"
    r"error"                               # ErrorFn error(...)
    r"|emitOpError|emitError"              # Operation / Location / parser
    r"|\w*Error\s*\{[^{};]*\}"             # LocatedError{loc, name}(...)
    r")\s*\(")

# A literal whose only role is to wrap a forwarded message: "'" << opName <<
# "' op " << message.
PREFIX_RE = re.compile(r"^'?\s*op$")

EXPECTED_RE = re.compile(r"expected-error(?:-re)?(?:@[^\s{]*)?\s*\{\{(.*)\}\}")
# Tools without -verify-diagnostics (`tcc eval`) are tested through FileCheck
# on their stderr: `// CHECK: error: ...`, with any check prefix
# (`--check-prefix=POW` gives `// POW: ...`).
CHECK_ERROR_RE = re.compile(
    r"^\s*(?://|#|;)\s*(?!RUN:)[A-Z][\w-]*:.*?\berror:(.*)$", re.MULTILINE)


class Source:
    """A C++ file with comments, string and character literals masked, so
    that brackets and semicolons can be matched on the masked text."""

    def __init__(self, text):
        self.text = text
        masked = list(text)
        self.literals = {}  # offset of the opening quote -> (end, value)
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                for k in range(i, end):
                    masked[k] = " "
                i = end
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
                for k in range(i, end):
                    if masked[k] != "\n":
                        masked[k] = " "
                i = end
            elif c == "R" and text.startswith('R"', i) and \
                    (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
                open_paren = text.find("(", i + 2)
                delim = text[i + 2:open_paren]
                close = text.find(")" + delim + '"', open_paren)
                end = close + len(delim) + 2
                self.literals[i + 1] = (end, text[open_paren + 1:close])
                for k in range(i + 2, end - 1):
                    if masked[k] != "\n":
                        masked[k] = "x"
                i = end
            elif c == '"' or c == "'":
                value, k = [], i + 1
                while k < n and text[k] != c and text[k] != "\n":
                    if text[k] == "\\" and k + 1 < n:
                        value.append(unescape(text[k + 1]))
                        k += 2
                    else:
                        value.append(text[k])
                        k += 1
                end = k + 1
                if c == '"':
                    self.literals[i] = (end, "".join(value))
                for k in range(i + 1, end - 1):
                    masked[k] = "x"
                i = end
            else:
                i += 1
        self.masked = "".join(masked)

    def line_of(self, offset):
        return self.text.count("\n", 0, offset) + 1

    def statement_end(self, start):
        """Offset of the `;` (or unmatched closing bracket) ending the
        expression that starts at `start`."""
        depth = 0
        for k in range(start, len(self.masked)):
            c = self.masked[k]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    return k
                depth -= 1
            elif c == ";" and depth == 0:
                return k
        return len(self.masked)

    def matching_paren(self, open_paren):
        """Offset of the `)` closing the `(` at `open_paren`."""
        depth = 0
        for k in range(open_paren, len(self.masked)):
            c = self.masked[k]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth == 0:
                    return k
        return len(self.masked)

    def chunks(self, start, end):
        """The literals in [start, end), adjacent ones joined, with a flag
        telling whether each is an alternative of a `?:`."""
        result = []
        last_end = None
        for offset in sorted(o for o in self.literals if start <= o < end):
            lit_end, value = self.literals[offset]
            if last_end is not None and not self.masked[last_end:offset].strip():
                result[-1] = (result[-1][0] + value, result[-1][1])
            else:
                before = self.masked[start:offset].rstrip()
                optional = before.endswith("?") or (
                    before.endswith(":") and not before.endswith("::"))
                result.append((value, optional))
            last_end = lit_end
        return result


def unescape(c):
    return {"n": "\n", "t": "\t", "0": "\0"}.get(c, c)


class Diagnostic:
    def __init__(self, path, line, chunks, starts_with_literal):
        self.path, self.line = path, line
        self.chunks = chunks          # [(text, optional)], stripped
        texts = [t for t, _ in chunks]
        if starts_with_literal:
            self.key = texts[0]
        else:
            self.key = max(texts, key=len)
        self.signature = " {} ".join(texts)

    def required(self):
        return [t for t, optional in self.chunks if not optional]

    def covered_by(self, expected):
        for text in expected:
            pos = 0
            for chunk in self.required():
                found = text.find(chunk, pos)
                if found < 0:
                    break
                pos = found + len(chunk)
            else:
                return True
        return False


def find_diagnostics(root):
    diagnostics = []
    for top in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith(".cpp"):
                    path = os.path.join(dirpath, name)
                    with open(path, encoding="utf-8") as f:
                        source = Source(f.read())
                    diagnostics += diagnostics_in(source,
                                                  os.path.relpath(path, root))
    return diagnostics


def diagnostics_in(source, path):
    found = []
    for match in CALL_RE.finditer(source.masked):
        args_start = match.end()
        if match.group(0).startswith("emit"):
            # The call and the `<<` chain after it.
            end = source.statement_end(args_start - 1)
        else:
            # An ErrorFn takes the whole message as its argument.
            end = source.matching_paren(args_start - 1)
        if not any(args_start <= o < end for o in source.literals):
            # `InFlightDiagnostic diag = op->emitError();` followed by
            # `diag << "..."` statements: each of those is a message.
            found += held_diagnostics(source, path, match.start(), end)
            continue
        found += diagnostic_at(source, path, match.start(), args_start, end)
    return found


def held_diagnostics(source, path, call_start, call_end):
    stmt_start = max(source.masked.rfind(c, 0, call_start) for c in ";{}") + 1
    held = re.fullmatch(r"\s*(?:mlir::)?InFlightDiagnostic\s+(\w+)\s*=.*",
                    source.masked[stmt_start:call_start])
    if not held:
        return []
    found = []
    # The enclosing block ends where statement_end finds an unmatched `}`.
    block_end = call_end
    while block_end < len(source.masked) and source.masked[block_end] == ";":
        block_end = source.statement_end(block_end + 1)
    stream = re.compile(r"(?:\breturn\s+)?\b" + held.group(1) + r"\s*<<")
    for use in stream.finditer(source.masked, call_end, block_end):
        end = source.statement_end(use.end())
        found += diagnostic_at(source, path, use.start(), use.end(), end)
    return found


def diagnostic_at(source, path, start, args_start, end):
    """The diagnostic whose call or `<<` chain spans [args_start, end)."""
    raw = source.chunks(args_start, end)
    chunks = []
    for text, optional in raw:
        text = text.strip()
        if re.search(r"[A-Za-z0-9]", text) and not PREFIX_RE.match(text):
            chunks.append((text, optional))
    if not chunks:
        return []  # forwards a message reported where it is made
    # The message starts with a literal when that literal comes first in the
    # call's arguments (after the location argument of emitError(loc, ...)),
    # or first in the `<<` chain after the call.
    first = min(o for o in source.literals if args_start <= o < end)
    lead = source.masked[args_start:first]
    starts = bool(re.fullmatch(r"\s*(?:[^,()]+,\s*)?", lead)) or \
        bool(re.fullmatch(r"[^()]*\)\s*<<\s*", lead))
    raw_first = raw[0][0].strip()
    if not re.search(r"[A-Za-z0-9]", raw_first) or PREFIX_RE.match(raw_first):
        starts = False
    return [Diagnostic(path, source.line_of(start), chunks, starts)]


def expected_errors(root):
    texts = []
    for dirpath, _, files in os.walk(os.path.join(root, "test")):
        for name in sorted(files):
            if not name.endswith((".mlir", ".test")):
                continue
            with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                content = f.read()
            if re.search(r"^\s*(?://|#|;)\s*XFAIL:", content, re.MULTILINE):
                continue
            if name.endswith(".mlir"):
                texts += [m.group(1) for m in EXPECTED_RE.finditer(content)]
            texts += [m.group(1) for m in CHECK_ERROR_RE.finditer(content)]
    return texts


def read_allowlist(root):
    entries = []
    path = os.path.join(root, ALLOWLIST)
    if not os.path.exists(path):
        return entries
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            text, _, why = line.partition("#")
            text = text.strip()
            if not text:
                continue
            if not why.strip():
                print(f"{ALLOWLIST}:{number}: '{text}' needs a '# why' comment")
                entries.append((number, text, False))
            else:
                entries.append((number, text, True))
    return entries


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = argv[1]
    diagnostics = find_diagnostics(root)
    expected = expected_errors(root)
    allowlist = read_allowlist(root)

    def allowed(diag):
        return any(text == diag.key or text in diag.required()
                   for _, text, _ in allowlist)

    failed = False
    for number, text, has_reason in allowlist:
        matches = [d for d in diagnostics
                   if text == d.key or text in d.required()]
        if not has_reason:
            failed = True
        elif not matches:
            print(f"{ALLOWLIST}:{number}: '{text}' matches no diagnostic")
            failed = True
        elif all(d.covered_by(expected) for d in matches):
            print(f"{ALLOWLIST}:{number}: '{text}' is covered by a test; "
                  "remove it from the allowlist")
            failed = True

    uncovered = [d for d in diagnostics
                 if not d.covered_by(expected) and not allowed(d)]
    for d in uncovered:
        print(f"{d.path}:{d.line}: uncovered: \"{d.key}\" "
              f"(needs an expected-error containing: {d.signature})")
    if uncovered or failed:
        if uncovered:
            print(f"verifier messages: {len(uncovered)} of {len(diagnostics)} "
                  "not covered by an expected-error in test/")
        return 1
    allowed_count = sum(1 for d in diagnostics if allowed(d))
    if allowed_count:
        print(f"verifier messages: {allowed_count} allowlisted as "
              "unreachable from IR")
    print(f"verifier messages: {len(diagnostics)} checked, all covered")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
