//===- JsonParser.cpp - A strict JSON reader ------------------------------===//
//
// A recursive-descent parser whose recursion depth and value count are
// bounded by JsonLimits; every other allocation is bounded by the input.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Json.h"

#include "FileIO.h"

#include <algorithm>
#include <cstdio>

using namespace tcc::rt;

namespace {

void appendUtf8(std::string &out, uint32_t codePoint) {
  if (codePoint < 0x80) {
    out += char(codePoint);
  } else if (codePoint < 0x800) {
    out += char(0xc0 | codePoint >> 6);
    out += char(0x80 | (codePoint & 0x3f));
  } else if (codePoint < 0x10000) {
    out += char(0xe0 | codePoint >> 12);
    out += char(0x80 | ((codePoint >> 6) & 0x3f));
    out += char(0x80 | (codePoint & 0x3f));
  } else {
    out += char(0xf0 | codePoint >> 18);
    out += char(0x80 | ((codePoint >> 12) & 0x3f));
    out += char(0x80 | ((codePoint >> 6) & 0x3f));
    out += char(0x80 | (codePoint & 0x3f));
  }
}

class Parser {
public:
  Parser(std::string_view text, JsonLimits limits)
      : text_(text), limits_(limits) {}

  StatusOr<JsonValue> parse() {
    JsonValue value;
    if (Status s = parseValue(value); !s)
      return s;
    skipSpace();
    if (pos_ != text_.size())
      return fail("unexpected characters after the JSON value");
    return value;
  }

private:
  Status fail(const std::string &what) const {
    return Status::error(what + " at offset " + std::to_string(pos_) +
                         " near " + io::quoteSnippet(text_.substr(pos_)));
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }
  bool isDigit() const { return !atEnd() && peek() >= '0' && peek() <= '9'; }
  void skipSpace() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' ||
                        peek() == '\r'))
      ++pos_;
  }

  Status parseValue(JsonValue &out);
  Status parseContainer(JsonValue &out, bool isObject);
  Status checkUniqueKeys(const JsonValue &object,
                         const std::vector<size_t> &keyOffsets);
  Status parseString(std::string &out);
  Status parseEscape(std::string &out);
  Status parseHex4(uint32_t &out);
  Status parseNumber(JsonValue &out);

  std::string_view text_;
  JsonLimits limits_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  size_t values_ = 0;
};

Status Parser::parseValue(JsonValue &out) {
  skipSpace();
  if (++values_ > limits_.maxValues)
    return fail("more than " + std::to_string(limits_.maxValues) + " values");
  char c = peek();
  if (atEnd())
    return fail("unexpected end of input, expected a value");
  if (c == '{' || c == '[')
    return parseContainer(out, c == '{');
  if (c == '"') {
    std::string text;
    if (Status s = parseString(text); !s)
      return s;
    out = JsonValue::string(std::move(text));
    return Status::ok();
  }
  if (c == '-' || isDigit())
    return parseNumber(out);
  for (const char *literal : {"true", "false", "null"}) {
    std::string_view word(literal);
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      out = c == 'n' ? JsonValue() : JsonValue::boolean(c == 't');
      return Status::ok();
    }
  }
  return fail("expected a value");
}

Status Parser::parseContainer(JsonValue &out, bool isObject) {
  if (++depth_ > limits_.maxDepth)
    return fail("arrays and objects nested deeper than " +
                std::to_string(limits_.maxDepth) + " levels");
  out = isObject ? JsonValue::object() : JsonValue::array();
  char close = isObject ? '}' : ']';
  std::vector<size_t> keyOffsets;
  ++pos_;
  skipSpace();
  if (peek() == close) {
    ++pos_;
    --depth_;
    return Status::ok();
  }
  for (;;) {
    skipSpace();
    std::string key;
    if (isObject) {
      if (peek() != '"')
        return fail("expected a string key");
      keyOffsets.push_back(pos_);
      if (Status s = parseString(key); !s)
        return s;
      skipSpace();
      if (peek() != ':')
        return fail("expected ':' after an object key");
      ++pos_;
    }
    JsonValue element;
    if (Status s = parseValue(element); !s)
      return s;
    if (isObject)
      out.append(std::move(key), std::move(element));
    else
      out.append(std::move(element));
    skipSpace();
    if (peek() == ',') {
      ++pos_;
      continue;
    }
    if (peek() != close)
      return fail(isObject ? "expected ',' or '}' after an object member"
                           : "expected ',' or ']' after an array element");
    ++pos_;
    break;
  }
  --depth_;
  return isObject ? checkUniqueKeys(out, keyOffsets) : Status::ok();
}

Status Parser::checkUniqueKeys(const JsonValue &object,
                               const std::vector<size_t> &keyOffsets) {
  std::vector<size_t> order(object.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    int compare = object.keyAt(a).compare(object.keyAt(b));
    return compare < 0 || (compare == 0 && a < b);
  });
  for (size_t i = 1; i < order.size(); ++i) {
    if (object.keyAt(order[i - 1]) != object.keyAt(order[i]))
      continue;
    // Equal keys sort by position: order[i] is the later of the two.
    pos_ = keyOffsets[order[i]];
    return fail("duplicate key " + io::quoteSnippet(object.keyAt(order[i])));
  }
  return Status::ok();
}

Status Parser::parseString(std::string &out) {
  size_t start = pos_++;
  for (;;) {
    if (atEnd()) {
      pos_ = start;
      return fail("unterminated string");
    }
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') {
      ++pos_;
      return Status::ok();
    }
    if (c == '\\') {
      if (Status s = parseEscape(out); !s)
        return s;
      continue;
    }
    if (c < 0x20) {
      char what[64];
      std::snprintf(what, sizeof(what),
                    "unescaped control character 0x%02x in a string", c);
      return fail(what);
    }
    // '"', '\\' and control characters never occur inside a multi-byte
    // sequence, so the run up to the next one can be checked on its own.
    size_t end = pos_;
    while (end < text_.size() && text_[end] != '"' && text_[end] != '\\' &&
           static_cast<unsigned char>(text_[end]) >= 0x20)
      ++end;
    std::string_view run = text_.substr(pos_, end - pos_);
    if (!isValidUtf8(run))
      return fail("invalid UTF-8 in a string");
    out.append(run);
    pos_ = end;
  }
}

Status Parser::parseEscape(std::string &out) {
  ++pos_;
  char c = peek();
  const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
  for (size_t i = 0; from[i]; ++i) {
    if (!atEnd() && c == from[i]) {
      out += to[i];
      ++pos_;
      return Status::ok();
    }
  }
  if (c != 'u')
    return fail("invalid escape sequence");
  ++pos_;
  uint32_t unit;
  if (Status s = parseHex4(unit); !s)
    return s;
  if (unit >= 0xdc00 && unit <= 0xdfff)
    return fail("unpaired low surrogate in a \\u escape");
  if (unit >= 0xd800 && unit <= 0xdbff) {
    if (text_.substr(pos_, 2) != "\\u")
      return fail("unpaired high surrogate in a \\u escape");
    pos_ += 2;
    uint32_t low;
    if (Status s = parseHex4(low); !s)
      return s;
    if (low < 0xdc00 || low > 0xdfff)
      return fail("unpaired high surrogate in a \\u escape");
    unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
  }
  appendUtf8(out, unit);
  return Status::ok();
}

Status Parser::parseHex4(uint32_t &out) {
  out = 0;
  for (int i = 0; i < 4; ++i, ++pos_) {
    char c = peek();
    uint32_t digit;
    if (c >= '0' && c <= '9')
      digit = uint32_t(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = uint32_t(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      digit = uint32_t(c - 'A' + 10);
    else
      return fail("expected four hex digits after \\u");
    out = out << 4 | digit;
  }
  return Status::ok();
}

Status Parser::parseNumber(JsonValue &out) {
  size_t start = pos_;
  if (peek() == '-')
    ++pos_;
  if (!isDigit())
    return fail("expected a digit");
  if (peek() == '0') {
    ++pos_;
    if (isDigit())
      return fail("leading zeros are not allowed in numbers");
  }
  while (isDigit())
    ++pos_;
  if (peek() == '.') {
    ++pos_;
    if (!isDigit())
      return fail("expected a digit after the decimal point");
    while (isDigit())
      ++pos_;
  }
  if (peek() == 'e' || peek() == 'E') {
    ++pos_;
    if (peek() == '+' || peek() == '-')
      ++pos_;
    if (!isDigit())
      return fail("expected a digit in the exponent");
    while (isDigit())
      ++pos_;
  }
  out =
      JsonValue::numberLiteral(std::string(text_.substr(start, pos_ - start)));
  return Status::ok();
}

} // namespace

StatusOr<JsonValue> tcc::rt::parseJson(std::string_view text,
                                       JsonLimits limits) {
  return Parser(text, limits).parse();
}
