// The student's tracking link and the teacher's checkout link: the hot path.
#include <fmt/format.h>

#include "core/rules/lesson_rules.hpp"
#include "core/util/time_zone.hpp"
#include "http/pages.hpp"
#include "http/server_impl.hpp"

namespace zt::http {
namespace {

constexpr const char* html = "text/html; charset=utf-8";

// Tokens are 22 base64url characters; anything else is not worth a database lookup.
bool plausible_token(const std::string& token) {
  return !token.empty() && token.size() <= 64 &&
         token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
             std::string::npos;
}

void no_store(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
}

// What the request says of itself beside its User-Agent: its Fetch Metadata, and whether it is a prefetch.
RequestSignals request_signals(const httplib::Request& req) {
  RequestSignals signals{req.get_header_value("Sec-Fetch-Mode"), req.get_header_value("Sec-Fetch-Dest"), "", false};
  for (const char* header : {"Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"}) {
    if (signals.purpose.empty()) signals.purpose = req.get_header_value(header);
  }
  return signals;
}

ClickRequest click_request(Server::Impl& impl, const httplib::Request& req, bool explicit_open) {
  return {req.method == "HEAD", explicit_open, req.get_header_value("User-Agent"), impl.client_ip(req),
          request_signals(req)};
}

void track(Server::Impl& impl, const std::string& token, const httplib::Request& req,
           httplib::Response& res) {
  if (!plausible_token(token)) throw Error(ErrorCode::not_found, "This lesson link is not valid.");
  auto click = click_request(impl, req, req.get_param_value("open") == "1");
  ClickOutcome outcome;
  try {
    outcome = impl.lessons.record_click(token, click);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::gone) {
      impl.metrics.record_click(to_string(impl.lessons.classify(click)));
      throw Error(ErrorCode::gone, "This lesson link has expired or was cancelled. Ask the school for a new one.");
    }
    if (e.code() == ErrorCode::not_found) throw Error(ErrorCode::not_found, "This lesson link is not valid.");
    throw;
  }
  impl.metrics.record_click(to_string(outcome.kind));
  no_store(res);
  if (outcome.kind == ClickKind::real) {
    res.set_redirect(outcome.lesson.student_join_url(impl.options.zoom_name_tag), 302);
    return;
  }
  res.set_content(preview_page(fmt::format("/t/{}?open=1", token)), html);
}

constexpr const char* not_started_text =
    "The student has not opened the lesson link yet, so no minutes are counted so far. "
    "Ask the student to open their lesson link; when the lesson is over, end it here.";

int64_t lesson_minutes(const Lesson& lesson) {
  return minutes_for(lesson.duration_s().value_or(0), MinuteRounding::round);
}

std::string student_of(const Lesson& lesson) {
  return lesson.student_name.empty() ? "your student" : lesson.student_name;
}

// "2026-11-25 12:00 +03:00", or "2026-11-25 09:00 UTC".
std::string local_time(TimePoint t, const std::string& tz) {
  auto iso = to_local(t, tz).iso;  // 2026-11-25T12:00:00+03:00
  auto offset = iso.substr(19);
  return fmt::format("{} {} {}", iso.substr(0, 10), iso.substr(11, 5), offset == "+00:00" ? "UTC" : offset);
}

bool has_its_end(const Lesson& lesson) {
  return lesson.ended_at && (lesson.status == LessonStatus::ended || lesson.status == LessonStatus::final);
}

EndedSummary ended_summary(Server::Impl& impl, const Lesson& lesson) {
  // Another press changes nothing (the first one is the end, lesson_rules), so the page offers no button.
  std::string note = lesson.status == LessonStatus::final
                         ? "This lesson is closed: its minutes are final and pressing again changes nothing."
                         : "Only the first press counts. If this end is wrong, ask the school to correct it.";
  return {student_of(lesson), local_time(*lesson.ended_at, impl.options.time_zone), lesson_minutes(lesson), note};
}

Lesson require_checkout(Server::Impl& impl, const std::string& token) {
  std::optional<Lesson> lesson;
  if (plausible_token(token)) lesson = impl.lessons.find_by_leave_token(token);
  if (!lesson) throw Error(ErrorCode::not_found, "This checkout link is not valid.");
  if (lesson->status == LessonStatus::void_ || lesson->status == LessonStatus::expired) {
    throw Error(ErrorCode::gone, "This lesson was cancelled or has expired, so there is nothing to end.");
  }
  return *lesson;
}

// GET and HEAD: never end anything. Mail and chat scanners fetch every link they are shown.
void checkout(Server::Impl& impl, const std::string& token, const httplib::Request& req, httplib::Response& res) {
  auto lesson = require_checkout(impl, token);
  no_store(res);
  if (impl.lessons.classify(click_request(impl, req, false)) == ClickKind::preview) {
    res.set_content(preview_page(""), html);
    return;
  }
  if (has_its_end(lesson)) {
    res.set_content(ended_page(ended_summary(impl, lesson)), html);
    return;
  }
  CheckoutSummary summary{student_of(lesson), lesson.teacher_name.empty() ? lesson.teacher : lesson.teacher_name,
                          lesson.scheduled_at ? local_time(*lesson.scheduled_at, impl.options.time_zone) : "", ""};
  if (lesson.status == LessonStatus::created) summary.note = not_started_text;
  res.set_content(checkout_page(summary), html);
}

// POST: the teacher pressed "End the lesson now". Post/Redirect/Get: a 303 to the GET page, which
// shows the recorded end, so that a reload reloads that page instead of re-sending the form. A
// re-sent form changes nothing anyway (the first press wins), nor does a press on a final lesson.
void leave(Server::Impl& impl, const std::string& token, httplib::Response& res) {
  if (!plausible_token(token)) throw Error(ErrorCode::not_found, "This checkout link is not valid.");
  try {
    impl.lessons.record_leave(token);
  } catch (const Error& e) {
    // The page says it in the teacher's words, with what to do; never the service's own.
    switch (e.code()) {
      case ErrorCode::not_found:
        throw Error(ErrorCode::not_found, "This checkout link is not valid. Use the checkout link from your lesson message.");
      case ErrorCode::gone:
        throw Error(ErrorCode::gone, "This lesson was cancelled or has expired, so there is nothing to end.");
      case ErrorCode::conflict:
        throw Error(ErrorCode::conflict, not_started_text);
      default:
        throw;
    }
  }
  no_store(res);
  // The token is base64url (plausible_token), safe in a header as it is.
  res.set_redirect(fmt::format("/leave/{}", token), 303);
}

}  // namespace

void register_lesson_routes(Server::Impl& impl) {
  impl.get(R"(/t/([^/]*))", "/t/{token}", [&impl](const auto& req, auto& res) {
    track(impl, req.matches[1], req, res);
  });
  impl.get("/api/zoom/track", "/api/zoom/track", [&impl](const auto& req, auto& res) {
    track(impl, req.get_param_value("token"), req, res);
  });
  impl.get(R"(/leave/([^/]*))", "/leave/{token}", [&impl](const auto& req, auto& res) {
    checkout(impl, req.matches[1], req, res);
  });
  impl.post(R"(/leave/([^/]*))", "/leave/{token}", [&impl](const auto& req, auto& res) {
    leave(impl, req.matches[1], res);
  });
  // The original design ended lessons by a guessable numeric id; that must never work again.
  impl.get("/api/zoom/teacher-left", "/api/zoom/teacher-left", [](const auto&, auto& res) {
    res.status = 410;
    res.set_content(message_page("This checkout link no longer works",
                                 "Lessons are no longer ended by lesson number, because anyone could "
                                 "guess one. Use the personal checkout link from your lesson message."),
                    html);
  });
}

}  // namespace zt::http
