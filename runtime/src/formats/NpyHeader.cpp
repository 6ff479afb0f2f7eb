//===- NpyHeader.cpp - .npy preamble and header dict parsing
//---------------===//
//
// The parts of the .npy reader that interpret untrusted text: the preamble
// (magic, version, header length) and the Python dict literal header. Both
// take already bounded input and never allocate more than its size.
//
//===----------------------------------------------------------------------===//

#include "NpyHeader.h"

#include <cstdio>
#include <cstring>

using namespace tcc::rt;
using namespace tcc::rt::npy;

std::string npy::formatShape(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

namespace {

uint32_t readLittleEndian(const uint8_t *bytes, size_t count) {
  uint32_t value = 0;
  for (size_t i = count; i-- > 0;)
    value = (value << 8) | bytes[i];
  return value;
}

} // namespace

StatusOr<Preamble> npy::parsePreamble(const uint8_t *data, size_t available,
                                      uint64_t fileSize) {
  size_t magicSeen = available < kMagicLength ? available : kMagicLength;
  if (magicSeen && std::memcmp(data, kMagic, magicSeen) != 0) {
    std::string_view start(reinterpret_cast<const char *>(data), magicSeen);
    return Status::error("not a .npy file: bad magic " + quoteSnippet(start) +
                         " (expected \"\\x93NUMPY\")");
  }
  if (fileSize < 10)
    return Status::error("truncated: " + std::to_string(fileSize) +
                         " bytes is shorter than the 10-byte .npy preamble");
  unsigned major = data[6], minor = data[7];
  if (major < 1 || major > 3 || minor != 0)
    return Status::error("unsupported .npy format version " +
                         std::to_string(major) + "." + std::to_string(minor) +
                         " (supported: 1.0, 2.0, 3.0)");
  // Version 1.0 has a u16 header length; 2.0 and 3.0 widened it to u32.
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t headerStart = 8 + lengthBytes;
  if (fileSize < headerStart || available < headerStart)
    return Status::error("truncated: " + std::to_string(fileSize) +
                         " bytes is shorter than the " +
                         std::to_string(headerStart) + "-byte .npy version " +
                         std::to_string(major) + ".0 preamble");
  size_t headerLength = readLittleEndian(data + 8, lengthBytes);
  if (headerLength > kNpyMaxHeaderLength)
    return Status::error("header length " + std::to_string(headerLength) +
                         " exceeds the limit of " +
                         std::to_string(kNpyMaxHeaderLength) + " bytes");
  if (headerLength > fileSize - headerStart)
    return Status::error("truncated: header length is " +
                         std::to_string(headerLength) + " bytes but only " +
                         std::to_string(fileSize - headerStart) +
                         " bytes follow the preamble");
  return Preamble{headerStart, headerLength};
}

namespace {

/// A strict parser for the subset of Python dict literals that numpy writes:
/// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  StatusOr<NpyHeader> parse();

private:
  Status fail(const std::string &what) const {
    return Status::error("malformed header: " + what + " at offset " +
                         std::to_string(pos_) + " near " +
                         quoteSnippet(text_.substr(pos_)));
  }
  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\n'))
      ++pos_;
  }
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status parseString(std::string &out);
  Status parseBool(bool &out);
  Status parseDim(int64_t &out);
  Status parseShape(std::vector<int64_t> &out);

  std::string_view text_;
  size_t pos_ = 0;
};

Status HeaderParser::parseString(std::string &out) {
  char quote = pos_ < text_.size() ? text_[pos_] : '\0';
  if (quote != '\'' && quote != '"')
    return fail("expected a quoted string");
  size_t start = ++pos_;
  while (pos_ < text_.size() && text_[pos_] != quote) {
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c == '\n')
      return fail("unterminated string");
    // Escapes and non-ASCII never occur in the keys and descrs we accept.
    if (c < 0x20 || c >= 0x7f || c == '\\')
      return fail("unsupported character in string");
    ++pos_;
  }
  if (pos_ == text_.size())
    return fail("unterminated string");
  out.assign(text_.substr(start, pos_ - start));
  ++pos_;
  return Status::ok();
}

Status HeaderParser::parseBool(bool &out) {
  for (auto [word, value] : {std::pair{"True", true}, {"False", false}}) {
    std::string_view w(word);
    if (text_.substr(pos_, w.size()) == w) {
      pos_ += w.size();
      out = value;
      return Status::ok();
    }
  }
  return fail("expected True or False for 'fortran_order'");
}

Status HeaderParser::parseDim(int64_t &out) {
  size_t start = pos_;
  bool negative = consume('-');
  if (!negative)
    consume('+');
  if (pos_ == text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
    return fail("expected an integer in 'shape'");
  uint64_t value = 0;
  bool tooLarge = false;
  while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    value = value * 10 + uint64_t(text_[pos_++] - '0');
    tooLarge |= value > (uint64_t(1) << 62);
  }
  std::string digits(text_.substr(start, pos_ - start));
  // Python 2 wrote longs with an 'L' suffix.
  consume('L');
  if (negative)
    return Status::error("negative dimension " + digits + " in 'shape'");
  if (tooLarge)
    return Status::error("dimension " + digits + " in 'shape' exceeds 2^62");
  out = static_cast<int64_t>(value);
  return Status::ok();
}

Status HeaderParser::parseShape(std::vector<int64_t> &out) {
  if (!consume('('))
    return fail("expected a tuple for 'shape'");
  skipSpace();
  if (consume(')'))
    return Status::ok();
  for (;;) {
    if (out.size() == kNpyMaxRank)
      return Status::error("'shape' has more than " +
                           std::to_string(kNpyMaxRank) + " dimensions");
    int64_t dim;
    if (Status s = parseDim(dim); !s)
      return s;
    out.push_back(dim);
    skipSpace();
    if (consume(')')) {
      // In Python "(5)" is the integer 5, not a tuple; numpy rejects it.
      if (out.size() == 1)
        return fail("'shape' (" + std::to_string(dim) +
                    ") is not a tuple (a 1-tuple needs a trailing comma)");
      return Status::ok();
    }
    if (!consume(','))
      return fail("expected ',' or ')' in 'shape'");
    skipSpace();
    if (consume(')'))
      return Status::ok();
  }
}

StatusOr<DType> interpretDescr(const std::string &descr) {
  std::string_view code = descr;
  char order = '=';
  if (!code.empty() &&
      std::string_view("<>|=").find(code[0]) != std::string_view::npos) {
    order = code[0];
    code.remove_prefix(1);
  }
  static constexpr std::pair<const char *, DType> known[] = {
      {"f8", DType::F64}, {"f4", DType::F32}, {"f2", DType::F16},
      {"i8", DType::I64}, {"i4", DType::I32}, {"i1", DType::I8},
      {"u1", DType::U8},  {"b1", DType::Bool}};
  for (auto [name, dtype] : known) {
    if (code != name)
      continue;
    // Byte order is meaningless for one-byte types; only wider ones care.
    if (order == '>' && dtypeSize(dtype) > 1)
      return Status::error("big-endian dtype '" + descr +
                           "' is not supported; convert it in NumPy with "
                           "arr.astype('<" +
                           std::string(code) + "') before saving");
    return dtype;
  }
  const char *kind = nullptr;
  switch (code.empty() ? '\0' : code[0]) {
  case 'O':
    kind = "object arrays of pickled Python objects";
    break;
  case 'U':
    kind = "unicode strings";
    break;
  case 'S':
  case 'a':
    kind = "byte strings";
    break;
  case 'V':
    kind = "structured or void";
    break;
  case 'M':
  case 'm':
    kind = "datetime or timedelta";
    break;
  case 'c':
    kind = "complex";
    break;
  }
  return Status::error("unsupported dtype " + quoteSnippet(descr) +
                       (kind ? std::string(" (") + kind + ")" : "") +
                       "; supported dtypes: f8, f4, f2, i8, i4, i1, u1, b1");
}

StatusOr<NpyHeader> HeaderParser::parse() {
  NpyHeader header;
  bool seenDescr = false, seenOrder = false, seenShape = false;
  std::string descr;
  skipSpace();
  if (!consume('{'))
    return fail("expected '{'");
  for (;;) {
    skipSpace();
    if (consume('}'))
      break;
    std::string key;
    if (Status s = parseString(key); !s)
      return s;
    skipSpace();
    if (!consume(':'))
      return fail("expected ':' after key '" + key + "'");
    skipSpace();
    bool *seen = key == "descr"           ? &seenDescr
                 : key == "fortran_order" ? &seenOrder
                 : key == "shape"         ? &seenShape
                                          : nullptr;
    if (!seen)
      return Status::error("malformed header: unexpected key " +
                           quoteSnippet(key) +
                           " (expected 'descr', 'fortran_order', 'shape')");
    if (*seen)
      return Status::error("malformed header: duplicate key '" + key + "'");
    *seen = true;
    Status s;
    if (key == "descr" && pos_ < text_.size() && text_[pos_] == '[')
      return Status::error("structured dtypes (a list 'descr') are not "
                           "supported; save each field as its own array");
    if (key == "descr")
      s = parseString(descr);
    else if (key == "fortran_order")
      s = parseBool(header.fortranOrder);
    else
      s = parseShape(header.shape);
    if (!s)
      return s;
    skipSpace();
    if (consume(','))
      continue;
    if (consume('}'))
      break;
    return fail("expected ',' or '}' after the value of '" + key + "'");
  }
  skipSpace();
  if (pos_ != text_.size())
    return fail("unexpected characters after '}'");
  for (auto [seen, key] : {std::pair{seenDescr, "descr"},
                           {seenOrder, "fortran_order"},
                           {seenShape, "shape"}})
    if (!seen)
      return Status::error(std::string("malformed header: missing key '") +
                           key + "'");
  StatusOr<DType> dtype = interpretDescr(descr);
  if (!dtype)
    return dtype.status();
  header.dtype = *dtype;
  std::optional<int64_t> count = checkedNumElements(header.shape);
  if (!count)
    return Status::error("shape " + formatShape(header.shape) +
                         " has more than 2^62 elements");
  header.numElements = *count;
  return header;
}

} // namespace

StatusOr<NpyHeader> npy::parseNpyHeader(std::string_view text) {
  return HeaderParser(text).parse();
}
