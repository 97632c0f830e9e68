#include "util/utf8.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace util = gebieden::util;

TEST_CASE("util: UTF-8 sequence lengths and validation", "[util]") {
  CHECK(util::utf8_sequence_length("a", 0) == 1);
  CHECK(util::utf8_sequence_length("\xC3\xA9", 0) == 2);
  CHECK(util::utf8_sequence_length("\xE2\x82\xAC", 0) == 3);
  CHECK(util::utf8_sequence_length("\xF0\x9F\x98\x80", 0) == 4);
  CHECK(util::utf8_sequence_length("\xC0\x80", 0) == 0);          // overlong NUL
  CHECK(util::utf8_sequence_length("\xE0\x80\xAF", 0) == 0);      // overlong '/'
  CHECK(util::utf8_sequence_length("\xED\xA0\x80", 0) == 0);      // surrogate
  CHECK(util::utf8_sequence_length("\xF4\x90\x80\x80", 0) == 0);  // > U+10FFFF
  CHECK(util::utf8_sequence_length("\xC3", 0) == 0);              // truncated
  CHECK(util::utf8_sequence_length("\x80", 0) == 0);              // continuation byte
  CHECK(util::utf8_sequence_length("\xFF", 0) == 0);

  std::size_t at = 99;
  CHECK(util::is_valid_utf8("", &at));
  CHECK(util::is_valid_utf8("Leeuwarden Ljouwert \xC3\xA9\xE2\x82\xAC", &at));
  CHECK(at == 99);
  CHECK_FALSE(util::is_valid_utf8("ab\xC3\xA9x\xE9y", &at));
  CHECK(at == 5);
  CHECK_FALSE(util::is_valid_utf8("\xE2\x82", &at));
  CHECK(at == 0);
  CHECK_FALSE(util::is_valid_utf8("a\xED\xA0\x80"));
}

TEST_CASE("util: lenient decoding, either way", "[util]") {
  const std::string s = "a\xC3\xA9\xE9\xF0\x9F\x98\x80";
  std::size_t i = 0;
  CHECK(util::decode_utf8(s, i, util::InvalidByte::Surrogate) == U'a');
  CHECK(util::decode_utf8(s, i, util::InvalidByte::Surrogate) == U'\u00E9');
  CHECK(i == 3);
  std::size_t j = i;
  CHECK(util::decode_utf8(s, i, util::InvalidByte::Surrogate) == char32_t{0xDCE9});
  CHECK(util::decode_utf8(s, j, util::InvalidByte::Latin1) == char32_t{0xE9});
  CHECK(i == 4);
  CHECK(j == 4);
  CHECK(util::decode_utf8(s, i, util::InvalidByte::Latin1) == char32_t{0x1F600});
  CHECK(i == s.size());
}

TEST_CASE("util: encoding round-trips, invalid bytes included", "[util]") {
  const std::string s = "x\xC3\xA9\xE9\xE2\x82\xAC\xFF\xF0\x9F\x98\x80";
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    util::encode_utf8(util::decode_utf8(s, i, util::InvalidByte::Surrogate), out);
  }
  CHECK(out == s);
  std::string one;
  util::encode_utf8(0x10FFFF, one);
  CHECK(one == "\xF4\x8F\xBF\xBF");
}

TEST_CASE("util: Latin case mapping of code points", "[util]") {
  CHECK(util::lower_cp('A') == 'a');
  CHECK(util::lower_cp(0xC9) == 0xE9);    // É
  CHECK(util::lower_cp(0xD7) == 0xD7);    // × has no case
  CHECK(util::lower_cp(0x130) == 'i');    // İ
  CHECK(util::lower_cp(0x132) == 0x133);  // Ĳ
  CHECK(util::lower_cp(0x178) == 0xFF);   // Ÿ
  CHECK(util::lower_cp(0x17D) == 0x17E);  // Ž
  CHECK(util::lower_cp(0x391) == 0x391);  // Greek: left as it is
  CHECK(util::upper_cp('z') == 'Z');
  CHECK(util::upper_cp(0xFF) == 0x178);
  CHECK(util::upper_cp(0x131) == 'I');  // ı
  CHECK(util::upper_cp(0xF7) == 0xF7);  // ÷
  CHECK(util::upper_cp(0xDF) == 0xDF);  // ß stays
  for (char32_t c = 0; c < 0x180; ++c) {
    const char32_t l = util::lower_cp(c);
    if (l != c && c != 0x130) CHECK(util::upper_cp(l) == c);
  }
}

TEST_CASE("util: messages stay valid UTF-8", "[util]") {
  CHECK(util::shorten("abc", 5) == "abc");
  CHECK(util::shorten("abcdef", 3) == "abc...");
  CHECK(util::shorten("a\xC3\xA9z", 2) == "a...");  // not inside é
  CHECK(util::describe_char(";", 0) == "';'");
  CHECK(util::describe_char(std::string("\0", 1), 0) == "control character 0x00");
  CHECK(util::describe_char(" ", 0) == "control character 0x20");
  CHECK(util::describe_char("\xC3\xA9", 0) == "character U+00E9");
  CHECK(util::describe_char("\xFF", 0) == "invalid UTF-8 byte 0xFF");
}
