//===- Json.h - A strict JSON reader and writer -----------------*- C++ -*-===//
//
// JSON (RFC 8259) for the formats that embed it: the safetensors header and
// the artifact's text sections. The reader takes hostile input: it accepts
// exactly RFC 8259 with no extensions (no comments, trailing commas, NaN or
// BOM), rejects duplicate keys and invalid UTF-8, and bounds both nesting
// depth and the number of values, so memory stays proportional to a budget
// rather than to whatever the input asks for.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_JSON_H
#define TCC_RUNTIME_JSON_H

#include "tcc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcc::rt {

/// A JSON value. Objects keep their members in input (or insertion) order.
class JsonValue {
public:
  enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };

  /// null.
  JsonValue() = default;
  static JsonValue boolean(bool value);
  static JsonValue string(std::string value);
  static JsonValue integer(int64_t value);
  static JsonValue unsignedInteger(uint64_t value);
  /// `text` must be a JSON number literal (the parser guarantees it); the
  /// literal is kept as written so that no precision is lost.
  static JsonValue numberLiteral(std::string text);
  static JsonValue array();
  static JsonValue object();

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isNumber() const { return kind_ == Kind::Number; }
  bool isString() const { return kind_ == Kind::String; }
  bool isArray() const { return kind_ == Kind::Array; }
  bool isObject() const { return kind_ == Kind::Object; }

  /// false unless a Bool.
  bool boolValue() const { return bool_; }
  /// The decoded UTF-8 text of a String, or the literal of a Number.
  const std::string &text() const { return text_; }
  /// A Number written as an integer (no fraction or exponent) in range.
  std::optional<uint64_t> asUInt64() const;
  std::optional<int64_t> asInt64() const;

  /// Elements of an Array, or values of an Object's members.
  size_t size() const { return children_.size(); }
  const JsonValue &operator[](size_t index) const { return children_[index]; }
  /// Key of an Object's member `index`.
  const std::string &keyAt(size_t index) const { return keys_[index]; }
  /// The member's value, or nullptr when absent or not an Object. Linear.
  const JsonValue *find(std::string_view key) const;

  /// Appends to an Array.
  void append(JsonValue value);
  /// Appends a member to an Object; the caller keeps keys unique (the
  /// reader rejects duplicates, so a writer must not produce them).
  void append(std::string key, JsonValue value);

  /// "null", "a bool", "a number", "a string", "an array", "an object".
  static const char *describe(Kind kind);

private:
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  std::string text_;
  std::vector<JsonValue> children_;
  std::vector<std::string> keys_;
};

/// Limits that keep hostile input from exhausting the stack or memory.
struct JsonLimits {
  /// Arrays and objects nested deeper than this are rejected.
  size_t maxDepth = 64;
  /// Values (of any kind, keys not counted) beyond this are rejected; each
  /// costs about 100 bytes, so the default bounds memory near 400 MiB.
  size_t maxValues = size_t(1) << 22;
};

/// Parses one JSON value surrounded by optional whitespace. Errors read
/// "<what> at offset <n> near "<text>"" for the caller to prefix with the
/// source name.
StatusOr<JsonValue> parseJson(std::string_view text, JsonLimits limits = {});

/// Compact JSON text (no whitespace), members in order, non-ASCII UTF-8
/// written as is. Strings must be valid UTF-8 (checkable with isValidUtf8).
std::string serializeJson(const JsonValue &value);

/// Appends `text` as a quoted JSON string, escaping '"', '\\' and control
/// characters; `text` must be valid UTF-8.
void appendJsonString(std::string &out, std::string_view text);

/// True when `text` is well-formed UTF-8: no overlong forms, surrogates or
/// code points past U+10FFFF.
bool isValidUtf8(std::string_view text);

} // namespace tcc::rt

#endif // TCC_RUNTIME_JSON_H
