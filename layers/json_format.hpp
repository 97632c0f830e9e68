#pragma once
// Fast, deterministic JSON text helpers for the hot encoders (GeoJSON, Esri JSON): fixed
// precision numbers without trailing zeros, never NaN or Infinity, and RFC 8259 string escaping.

#include <string>
#include <string_view>

namespace gebieden::layers {

/// `decimals` digits after the point at most, trailing zeros trimmed; NaN/Inf become "null".
std::string format_number(double v, int decimals);
void append_number(std::string& out, double v, int decimals);
/// Append a JSON string literal (with quotes). Invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace gebieden::layers
