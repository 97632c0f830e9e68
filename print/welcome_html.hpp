#pragma once
// The welcome pack as an HTML fragment (the body of a page): the same contents and the same map
// as the PDF (print/welcome_pdf.hpp), the map as inline SVG, print CSS for A4, no script.

#include <ctime>
#include <string>

#include "layers/style.hpp"
#include "layers/welcome.hpp"
#include "print/welcome_text.hpp"

namespace gebieden::print {

/// The body: a <style> of its own, the pack in an <article lang="…">, and a link to the PDF at
/// `pdf_href` (not printed).
std::string welcome_html(const layers::WelcomePack& pack, const layers::style::StyleSheet* sheet,
                         Taal taal, const std::tm& date, const std::string& pdf_href);

}  // namespace gebieden::print
