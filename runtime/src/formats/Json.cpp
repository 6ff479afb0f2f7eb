//===- Json.cpp - A strict JSON reader and writer -------------------------===//
//
// JsonValue, the writer and UTF-8 validation; the parser is in
// JsonParser.cpp.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Json.h"

#include <cstdio>

using namespace tcc::rt;

JsonValue JsonValue::boolean(bool value) {
  JsonValue result;
  result.kind_ = Kind::Bool;
  result.bool_ = value;
  return result;
}

JsonValue JsonValue::string(std::string value) {
  JsonValue result;
  result.kind_ = Kind::String;
  result.text_ = std::move(value);
  return result;
}

JsonValue JsonValue::integer(int64_t value) {
  return numberLiteral(std::to_string(value));
}

JsonValue JsonValue::unsignedInteger(uint64_t value) {
  return numberLiteral(std::to_string(value));
}

JsonValue JsonValue::numberLiteral(std::string text) {
  JsonValue result;
  result.kind_ = Kind::Number;
  result.text_ = std::move(text);
  return result;
}

JsonValue JsonValue::array() {
  JsonValue result;
  result.kind_ = Kind::Array;
  return result;
}

JsonValue JsonValue::object() {
  JsonValue result;
  result.kind_ = Kind::Object;
  return result;
}

std::optional<uint64_t> JsonValue::asUInt64() const {
  if (kind_ != Kind::Number || text_.empty())
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text_) {
    if (c < '0' || c > '9')
      return std::nullopt;
    uint64_t digit = uint64_t(c - '0');
    if (value > (UINT64_MAX - digit) / 10)
      return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<int64_t> JsonValue::asInt64() const {
  if (kind_ != Kind::Number || text_.empty() || text_[0] != '-') {
    std::optional<uint64_t> value = asUInt64();
    if (!value || *value > uint64_t(INT64_MAX))
      return std::nullopt;
    return int64_t(*value);
  }
  std::optional<uint64_t> magnitude = numberLiteral(text_.substr(1)).asUInt64();
  if (!magnitude || *magnitude > uint64_t(INT64_MAX) + 1)
    return std::nullopt;
  return int64_t(0 - *magnitude);
}

const JsonValue *JsonValue::find(std::string_view key) const {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key)
      return &children_[i];
  return nullptr;
}

void JsonValue::append(JsonValue value) {
  children_.push_back(std::move(value));
}

void JsonValue::append(std::string key, JsonValue value) {
  keys_.push_back(std::move(key));
  children_.push_back(std::move(value));
}

const char *JsonValue::describe(Kind kind) {
  switch (kind) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "a bool";
  case Kind::Number:
    return "a number";
  case Kind::String:
    return "a string";
  case Kind::Array:
    return "an array";
  case Kind::Object:
    return "an object";
  }
  return "an invalid value";
}

namespace {

/// Length of the well-formed UTF-8 sequence starting at text[pos], or 0.
size_t utf8SequenceLength(std::string_view text, size_t pos) {
  auto byte = [&](size_t i) -> unsigned {
    return pos + i < text.size() ? static_cast<unsigned char>(text[pos + i])
                                 : 0;
  };
  auto isTail = [](unsigned b) { return (b & 0xc0) == 0x80; };
  unsigned b0 = byte(0);
  if (b0 < 0x80)
    return 1;
  // The ranges of the second byte exclude overlong forms, surrogates and
  // code points past U+10FFFF (RFC 3629, section 4).
  unsigned b1 = byte(1);
  if (b0 >= 0xc2 && b0 <= 0xdf)
    return isTail(b1) ? 2 : 0;
  unsigned low = 0x80, high = 0xbf;
  size_t length = 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    low = b0 == 0xe0 ? 0xa0 : 0x80;
    high = b0 == 0xed ? 0x9f : 0xbf;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    low = b0 == 0xf0 ? 0x90 : 0x80;
    high = b0 == 0xf4 ? 0x8f : 0xbf;
  } else {
    return 0;
  }
  if (b1 < low || b1 > high)
    return 0;
  for (size_t i = 2; i < length; ++i)
    if (!isTail(byte(i)))
      return 0;
  return length;
}

void serializeTo(std::string &out, const JsonValue &value) {
  switch (value.kind()) {
  case JsonValue::Kind::Null:
    out += "null";
    return;
  case JsonValue::Kind::Bool:
    out += value.boolValue() ? "true" : "false";
    return;
  case JsonValue::Kind::Number:
    out += value.text();
    return;
  case JsonValue::Kind::String:
    appendJsonString(out, value.text());
    return;
  case JsonValue::Kind::Array:
  case JsonValue::Kind::Object:
    break;
  }
  bool isObject = value.isObject();
  out += isObject ? '{' : '[';
  for (size_t i = 0; i < value.size(); ++i) {
    if (i)
      out += ',';
    if (isObject) {
      appendJsonString(out, value.keyAt(i));
      out += ':';
    }
    serializeTo(out, value[i]);
  }
  out += isObject ? '}' : ']';
}

} // namespace

std::string tcc::rt::serializeJson(const JsonValue &value) {
  std::string out;
  serializeTo(out, value);
  return out;
}

void tcc::rt::appendJsonString(std::string &out, std::string_view text) {
  out += '"';
  // Copies the runs between escapes whole: metadata strings can be large.
  size_t runStart = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\')
      continue;
    out.append(text.data() + runStart, i - runStart);
    runStart = i + 1;
    const char *escape = nullptr;
    switch (byte) {
    case '"':
      escape = "\\\"";
      break;
    case '\\':
      escape = "\\\\";
      break;
    case '\b':
      escape = "\\b";
      break;
    case '\f':
      escape = "\\f";
      break;
    case '\n':
      escape = "\\n";
      break;
    case '\r':
      escape = "\\r";
      break;
    case '\t':
      escape = "\\t";
      break;
    default:
      break;
    }
    if (escape) {
      out += escape;
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", byte);
      out += buffer;
    }
  }
  out.append(text.data() + runStart, text.size() - runStart);
  out += '"';
}

bool tcc::rt::isValidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    size_t length = utf8SequenceLength(text, pos);
    if (length == 0)
      return false;
    pos += length;
  }
  return true;
}
