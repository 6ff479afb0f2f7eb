//===- JsonTest.cpp - Tests for the strict JSON reader and writer ---------===//

#include "tcc/runtime/Json.h"

#include <gtest/gtest.h>

using namespace tcc::rt;

namespace {

::testing::AssertionResult failsWith(std::string_view text,
                                     const std::string &expected,
                                     JsonLimits limits = {}) {
  StatusOr<JsonValue> parsed = parseJson(text, limits);
  if (parsed.isOk())
    return ::testing::AssertionFailure() << "parsed successfully";
  if (parsed.status().message() != expected)
    return ::testing::AssertionFailure()
           << "message \"" << parsed.status().message() << "\" is not \""
           << expected << "\"";
  return ::testing::AssertionSuccess();
}

TEST(JsonTest, ParsesEveryKind) {
  StatusOr<JsonValue> parsed = parseJson(
      " {\"n\": null, \"t\": true, \"f\": false, \"i\": -12, \"x\": 1.5e+3,"
      "\r\n\t\"s\": \"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\","
      " \"a\": [1, [], {}], \"o\": {\"k\": \"v\"}} ");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  const JsonValue &root = *parsed;
  ASSERT_TRUE(root.isObject());
  ASSERT_EQ(root.size(), 8u);
  EXPECT_EQ(root.keyAt(0), "n");
  EXPECT_TRUE(root[0].isNull());
  EXPECT_TRUE(root.find("t")->boolValue());
  EXPECT_TRUE(root.find("f")->isBool());
  EXPECT_FALSE(root.find("f")->boolValue());
  EXPECT_EQ(root.find("i")->asInt64(), -12);
  EXPECT_EQ(root.find("i")->asUInt64(), std::nullopt);
  EXPECT_EQ(root.find("x")->text(), "1.5e+3");
  EXPECT_EQ(root.find("x")->asInt64(), std::nullopt);
  EXPECT_EQ(root.find("s")->text(), "a\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  const JsonValue *array = root.find("a");
  ASSERT_TRUE(array && array->isArray());
  EXPECT_EQ(array->size(), 3u);
  EXPECT_TRUE((*array)[1].isArray());
  EXPECT_TRUE((*array)[2].isObject());
  EXPECT_EQ(root.find("o")->find("k")->text(), "v");
  EXPECT_EQ(root.find("missing"), nullptr);
  EXPECT_EQ(root.find("a")->find("k"), nullptr);
}

TEST(JsonTest, ConvertsIntegersExactly) {
  auto number = [](const char *text) { return JsonValue::numberLiteral(text); };
  EXPECT_EQ(number("18446744073709551615").asUInt64(), UINT64_MAX);
  EXPECT_EQ(number("18446744073709551616").asUInt64(), std::nullopt);
  EXPECT_EQ(number("9223372036854775807").asInt64(), INT64_MAX);
  EXPECT_EQ(number("9223372036854775808").asInt64(), std::nullopt);
  EXPECT_EQ(number("-9223372036854775808").asInt64(), INT64_MIN);
  EXPECT_EQ(number("-9223372036854775809").asInt64(), std::nullopt);
  EXPECT_EQ(number("-0").asInt64(), 0);
  EXPECT_EQ(number("1e2").asUInt64(), std::nullopt);
  EXPECT_EQ(number("2.0").asInt64(), std::nullopt);
  EXPECT_EQ(JsonValue::string("7").asUInt64(), std::nullopt);
  EXPECT_EQ(JsonValue::integer(INT64_MIN).text(), "-9223372036854775808");
  EXPECT_EQ(JsonValue::unsignedInteger(UINT64_MAX).asUInt64(), UINT64_MAX);
}

TEST(JsonTest, RoundTripsThroughTheWriter) {
  JsonValue root = JsonValue::object();
  JsonValue list = JsonValue::array();
  list.append(JsonValue::integer(-3));
  list.append(JsonValue::boolean(true));
  list.append(JsonValue());
  list.append(JsonValue::numberLiteral("0.25"));
  root.append("list", std::move(list));
  root.append("text",
              JsonValue::string(std::string("q\"\\\x01\x1f\x7f\n\xc3\xa9"
                                            "\0z",
                                            11)));
  root.append("", JsonValue::object());
  std::string text = serializeJson(root);
  EXPECT_EQ(text, "{\"list\":[-3,true,null,0.25],"
                  "\"text\":\"q\\\"\\\\\\u0001\\u001f\x7f\\n\xc3\xa9\\u0000z\","
                  "\"\":{}}");
  StatusOr<JsonValue> parsed = parseJson(text);
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_EQ(serializeJson(*parsed), text);
  EXPECT_EQ(parsed->find("text")->text(), root.find("text")->text());
}

TEST(JsonTest, RejectsInvalidJson) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "unexpected end of input, expected a value at offset 0 near \"\""},
      {"  ", "unexpected end of input, expected a value at offset 2"},
      {"{} x", "unexpected characters after the JSON value at offset 3"},
      {"{}{}", "unexpected characters after the JSON value at offset 2"},
      {"\xef\xbb\xbf{}", "expected a value at offset 0"},
      {"{\"a\":1,}", "expected a string key at offset 7"},
      {"[1,]", "expected a value at offset 3"},
      {"[1 2]", "expected ',' or ']' after an array element at offset 3"},
      {"{\"a\":1 \"b\":2}",
       "expected ',' or '}' after an object member at offset 7"},
      {"{\"a\" 1}", "expected ':' after an object key at offset 5"},
      {"{a:1}", "expected a string key at offset 1"},
      {"{'a':1}", "expected a string key at offset 1"},
      {"[", "unexpected end of input, expected a value at offset 1"},
      {"[1", "expected ',' or ']' after an array element at offset 2"},
      {"{\"a\":1, \"b\":2, \"a\":3}", "duplicate key \"a\" at offset 15"},
      {"\"abc", "unterminated string at offset 0"},
      {"\"a\nb\"", "unescaped control character 0x0a in a string at offset 2"},
      {"\"\\x\"", "invalid escape sequence at offset 2"},
      {"\"\\u12G4\"", "expected four hex digits after \\u at offset 5"},
      {"\"\\udc00\"", "unpaired low surrogate in a \\u escape at offset 7"},
      {"\"\\ud800\"", "unpaired high surrogate in a \\u escape at offset 7"},
      {"\"\\ud800\\u0041\"",
       "unpaired high surrogate in a \\u escape at offset 13"},
      {"\"\xc0\xaf\"", "invalid UTF-8 in a string at offset 1"},
      {"\"\xed\xa0\x80\"", "invalid UTF-8 in a string at offset 1"},
      {"\"\xf4\x90\x80\x80\"", "invalid UTF-8 in a string at offset 1"},
      {"\"ok\xe2\x82\"", "invalid UTF-8 in a string at offset 1"},
      {"\"\x80\"", "invalid UTF-8 in a string at offset 1"},
      {"01", "leading zeros are not allowed in numbers at offset 1"},
      {"-", "expected a digit at offset 1"},
      {"+1", "expected a value at offset 0"},
      {"1.", "expected a digit after the decimal point at offset 2"},
      {".5", "expected a value at offset 0"},
      {"1e", "expected a digit in the exponent at offset 2"},
      {"NaN", "expected a value at offset 0"},
      {"Infinity", "expected a value at offset 0"},
      {"tru", "expected a value at offset 0"},
      {"nul", "expected a value at offset 0"},
      {"[1] // comment", "unexpected characters after the JSON value"},
      {std::string("[1]\0", 4), "unexpected characters after the JSON value"},
  };
  for (const auto &[text, needle] : cases) {
    StatusOr<JsonValue> parsed = parseJson(text);
    ASSERT_FALSE(parsed.isOk()) << text;
    EXPECT_EQ(parsed.status().message().rfind(needle, 0), 0u)
        << "\"" << parsed.status().message() << "\" does not start with \""
        << needle << "\"";
  }
  // The snippet quotes what follows, escaped and cut short.
  EXPECT_TRUE(failsWith("[1, \x01" + std::string(50, 'x'),
                        "expected a value at offset 4 near "
                        "\"\\x01xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\""));
}

TEST(JsonTest, BoundsDepthAndValues) {
  JsonLimits limits;
  limits.maxDepth = 3;
  EXPECT_TRUE(parseJson("[[[1]]]", limits).isOk());
  EXPECT_TRUE(parseJson("[{\"a\":[]}]", limits).isOk());
  EXPECT_TRUE(failsWith(
      "[[[[1]]]]",
      "arrays and objects nested deeper than 3 levels at offset 3 near "
      "\"[1]]]]\"",
      limits));
  // The default depth stops a stack-exhausting input quickly.
  std::string deep(1 << 20, '[');
  EXPECT_TRUE(failsWith(deep, "arrays and objects nested deeper than 64 "
                              "levels at offset 64 near \"[[[[[[[[[[[[[[["
                              "[[[[[[[[[[[[[[[[[[[[[[[[[...\""));

  limits = JsonLimits();
  limits.maxValues = 4;
  EXPECT_TRUE(parseJson("[1, 2, 3]", limits).isOk());
  EXPECT_TRUE(failsWith("[1, 2, 3, 4]",
                        "more than 4 values at offset 10 near \"4]\"", limits));
  EXPECT_TRUE(parseJson("{\"a\": 1, \"b\": 2}", limits).isOk());
}

TEST(JsonTest, ValidatesUtf8) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(
      isValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
  EXPECT_TRUE(isValidUtf8(std::string("\0", 1)));
  for (const char *bad :
       {"\x80", "\xc3", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xbf\xbf",
        "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
        "a\xe2\x82"})
    EXPECT_FALSE(isValidUtf8(bad)) << bad;
}

// Every prefix of a valid document is rejected or parses, never crashes.
TEST(JsonTest, SurvivesTruncation) {
  std::string text = "{\"a\": [1, -2.5e3, true, null, \"x\\u00e9\\ud83d"
                     "\\ude00\xc3\xa9\"], \"b\": {\"c\": false}}";
  ASSERT_TRUE(parseJson(text).isOk());
  for (size_t size = 0; size < text.size(); ++size)
    EXPECT_FALSE(parseJson(text.substr(0, size)).isOk()) << size;
}

} // namespace
