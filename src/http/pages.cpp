#include "http/pages.hpp"

#include <fmt/format.h>

#include "core/util/text.hpp"

namespace zt::http {
namespace {

constexpr const char* page_template = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title}</title>
{head}<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.125rem;margin:0;
padding:2rem 1rem;background:#f6f7f9;color:#1d2330;line-height:1.5;overflow-wrap:anywhere}}
main{{max-width:32rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem 1.25rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}}
h1{{font-size:1.5rem;margin:0 0 .75rem}}
a.button{{display:inline-block;background:#0b5cff;color:#fff;text-decoration:none;
padding:.75rem 1.25rem;border-radius:8px;font-weight:600;min-height:1.5rem}}
a.button:focus{{outline:3px solid #1d2330;outline-offset:2px}}
button.end{{display:block;width:100%;min-height:3.5rem;margin:1.25rem 0 .5rem;border:0;border-radius:10px;
background:#c62828;color:#fff;font:inherit;font-size:1.25rem;font-weight:700;padding:1rem;cursor:pointer}}
button.end:focus{{outline:3px solid #1d2330;outline-offset:2px}}
dl{{margin:0}} dt{{color:#5a6275;font-size:.95rem}} dd{{margin:0 0 .5rem}}
p.note{{background:#fff6e0;border-radius:8px;padding:.5rem .75rem}}
</style>
</head>
<body>
<main>
<h1>{heading}</h1>
{body}
</main>
</body>
</html>
)html";

std::string render(const std::string& title, const std::string& head, const std::string& body) {
  return fmt::format(page_template, fmt::arg("title", html_escape(title)), fmt::arg("head", head),
                     fmt::arg("heading", html_escape(title)), fmt::arg("body", body));
}

}  // namespace

std::string preview_page(const std::string& open_href) {
  std::string head =
      "<meta name=\"description\" content=\"Open this link to join your online lesson.\">\n"
      "<meta property=\"og:title\" content=\"Lesson link\">\n"
      "<meta property=\"og:description\" content=\"Open this link to join your online lesson.\">\n"
      "<meta property=\"og:type\" content=\"website\">\n";
  if (open_href.empty()) return render("Lesson link", head, "<p>This is a link for an online lesson.</p>\n");
  std::string body = fmt::format(
      "<p>This is the link to your online lesson.</p>\n"
      "<p><a class=\"button\" href=\"{}\">Join the lesson</a></p>\n",
      html_escape(open_href));
  return render("Lesson link", head, body);
}

std::string checkout_page(const CheckoutSummary& lesson) {
  std::string body = "<dl>\n";
  body += fmt::format("<dt>Lesson with</dt><dd>{}</dd>\n", html_escape(lesson.student));
  body += fmt::format("<dt>Teacher</dt><dd>{}</dd>\n", html_escape(lesson.teacher));
  if (!lesson.scheduled.empty()) {
    body += fmt::format("<dt>Scheduled</dt><dd>{}</dd>\n", html_escape(lesson.scheduled));
  }
  body += "</dl>\n";
  if (!lesson.note.empty()) body += fmt::format("<p class=\"note\">{}</p>\n", html_escape(lesson.note));
  // No action attribute: the form posts to this very address, token included.
  body += "<form method=\"post\"><button class=\"end\" type=\"submit\">End the lesson now</button></form>\n"
          "<p>Your lesson minutes are counted up to the moment you press the button.</p>\n";
  return render("End the lesson?", "", body);
}

std::string minutes_text(int64_t minutes) { return fmt::format("{} minute{}", minutes, minutes == 1 ? "" : "s"); }

std::string ended_page(const EndedSummary& lesson) {
  // "2026-11-25 12:45 +03:00" -> "12:45"
  auto hh_mm = lesson.ended_at.size() >= 16 ? lesson.ended_at.substr(11, 5) : lesson.ended_at;
  auto message = fmt::format("Lesson with {} recorded: {}, ended at {}.", lesson.student, minutes_text(lesson.minutes),
                             lesson.ended_at);
  std::string body = fmt::format("<p>{}</p>\n", html_escape(message));
  if (!lesson.note.empty()) body += fmt::format("<p class=\"note\">{}</p>\n", html_escape(lesson.note));
  body += "<p>You can close this page.</p>\n";
  return render(fmt::format("Lesson ended at {} — {} min", hh_mm, lesson.minutes), "", body);
}

std::string message_page(const std::string& title, const std::string& message) {
  return render(title, "", fmt::format("<p>{}</p>\n", html_escape(message)));
}

}  // namespace zt::http
