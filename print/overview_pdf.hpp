#pragma once
// The overview of an area as a PDF (A4 portrait) drawn natively with cairo and pango
// (print/pdf.hpp): page 1 the choropleth map with its legend and the key figures, then the
// charts per soort and categorie, the initiatives per status, the white spots, support and
// meeting places, the per-buurt table (paged, its header repeated on every page) and the team.
// Every page has a footer with the source, the date and its number.

#include <ctime>
#include <string>

#include "print/overview_doc.hpp"

namespace gebieden::print {

struct OverviewPdfOptions {
  std::string source;  // where it comes from (the overview's URL), in the footer
  std::string date;    // the footer's date; empty: today (UTC), in Dutch ("3 december 2026")
};

/// The PDF's bytes.
std::string overview_pdf(const OverviewDoc& doc, const OverviewPdfOptions& options);

/// A date in Dutch: "3 december 2026" (of the time `t`, UTC).
std::string dutch_date(std::time_t t);

}  // namespace gebieden::print
