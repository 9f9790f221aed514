#include "core/services/lesson_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "core/util/crypto.hpp"
#include "core/util/error.hpp"
#include "core/services/telegram.hpp"
#include "core/util/text.hpp"
#include "core/rules/zoom_url.hpp"

namespace zt {
namespace {

constexpr size_t max_field_length = 200;

std::string column_of(std::string flag) {
  std::replace(flag.begin(), flag.end(), '-', '_');
  return flag;
}

void check_field(const std::string& name, const std::string& value, bool required) {
  if (required && value.empty()) {
    throw Error(ErrorCode::invalid_argument, fmt::format("--{} is required", name),
                fmt::format("give --{}; in a CSV file, fill the {} column", name, column_of(name)));
  }
  if (value.size() > max_field_length) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("--{} is longer than {} characters", name, max_field_length));
  }
  if (std::any_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    throw Error(ErrorCode::invalid_argument, fmt::format("--{} contains control characters", name));
  }
}

// Bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9) in UTF-8: they reorder what a
// person reads, so two refs that look the same could name two lessons.
bool has_bidi_control(std::string_view text) {
  static const std::array<std::string_view, 12> controls{
      "\xD8\x9C",     "\xE2\x80\x8E", "\xE2\x80\x8F", "\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC",
      "\xE2\x80\xAD", "\xE2\x80\xAE", "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9"};
  return std::any_of(controls.begin(), controls.end(),
                     [&](std::string_view c) { return text.find(c) != std::string_view::npos; });
}

}  // namespace

// A caller's key is compared byte for byte, so what a person cannot see must not make two keys:
// surrounding spaces are dropped ("booking-1 " is "booking-1"); control and bidi characters, and
// bytes that are not UTF-8, are refused.
std::string normalized_ref(std::string_view ref) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!ref.empty() && is_space(ref.front())) ref.remove_prefix(1);
  while (!ref.empty() && is_space(ref.back())) ref.remove_suffix(1);
  std::string key(ref);
  check_field("ref", key, false);
  if (!is_valid_utf8(key) || has_bidi_control(key)) {
    throw Error(ErrorCode::invalid_argument, "--ref contains characters that do not show as they compare",
                "give the booking's id as plain text: letters, digits and punctuation");
  }
  return key;
}

void to_json(nlohmann::json& j, const LessonDetail& d) {
  j = d.lesson;
  j["paid_s"] = d.pay.paid_s ? nlohmann::json(*d.pay.paid_s) : nlohmann::json(nullptr);
  j["pay_basis"] = to_string(d.pay.basis);
  j["pay_note"] = d.pay.note;
  j["pay_policy"] = to_string(d.pay_policy);
  j["pay"] = d.pay_sentence;
  j["clicks"] = d.clicks;
  j["end_signals"] = d.end_signals;
  j["events"] = d.events;
  j["segments"] = d.segments;
  j["audit"] = d.audit;
  j["telegram_deliveries"] = d.telegram;  // the same key and shape as link create --json
}

LessonService::LessonService(Store& store, const Clock& clock, ServiceOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), spool_(options_.spool_path.empty() ? spool_path_for(store) : options_.spool_path) {}

namespace {

Lesson build_lesson(const NewLesson& row, const ServiceOptions& options, TimePoint now) {
  check_field("teacher", row.teacher, true);
  check_field("student", row.student, true);
  check_field("teacher-name", row.teacher_name, false);
  check_field("teacher-zoom-email", row.teacher_zoom_email, false);
  check_field("student-name", row.student_name, false);
  if (!row.teacher_zoom_email.empty() && !is_email_syntax(row.teacher_zoom_email)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("--teacher-zoom-email '{}' is not an e-mail address", row.teacher_zoom_email),
                "give the address of the teacher's Zoom account, like abebe@school.example");
  }
  check_field("student-zoom-email", row.student_zoom_email, false);
  if (!row.student_zoom_email.empty() && !is_email_syntax(row.student_zoom_email)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("--student-zoom-email '{}' is not an e-mail address", row.student_zoom_email),
                "give the address the student signs in to Zoom with, like hana@example.org");
  }
  if (row.zoom_url.empty()) {
    throw Error(ErrorCode::invalid_argument, "--zoom-url is required",
                "give the teacher's Zoom join link, like https://zoom.us/j/86431910364?pwd=...");
  }
  auto zoom = parse_zoom_join_url(row.zoom_url);
  Lesson lesson;
  lesson.teacher = row.teacher;
  lesson.teacher_name = row.teacher_name;
  lesson.teacher_zoom_email = row.teacher_zoom_email;
  lesson.student = row.student;
  lesson.student_name = row.student_name;
  lesson.zoom_url = zoom.url;
  lesson.meeting_id = zoom.meeting_id;
  lesson.base_url = options.base_url;
  lesson.created_at = now;
  lesson.scheduled_at = row.scheduled_at;
  lesson.expires_at = row.expires_at.value_or(row.scheduled_at.value_or(now) + options.link_lifetime);
  if (row.expires_at && row.scheduled_at && *row.expires_at <= *row.scheduled_at) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("--expires-at {} is not after --scheduled-at {}", format_utc(*row.expires_at),
                            format_utc(*row.scheduled_at)),
                "give an expiry later than the lesson's scheduled time, or leave --expires-at out");
  }
  if (*lesson.expires_at <= now) {
    if (!row.expires_at && row.scheduled_at) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("--scheduled-at {} is so long ago that the link's default expiry, {}, is in the past",
                              format_utc(*row.scheduled_at), format_utc(*lesson.expires_at)),
                  "check the date of --scheduled-at, or give a later --expires-at");
    }
    throw Error(ErrorCode::invalid_argument,
                fmt::format("--expires-at {} is in the past", format_utc(*lesson.expires_at)),
                "give a later --expires-at, or leave it out for the default of 7 days");
  }
  if (!row.telegram_chat.empty()) check_telegram_chat(row.telegram_chat, "--telegram-chat");
  if (!row.teacher_telegram_chat.empty()) check_telegram_chat(row.teacher_telegram_chat, "--teacher-telegram-chat");
  lesson.ref = normalized_ref(row.ref);
  lesson.student_zoom_email = row.student_zoom_email;
  if (row.length) lesson.length_s = row.length->count();
  lesson.track_token = random_token();
  lesson.leave_token = random_token();
  return lesson;
}

std::string time_or_none(const std::optional<TimePoint>& t) { return t ? format_utc(*t) : "none"; }

// The first field in which a retried row differs from the lesson its ref names, as
// "student (s.hana, not s.bob)"; empty when it is the same lesson. The expiry counts only when
// the row gives one: its default moves with the time of the retry.
std::string difference(const Lesson& stored, const Lesson& wanted, bool expiry_given) {
  auto differs = [](const char* field, const std::string& have, const std::string& want) {
    return have == want ? std::string() : fmt::format("{} ({}, not {})", field, have, want);
  };
  for (auto d : {differs("teacher", stored.teacher, wanted.teacher),
                 differs("student", stored.student, wanted.student),
                 differs("zoom_url", stored.zoom_url, wanted.zoom_url),
                 differs("teacher_name", stored.teacher_name, wanted.teacher_name),
                 differs("teacher_zoom_email", stored.teacher_zoom_email, wanted.teacher_zoom_email),
                 differs("student_name", stored.student_name, wanted.student_name),
                 differs("scheduled_at", time_or_none(stored.scheduled_at), time_or_none(wanted.scheduled_at)),
                 differs("student_zoom_email", stored.student_zoom_email, wanted.student_zoom_email),
                 differs("length_s", stored.length_s ? std::to_string(*stored.length_s) : "none",
                         wanted.length_s ? std::to_string(*wanted.length_s) : "none"),
                 expiry_given ? differs("expires_at", time_or_none(stored.expires_at),
                                        time_or_none(wanted.expires_at))
                              : std::string()}) {
    if (!d.empty()) return d;
  }
  return "";
}

// Errors name their row when there are several.
template <class Step>
auto for_row(size_t i, size_t rows, Step&& step) {
  try {
    return step();
  } catch (const Error& e) {
    if (rows == 1) throw;
    throw Error(e.code(), fmt::format("row {}: {}", i + 1, e.what()), e.hint());
  }
}

}  // namespace

std::vector<Lesson> build_lessons(const std::vector<NewLesson>& rows, const ServiceOptions& options,
                                  TimePoint now) {
  std::vector<Lesson> lessons;
  for (size_t i = 0; i < rows.size(); ++i) {
    lessons.push_back(for_row(i, rows.size(), [&] { return build_lesson(rows[i], options, now); }));
  }
  return lessons;
}

CreatedLesson LessonService::store_new_lesson(const NewLesson& row, Lesson lesson, CreateOptions options,
                                              TimePoint now) {
  if (!lesson.ref.empty()) {
    if (auto stored = store_.find_lesson_by_ref(lesson.ref)) {
      auto d = difference(*stored, lesson, row.expires_at.has_value());
      if (!d.empty()) {
        throw Error(ErrorCode::conflict,
                    fmt::format("ref {} is lesson {}, which differs in {}", lesson.ref, stored->id, d),
                    fmt::format("give a new --ref for a different lesson; lesson {} keeps this one", stored->id));
      }
      return {*stored, true};
    }
  } else if (!options.allow_duplicate) {
    if (auto twin = store_.find_unstarted_twin(lesson)) {
      throw Error(ErrorCode::conflict,
                  fmt::format("lesson {} has the same teacher, student, Zoom URL and scheduled time and has not "
                              "started yet",
                              twin->id),
                  "give --ref to make retries safe, or --allow-duplicate if this is a second lesson");
    }
  }
  lesson.id = store_.insert_lesson(lesson);
  store_.insert_audit(lesson.id, {0, now, "zoomtrack", "link_create", "create", "", "created", "link created"});
  // The outbox rows commit with the lesson: a lesson is never stored without its deliveries. A
  // lesson given back for its ref was sent when it was stored; `link send` sends it again.
  queue_telegram(lesson.id, row.telegram_chat, row.teacher_telegram_chat, now);
  return {lesson, false};
}

std::vector<CreatedLesson> LessonService::create_lessons(const std::vector<NewLesson>& rows,
                                                         CreateOptions options) {
  auto now = clock_.now();
  auto lessons = build_lessons(rows, options_, now);
  std::vector<CreatedLesson> created;
  store_.write([&] {
    for (size_t i = 0; i < rows.size(); ++i) {
      created.push_back(for_row(i, rows.size(), [&] { return store_new_lesson(rows[i], lessons[i], options, now); }));
    }
  });
  return created;
}

std::vector<int64_t> LessonService::queue_telegram(int64_t lesson_id, const std::string& student_chat,
                                                  const std::string& teacher_chat, TimePoint now) {
  std::vector<int64_t> ids;
  if (!student_chat.empty()) ids.push_back(store_.insert_telegram_delivery(lesson_id, "student", student_chat, now));
  if (!teacher_chat.empty()) ids.push_back(store_.insert_telegram_delivery(lesson_id, "teacher", teacher_chat, now));
  return ids;
}

std::vector<int64_t> LessonService::send_telegram_again(int64_t id, std::string student_chat,
                                                        std::string teacher_chat) {
  if (!student_chat.empty()) check_telegram_chat(student_chat, "--telegram-chat");
  if (!teacher_chat.empty()) check_telegram_chat(teacher_chat, "--teacher-telegram-chat");
  auto now = clock_.now();
  std::vector<int64_t> ids;
  store_.write([&] {
    auto lesson = require(id);
    if (lesson.status == LessonStatus::void_ || lesson.status == LessonStatus::expired) {
      throw Error(ErrorCode::conflict, fmt::format("lesson {} is {}: its link no longer works", id, to_string(lesson.status)),
                  "create a new lesson with 'zoomtrack link create'");
    }
    // Without chats, the ones the links went to last time.
    if (student_chat.empty() && teacher_chat.empty()) {
      for (const auto& d : store_.telegram_deliveries_for(id)) {
        (d.role == "student" ? student_chat : teacher_chat) = d.chat;
      }
    }
    if (student_chat.empty() && teacher_chat.empty()) {
      throw Error(ErrorCode::invalid_argument, fmt::format("lesson {} was never sent on Telegram", id),
                  "give --telegram-chat and/or --teacher-telegram-chat");
    }
    ids = queue_telegram(id, student_chat, teacher_chat, now);
  });
  return ids;
}


ClickKind LessonService::classify(const ClickRequest& request) const {
  RequestSignals signals = request.signals;
  signals.secure_origin = options_.base_url.starts_with("https://");
  return classify_click(request.is_head, request.user_agent, request.explicit_open, signals);
}

ClickOutcome LessonService::record_click(const std::string& token, const ClickRequest& request) {
  ClickOutcome outcome;
  outcome.kind = classify(request);
  auto now = clock_.now();
  require_known_track_token(token);
  Click click{0, now, request.ip, request.user_agent, to_string(outcome.kind), request.is_head ? "HEAD" : "GET"};
  try {
    // Ordered with other processes' writes only when it may change the lesson: a repeated
    // click, most of a busy hour's, does not wait for another serve's batch.
    store_.write(
        [&] {
          auto lesson = store_.find_lesson_by_track_token(token);
          // Only a database swapped under serve (a restore) could lose a lesson.
          if (!lesson) throw Error(ErrorCode::not_found, "unknown tracking link");
          if (!click_changes_nothing(*lesson, click.at) && store_.order_writes()) {
            lesson = store_.find_lesson_by_track_token(token);  // as the writes ordered before made it
            if (!lesson) throw Error(ErrorCode::not_found, "unknown tracking link");
          }
          outcome.lesson = apply_click(*lesson, click, "");
        },
        Store::WriteOrder::when_asked);
  } catch (const Error& e) {
    if (!cannot_write_now(e)) throw;
    // The write failed, so the lesson (for its Zoom link) is read on a reader connection, or
    // taken as last read when the database cannot even be read.
    std::optional<Lesson> lesson;
    try {
      lesson = store_.find_lesson_by_track_token(token);
    } catch (const Error& read_error) {
      if (!cannot_write_now(read_error)) throw;
      lesson = known_link(token);
      if (!lesson) throw;
    }
    if (!lesson) throw Error(ErrorCode::not_found, "unknown tracking link");
    spool_or_hold({random_token(), token, click}, lesson->id, e.what());
    outcome.spooled = true;
    outcome.lesson = *lesson;
    if (link_expired(outcome.lesson, now)) outcome.lesson.status = LessonStatus::expired;
  }
  // The click is logged even for a dead link; it never revives one.
  if (outcome.lesson.status == LessonStatus::void_ || outcome.lesson.status == LessonStatus::expired) {
    throw Error(ErrorCode::gone, fmt::format("this lesson link is {}", to_string(outcome.lesson.status)));
  }
  return outcome;
}

void LessonService::require_known_track_token(const std::string& token) {
  if (known_link(token)) return;
  // Read before writing: an unknown token writes nothing and needs no write lock.
  auto lesson = store_.find_lesson_by_track_token(token);
  if (!lesson) throw Error(ErrorCode::not_found, "unknown tracking link");
  remember_link(*lesson);
}

void LessonService::remember_link(const Lesson& lesson) {
  std::lock_guard lock(known_links_mutex_);
  if (known_links_.size() >= max_known_links) known_links_.clear();
  known_links_.insert_or_assign(lesson.track_token, lesson);
}

std::optional<Lesson> LessonService::known_link(const std::string& token) {
  std::lock_guard lock(known_links_mutex_);
  auto found = known_links_.find(token);
  if (found == known_links_.end()) return std::nullopt;
  return found->second;
}

void LessonService::remember_recent_links() {
  int64_t after;
  {
    std::lock_guard lock(known_links_mutex_);
    after = newest_known_link_id_;
  }
  auto lessons = store_.newest_clickable_lessons(after, static_cast<int>(max_known_links / 2));
  for (const auto& lesson : lessons) remember_link(lesson);
  std::lock_guard lock(known_links_mutex_);
  for (const auto& lesson : lessons) newest_known_link_id_ = std::max(newest_known_link_id_, lesson.id);
}

Lesson LessonService::apply_click(Lesson lesson, const Click& click, const std::string& spool_id) {
  if (!store_.insert_click(lesson.id, click, spool_id)) return lesson;  // replayed before
  if (link_expired(lesson, click.at)) {
    return set_status(lesson, LessonStatus::expired, {"click", "link expired before the first click"});
  }
  // The earliest real click is the start: a later one never moves it, a spooled earlier one does.
  bool may_start = click.kind == to_string(ClickKind::real) &&
                   (!lesson.started_at || click.at < *lesson.started_at);
  if (!may_start) return lesson;
  // refresh() re-derives the lesson before it on the meeting too, when the start moved.
  return refresh(lesson, {"click", "student opened the tracking link"});
}

void LessonService::refresh_previous(const Lesson& lesson, const Cause& cause) {
  if (!lesson.started_at) return;
  if (auto previous = store_.previous_lesson_on_meeting(lesson)) refresh(*previous, cause);
}

Lesson LessonService::record_leave(const std::string& token) {
  auto now = clock_.now();
  Lesson result;
  store_.write([&] {
    auto lesson = store_.find_lesson_by_leave_token(token);
    if (!lesson) throw Error(ErrorCode::not_found, "unknown checkout link");
    // A lesson whose grace period ran out is final even if reconcile has not said so yet; one that
    // reconcile has finalised stays final whatever grace serve was given (is_settled).
    result = refresh(*lesson, {"leave_url", "grace period over"});
    switch (result.status) {
      case LessonStatus::void_:
      case LessonStatus::expired:
        throw Error(ErrorCode::gone, fmt::format("this lesson is {}", to_string(result.status)));
      case LessonStatus::created:
        throw Error(ErrorCode::conflict, "the student has not opened the lesson link yet",
                    "nothing was counted; open this link again when the lesson is over");
      case LessonStatus::final:
        return;  // settled: a late checkout is not even a signal (it would outrank a manual end)
      default:
        break;
    }
    // Every press is kept as received; the first one is the end (resolve_end), so a second press or
    // a re-sent form changes nothing.
    store_.insert_end_signal(lesson->id, {0, EndSource::leave_url, now, now, false, "checkout button pressed"});
    result = refresh(result, {"leave_url", "teacher pressed \"End the lesson now\" on the checkout page"});
  });
  return result;
}

Lesson LessonService::require(int64_t id) {
  auto lesson = store_.find_lesson(id);
  if (!lesson) {
    throw Error(ErrorCode::not_found, fmt::format("no lesson with id {}", id),
                "see 'zoomtrack sessions list'");
  }
  return *lesson;
}

Lesson LessonService::get(int64_t id) { return require(id); }

LessonDetail LessonService::detail(int64_t id) {
  LessonDetail d;
  d.lesson = require(id);
  d.clicks = store_.clicks_for(id);
  d.end_signals = store_.end_signals_for(id);
  d.events = store_.webhook_events_for(id);
  if (d.lesson.started_at) {
    auto facts = facts_for(d.lesson);
    d.segments = store_.segments_between(d.lesson.meeting_id, *d.lesson.started_at, facts.next_start);
    for (auto& s : d.segments) s.is_host = is_teacher(s, d.lesson.teacher_zoom_email, d.lesson.teacher_name);
  }
  d.pay_policy = policy_for(id);
  d.pay = pay_of(d.lesson, d.pay_policy);
  d.pay_sentence = explain_pay(d.lesson, d.pay_policy);
  d.audit = store_.audit_for(id);
  d.telegram = store_.telegram_deliveries_for(id);
  return d;
}

std::vector<Lesson> LessonService::list(const LessonFilter& filter) { return store_.list_lessons(filter); }

Lesson LessonService::end_manually(int64_t id, TimePoint at, const std::string& reason,
                                   const std::string& who, bool force) {
  if (reason.empty()) throw Error(ErrorCode::invalid_argument, "--reason is required");
  auto now = clock_.now();
  Lesson result;
  store_.write([&] {
    auto lesson = require(id);
    if (lesson.status == LessonStatus::void_ || lesson.status == LessonStatus::expired) {
      throw Error(ErrorCode::conflict, fmt::format("lesson {} is {}", id, to_string(lesson.status)));
    }
    if (!lesson.started_at) {
      throw Error(ErrorCode::conflict, fmt::format("lesson {} has no start: the student never clicked", id));
    }
    check_not_in_future(at, now, "--at");
    if (at < *lesson.started_at) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("--at {} is before the lesson's start {}", format_utc(at),
                              format_utc(*lesson.started_at)));
    }
    bool trusted_end = lesson.end_source && comes_from_zoom(*lesson.end_source);
    if (trusted_end && !force) {
      throw Error(ErrorCode::conflict,
                  fmt::format("lesson {} has a {} end at {}; a manual end would override Zoom's",
                              id, to_string(*lesson.end_source), format_utc(lesson.ended_at)),
                  "add --force to override it (the override is audited)");
    }
    // Staff corrections take effect over a checkout or handover end too: that is their purpose.
    bool overrides = force || lesson.end_source.has_value();
    store_.insert_end_signal(id, {0, EndSource::manual, at, now, overrides, reason});
    store_.insert_audit(id, {0, now, who, "manual", "end", format_utc(lesson.ended_at),
                             format_utc(at), reason});
    result = refresh(lesson, {"manual", reason, who});
  });
  return result;
}

Lesson LessonService::void_lesson(int64_t id, const std::string& reason, const std::string& who) {
  if (reason.empty()) throw Error(ErrorCode::invalid_argument, "--reason is required");
  Lesson result;
  store_.write([&] {
    auto lesson = require(id);
    if (lesson.status == LessonStatus::void_) {
      throw Error(ErrorCode::conflict, fmt::format("lesson {} is already void", id),
                  fmt::format("nothing to do; 'zoomtrack sessions show {}' has its audit trail", id));
    }
    result = set_status(lesson, LessonStatus::void_, {"manual", reason, who});
    refresh_previous(lesson, {"handover", fmt::format("lesson {} on the same meeting was voided", id), who});
  });
  return result;
}

Lesson LessonService::start_manually(int64_t id, TimePoint at, const std::string& reason,
                                     const std::string& who, bool force) {
  if (reason.empty()) throw Error(ErrorCode::invalid_argument, "--reason is required");
  auto now = clock_.now();
  Lesson result;
  store_.write([&] {
    auto lesson = require(id);
    if (lesson.status == LessonStatus::void_) {
      throw Error(ErrorCode::conflict, fmt::format("lesson {} is void", id),
                  fmt::format("restore it first: zoomtrack sessions restore {} --reason TEXT", id));
    }
    check_not_in_future(at, now, "--at");
    if (lesson.ended_at && at >= *lesson.ended_at) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("--at {} is not before the lesson's end {}", format_utc(at), format_utc(lesson.ended_at)));
    }
    auto click = store_.first_real_click(id);
    if (click && !force) {
      throw Error(ErrorCode::conflict,
                  fmt::format("lesson {} has a real click at {}: the student's click is its start", id,
                              format_utc(*click)),
                  "add --force to override it (the override is audited)");
    }
    store_.insert_start_signal(id, {0, at, now, click.has_value(), reason, who});
    store_.insert_audit(id, {0, now, who, "manual", "start", format_utc(lesson.started_at), format_utc(at), reason});
    // A link nobody clicked expires; the start staff give shows that the lesson happened.
    Lesson current = lesson;
    if (current.status == LessonStatus::expired) current.status = LessonStatus::created;
    auto next = resolve_lesson(current, facts_for(lesson), now, options_.grace, options_.max_lesson);
    result = next == state_of(lesson) ? lesson : apply_state(lesson, next, {"manual", reason, who});
    // The lesson before the old start, and the one before the new start, if another.
    Cause handover{"handover", fmt::format("lesson {} on the same meeting was given a start", id), who};
    refresh_previous(lesson, handover);
    refresh_previous(result, handover);
  });
  return result;
}

Lesson LessonService::restore(int64_t id, const std::string& reason, const std::string& who) {
  if (reason.empty()) throw Error(ErrorCode::invalid_argument, "--reason is required");
  auto now = clock_.now();
  Lesson result;
  store_.write([&] {
    auto lesson = require(id);
    if (lesson.status != LessonStatus::void_) {
      throw Error(ErrorCode::conflict, fmt::format("lesson {} is {}, not void", id, to_string(lesson.status)),
                  "only a void lesson can be restored");
    }
    Lesson current = lesson;
    current.status = LessonStatus::created;
    auto next = resolve_lesson(current, facts_for(lesson), now, options_.grace, options_.max_lesson);
    if (next.status == LessonStatus::created && link_expired(current, now)) next.status = LessonStatus::expired;
    result = apply_state(lesson, next, {"manual", reason, who});
    refresh_previous(result, {"handover", fmt::format("lesson {} on the same meeting was restored", id), who});
  });
  return result;
}

Lesson LessonService::refresh(const Lesson& lesson, const Cause& cause) {
  auto next = resolve_lesson(lesson, facts_for(lesson), clock_.now(), options_.grace, options_.max_lesson);
  if (next == state_of(lesson)) return lesson;
  auto too_long = too_long_reason(next, options_.max_lesson);
  Cause why = too_long.empty() ? cause : Cause{cause.source, too_long, cause.who};
  if (next.start_source == StartSource::zoom && lesson.start_source != StartSource::zoom) {
    why.reason = "no click: teacher and student were both in the Zoom meeting in the lesson's window";
  }
  auto updated = apply_state(lesson, next, why);
  // A start that appears or moves hands the meeting over from the lesson before it.
  if (updated.started_at != lesson.started_at) {
    refresh_previous(updated, {"handover", fmt::format("lesson {} started on the same meeting", lesson.id), cause.who});
  }
  return updated;
}

Lesson LessonService::settle(const Lesson& lesson, const Cause& cause) {
  return settles_with_time(lesson, clock_.now(), options_.grace) ? refresh(lesson, cause) : lesson;
}

Lesson LessonService::set_status(const Lesson& lesson, LessonStatus status, const Cause& cause) {
  LessonState next = state_of(lesson);
  next.status = status;
  return apply_state(lesson, next, cause);
}

Lesson LessonService::apply_state(const Lesson& before, const LessonState& after, const Cause& cause) {
  // The audited "from" is the row as stored, not the caller's copy (which one delivery that
  // changes two lessons on a meeting can leave stale): verify replays each change from the one
  // before it, and a row edited in between shows there.
  auto stored = store_.find_lesson(before.id);
  store_.update_lesson_state(before.id, after.status, after.started_at, after.ended_at, after.end_source,
                             after.start_source, after.presence);
  audit_transition(stored ? *stored : before, after, cause);
  Lesson updated = before;
  updated.status = after.status;
  updated.started_at = after.started_at;
  updated.ended_at = after.ended_at;
  updated.end_source = after.end_source;
  updated.start_source = after.start_source;
  updated.presence = after.presence;
  settle_locked_pay(before, updated, cause);
  return updated;
}

// The design: a closed period's rows never change, so what a later change does to a locked
// lesson's pay (a late webhook, the Zoom API, a correction) is the difference between what it
// pays now (paid_seconds) and what its period and the adjustments so far paid. That difference
// is paid, signed, in the first open period: at the moment it is recorded, or at the end of the
// closed period that covers that moment.
void LessonService::settle_locked_pay(const Lesson& before, const Lesson& after, const Cause& cause) {
  auto lock = store_.lock_of(before.id);
  if (!lock) {
    if (!after.started_at) return;
    auto period = store_.closed_period_containing(*after.started_at);
    if (!period) return;
    // The start moved into a period already closed (a spooled click replayed late, a staff
    // start): the period's rows stay as they were; the lesson joins it unlisted, paid nothing
    // there, and is paid by adjustments like any lesson the period holds.
    store_.insert_period_lesson(period->id, before, false, Pay{0, PayBasis::click, "", 0}, to_string(options_.pay_policy));
    lock = LessonLock{period->id, period->label, 0, 0, to_string(options_.pay_policy)};
  }
  // Under the policy the period froze: a later policy change never reaches a closed period.
  auto frozen = lock->pay_policy.empty() ? PayPolicy{} : parse_pay_policy(lock->pay_policy);
  auto paid = pay_of(after, frozen).paid_s.value_or(0);
  if (paid == lock->paid_s) return;
  auto now = clock_.now();
  Adjustment a;
  a.lesson_id = before.id;
  a.period_id = lock->period_id;
  a.recorded_at = now;
  a.at = now;
  while (auto covering = store_.closed_period_containing(a.at)) a.at = covering->to;
  a.old_paid_s = lock->paid_s;
  a.new_paid_s = paid;
  a.source = cause.source;
  a.reason = cause.reason;
  a.who = cause.who;
  a.teacher = before.teacher;
  a.student = before.student;
  a.status = after.status;
  a.started_at = after.started_at;
  a.ended_at = after.ended_at;
  a.end_source = after.end_source;
  store_.insert_adjustment(a);
  store_.insert_audit(before.id, {0, now, cause.who, cause.source, "adjustment", fmt::format("{} s", a.old_paid_s),
                                  fmt::format("{} s", a.new_paid_s),
                                  fmt::format("pay period {} is closed: {:+} s paid as an adjustment at {}",
                                              lock->period_label, a.delta_s(), format_utc(a.at))});
}

void LessonService::audit_transition(const Lesson& before, const LessonState& after, const Cause& cause) {
  store_.insert_audit(before.id, {0, clock_.now(), cause.who, cause.source, "transition",
                                  describe(state_of(before)), describe(after), cause.reason});
  if (on_transition_) {
    store_.after_commit([hook = on_transition_, before, after, cause] { hook(before, after, cause); });
  }
}

}  // namespace zt
