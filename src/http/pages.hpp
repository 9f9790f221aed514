#pragma once
// The few HTML pages people see. Every value shown is escaped here.
#include <cstdint>
#include <string>
#include <string_view>

namespace zt::http {

// What a chat app's link preview sees: Open Graph tags and a link that always counts as a click,
// never the Zoom URL (its password must not land in a preview cache).
// An empty `open_href` leaves the link out (the checkout link's preview offers no action).
std::string preview_page(const std::string& open_href);

// What the teacher sees on opening the checkout link: the lesson, and one button that POSTs to
// the same address. Opening the link ends nothing, so a scanner that fetches it does no harm.
struct CheckoutSummary {
  std::string student;    // the student's name, or "your student"
  std::string teacher;
  std::string scheduled;  // "2026-11-25 12:00 +03:00", or empty
  std::string note;       // the lesson's state when it matters, or empty
};
std::string checkout_page(const CheckoutSummary& lesson);

// The checkout page once the lesson has its end (the POST answers with a 303 to it):
// "Lesson ended at HH:MM — N min". `ended_at` is the local "2026-11-25 12:45 +03:00"; its HH:MM
// goes in the heading. `note` says more when there is more to say (a press after the end was fixed).
struct EndedSummary {
  std::string student;   // the student's name, or "your student"
  std::string ended_at;  // "2026-11-25 12:45 +03:00", or "2026-11-25 09:45 UTC"
  int64_t minutes = 0;
  std::string note;
};
std::string ended_page(const EndedSummary& lesson);
std::string minutes_text(int64_t minutes);  // "1 minute", "45 minutes"
std::string message_page(const std::string& title, const std::string& message);

}  // namespace zt::http
