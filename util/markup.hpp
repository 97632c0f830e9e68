#pragma once
// Escaping text for markup (HTML pages, SLD and other XML): one rule for every writer of it.

#include <string>
#include <string_view>

namespace gebieden::util {

/// `s` safe as element content and as a quoted attribute value in HTML and XML: & < > " '
/// become entities; every other byte stays.
std::string markup_escape(std::string_view s);

}  // namespace gebieden::util
