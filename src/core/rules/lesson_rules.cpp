#include "core/rules/lesson_rules.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace zt {
namespace {

bool counts(const LessonFacts& facts, const EndSignal& signal, EndSource source, bool forced) {
  if (signal.source != source || signal.forced != forced) return false;
  return !facts.start || signal.at >= *facts.start;  // not a leave before the lesson began
}

// The teacher's checkout: the first press ends the lesson. A second press, or a browser re-sending
// the form, is a repeat of the same decision, not a later leave ("pressed again" once moved the end
// by however long the page stayed open).
std::optional<TimePoint> first_checkout(const LessonFacts& facts) {
  std::optional<TimePoint> first;
  for (const auto& signal : facts.signals) {
    if (counts(facts, signal, EndSource::leave_url, false) && (!first || signal.at < *first)) first = signal.at;
  }
  return first;
}

// Staff's manual end: each one recorded replaces those before, even when it is earlier than the
// end it corrects (as the latest start correction stands, see resolve_start).
std::optional<TimePoint> last_manual_end(const LessonFacts& facts, bool forced) {
  const EndSignal* last = nullptr;
  for (const auto& signal : facts.signals) {
    if (counts(facts, signal, EndSource::manual, forced) && (!last || signal.id > last->id)) last = &signal;
  }
  return last ? std::optional<TimePoint>(last->at) : std::nullopt;
}

struct Chain {
  std::optional<TimePoint> last_leave;
  std::optional<TimePoint> last_seen;  // the latest join or leave in the chain
  bool still_in = false;  // an open segment, or the last leave was a breakout move
};

// One connection as the rules read it. Zoom sometimes loses or reorders events, so a segment
// may lack its join, or (from a mutated or skewed delivery) leave before it joined. A leave whose
// join we never saw is a moment, not a stay since the lesson began; a leave before the join
// moves the join back to it. Either way the leave, which ends lessons, is kept as Zoom said.
struct Span {
  TimePoint join;
  std::optional<TimePoint> leave;
  bool breakout = false;
  const Segment* segment = nullptr;
};

std::optional<Span> span_of(const Segment& s) {
  if (!s.join_time && !s.leave_time) return std::nullopt;
  Span span;
  span.leave = s.leave_time;
  span.join = s.join_time ? *s.join_time : *s.leave_time;
  if (span.leave && *span.leave < span.join) span.join = *span.leave;
  span.breakout = s.leave_time && is_breakout_move(s.leave_reason);
  span.segment = &s;
  return span;
}

using Interval = std::pair<TimePoint, TimePoint>;

// The time covered by `segments` inside [from, until), as sorted disjoint intervals. A connection
// still open lasts until `until`; a leave whose join we never saw is a moment (span_of).
std::vector<Interval> covered(const std::vector<Segment>& segments, TimePoint from, TimePoint until) {
  std::vector<Interval> spans;
  for (const auto& segment : segments) {
    auto span = span_of(segment);
    if (!span) continue;
    auto begin = std::max(span->join, from);
    auto end = std::min(span->leave.value_or(until), until);
    if (begin < end) spans.emplace_back(begin, end);
  }
  std::sort(spans.begin(), spans.end());
  std::vector<Interval> merged;
  for (const auto& span : spans) {
    if (!merged.empty() && span.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, span.second);
    } else {
      merged.push_back(span);
    }
  }
  return merged;
}

std::vector<Interval> intersection(const std::vector<Interval>& a, const std::vector<Interval>& b) {
  std::vector<Interval> both;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    auto begin = std::max(a[i].first, b[j].first);
    auto end = std::min(a[i].second, b[j].second);
    if (begin < end) both.emplace_back(begin, end);
    (a[i].second < b[j].second ? i : j)++;
  }
  return both;
}

int64_t total_seconds(const std::vector<Interval>& intervals) {
  int64_t total = 0;
  for (const auto& [begin, end] : intervals) total += (end - begin).count();
  return total;
}

// Walks the teacher's connections from the lesson's start: each one that joins within `grace`
// of the previous leave continues the lesson. The walk depends only on the set of segments,
// never on the order the store returned them: ties are broken on every field.
std::optional<Chain> teacher_chain(const LessonFacts& facts, const std::string& source,
                                   Seconds grace) {
  std::vector<Span> relevant;
  for (const auto& segment : facts.teacher_segments) {
    if (segment.source != source) continue;
    auto span = span_of(segment);
    if (!span) continue;
    if (span->leave && *span->leave < *facts.start) continue;
    // A connection that began after the next lesson started is that lesson's.
    if (facts.next_start && span->join >= *facts.next_start) continue;
    relevant.push_back(*span);
  }
  if (relevant.empty()) return std::nullopt;
  std::sort(relevant.begin(), relevant.end(), [](const Span& a, const Span& b) {
    bool a_open = !a.leave, b_open = !b.leave;
    auto a_leave = a.leave.value_or(TimePoint{}), b_leave = b.leave.value_or(TimePoint{});
    return std::tie(a.join, a_open, a_leave, a.breakout, a.segment->connection_id, a.segment->meeting_uuid) <
           std::tie(b.join, b_open, b_leave, b.breakout, b.segment->connection_id, b.segment->meeting_uuid);
  });

  Chain chain;
  bool open = false;
  for (const auto& span : relevant) {
    bool continues = open || chain.still_in || !chain.last_leave || span.join <= *chain.last_leave + grace;
    if (!continues) break;
    chain.last_seen = std::max(chain.last_seen.value_or(span.join), span.join);
    if (!span.leave) {
      open = true;
    } else if (!chain.last_leave || *span.leave > *chain.last_leave) {
      chain.last_leave = span.leave;
      chain.still_in = span.breakout;
    } else if (*span.leave == *chain.last_leave) {
      // Two connections leaving in the same second: a breakout move among them keeps the
      // teacher in, whichever was read first.
      chain.still_in = chain.still_in || span.breakout;
    }
  }
  if (chain.last_leave) chain.last_seen = std::max(*chain.last_seen, *chain.last_leave);
  chain.still_in = chain.still_in || open;
  return chain;
}

// The meeting's end that can end this lesson: the first at or after `from` (the lesson's start,
// or the teacher's latest join or leave: an end before those belongs to an earlier instance).
std::optional<TimePoint> first_meeting_end(const LessonFacts& facts, TimePoint from) {
  std::optional<TimePoint> first;
  for (auto end : facts.meeting_ends) {
    if (end >= from && (!first || end < *first)) first = end;
  }
  return first;
}

// An end is final once the teacher has had `grace` to come back.
bool grace_over(TimePoint end, TimePoint now, Seconds grace) { return now >= end + grace; }

std::optional<ResolvedEnd> end_from_segments(const LessonFacts& facts, const std::string& source,
                                             EndSource as, Seconds grace) {
  auto chain = teacher_chain(facts, source, grace);
  bool webhook = as == EndSource::webhook;
  bool meeting_over = webhook && first_meeting_end(facts, *facts.start).has_value();
  if (chain && !chain->still_in && chain->last_leave) {
    return ResolvedEnd{*chain->last_leave, as, meeting_over};
  }
  // The teacher is still in (or we never saw them): only the meeting's end can end the lesson.
  auto from = chain && chain->last_seen ? std::max(*facts.start, *chain->last_seen) : *facts.start;
  auto meeting_end = webhook ? first_meeting_end(facts, from) : std::nullopt;
  if (meeting_end) return ResolvedEnd{*meeting_end, as, true};
  return std::nullopt;
}

std::optional<ResolvedEnd> most_trusted_end(const LessonFacts& facts, Seconds grace) {
  if (auto forced = last_manual_end(facts, true)) {
    return ResolvedEnd{*forced, EndSource::manual, false};
  }
  if (auto end = end_from_segments(facts, "webhook", EndSource::webhook, grace)) return end;
  if (auto end = end_from_segments(facts, "zoom_api", EndSource::zoom_api, grace)) return end;
  if (auto end = first_checkout(facts)) return ResolvedEnd{*end, EndSource::leave_url, false};
  if (auto end = last_manual_end(facts, false)) return ResolvedEnd{*end, EndSource::manual, false};
  return std::nullopt;
}

}  // namespace

int64_t duration_seconds(TimePoint start, TimePoint end) {
  return std::max<int64_t>(0, (end - start).count());
}

MinuteRounding parse_minute_rounding(const std::string& text) {
  if (text == "round") return MinuteRounding::round;
  if (text == "floor") return MinuteRounding::floor;
  if (text == "ceil") return MinuteRounding::ceil;
  throw Error(ErrorCode::invalid_argument, "--minutes must be round, floor or ceil");
}

int64_t minutes_for(int64_t seconds, MinuteRounding rounding) {
  switch (rounding) {
    case MinuteRounding::floor: return seconds / 60;
    case MinuteRounding::ceil: return (seconds + 59) / 60;
    case MinuteRounding::round: break;
  }
  return (seconds + 30) / 60;
}

int end_source_rank(EndSource source) {
  switch (source) {
    case EndSource::webhook: return 0;
    case EndSource::zoom_api: return 1;
    case EndSource::leave_url: return 2;
    case EndSource::manual: return 3;
    case EndSource::handover: return 4;
  }
  return 5;
}

bool comes_from_zoom(EndSource source) {
  return end_source_rank(source) < end_source_rank(EndSource::leave_url);
}

bool is_teacher(const Segment& segment, const std::string& teacher_zoom_email,
                const std::string& teacher_name) {
  if (!segment.participant_id.empty() && segment.participant_id == segment.host_id) return true;
  if (!teacher_zoom_email.empty() && ascii_lower(segment.email) == ascii_lower(teacher_zoom_email)) {
    return true;
  }
  return !teacher_name.empty() && segment.name == teacher_name;
}

Segment merge_segments(const Segment& stored, const Segment& delivered) {
  auto earliest = [](const std::optional<TimePoint>& a, const std::optional<TimePoint>& b) {
    return a && b ? std::min(*a, *b) : a ? a : b;
  };
  auto latest = [](const std::optional<TimePoint>& a, const std::optional<TimePoint>& b) {
    return a && b ? std::max(*a, *b) : a ? a : b;
  };
  Segment merged = stored;
  merged.participant_id = std::max(stored.participant_id, delivered.participant_id);
  merged.host_id = std::max(stored.host_id, delivered.host_id);
  merged.email = std::max(stored.email, delivered.email);
  merged.name = std::max(stored.name, delivered.name);
  merged.join_time = earliest(stored.join_time, delivered.join_time);
  merged.leave_time = latest(stored.leave_time, delivered.leave_time);
  // The reason goes with the leave it came with; two copies of one leave keep the greater.
  if (delivered.leave_time && (!stored.leave_time || *delivered.leave_time > *stored.leave_time)) {
    merged.leave_reason = delivered.leave_reason;
  } else if (delivered.leave_time && *delivered.leave_time == *stored.leave_time) {
    merged.leave_reason = std::max(stored.leave_reason, delivered.leave_reason);
  }
  return merged;
}

bool is_breakout_move(std::string_view leave_reason) {
  return ascii_lower(leave_reason).find("breakout room") != std::string::npos;
}

std::optional<ResolvedEnd> resolve_end(const LessonFacts& facts, Seconds grace) {
  if (!facts.start) return std::nullopt;
  auto end = most_trusted_end(facts, grace);
  // Two lessons on one meeting (a reused personal meeting id): the earlier one ends when the
  // later one starts, so no minute is paid twice.
  if (facts.next_start && (!end || end->at > *facts.next_start)) {
    return ResolvedEnd{*facts.next_start, EndSource::handover, false};
  }
  return end;
}

LessonState state_of(const Lesson& lesson) {
  return {lesson.status, lesson.started_at, lesson.ended_at, lesson.end_source, lesson.start_source, lesson.presence};
}

std::string describe(const LessonState& s) {
  std::string text = to_string(s.status);
  if (s.started_at) text += " start=" + format_utc(*s.started_at);
  if (s.ended_at) text += " end=" + format_utc(*s.ended_at);
  if (s.end_source) text += fmt::format(" ({})", to_string(*s.end_source));
  // Appended only when there is something to say, so that lessons from before presence read as
  // they were audited.
  if (s.start_source && *s.start_source != StartSource::click) {
    text += fmt::format(" start_source={}", to_string(*s.start_source));
  }
  const auto& p = s.presence;
  if (!p.kind.empty() || p.teacher_present_s || p.together_s || p.teacher_late_s) {
    auto number = [](const std::optional<int64_t>& n) { return n ? std::to_string(*n) : std::string("-"); };
    text += fmt::format(" presence={} teacher_s={} together_s={} teacher_late_s={}", p.kind.empty() ? "none" : p.kind,
                        number(p.teacher_present_s), number(p.together_s), number(p.teacher_late_s));
  }
  return text;
}

std::optional<int64_t> paid_seconds(const LessonState& s) {
  bool settled = s.status == LessonStatus::ended || s.status == LessonStatus::final;
  if (!settled || !s.started_at || !s.ended_at) return std::nullopt;
  return duration_seconds(*s.started_at, *s.ended_at);
}

std::optional<TimePoint> resolve_start(const std::optional<TimePoint>& first_real_click,
                                       const std::vector<StartSignal>& corrections) {
  const StartSignal* latest = nullptr;
  for (const auto& c : corrections) {
    if (!latest || c.id > latest->id) latest = &c;
  }
  if (latest) return latest->at;
  return first_real_click;
}

ResolvedStart resolve_start(const std::optional<TimePoint>& first_real_click,
                            const std::vector<StartSignal>& corrections,
                            const std::optional<TimePoint>& zoom) {
  if (!corrections.empty()) return {resolve_start(first_real_click, corrections), StartSource::manual};
  if (zoom && (!first_real_click || *zoom < *first_real_click)) return {zoom, StartSource::zoom};
  return {first_real_click, StartSource::click};
}

std::string zoom_name_tag(int64_t lesson_id) { return fmt::format("[zt{}]", lesson_id); }

bool is_lesson_student(const Segment& segment, int64_t lesson_id, const std::string& student_zoom_email) {
  if (!student_zoom_email.empty() && ascii_lower(segment.email) == ascii_lower(student_zoom_email)) return true;
  return segment.name.find(zoom_name_tag(lesson_id)) != std::string::npos;
}

StudentSegments student_segments(const std::vector<Segment>& others, int64_t lesson_id,
                                 const std::string& student_zoom_email,
                                 const std::optional<TimePoint>& window_from) {
  StudentSegments found;
  for (const auto& segment : others) {
    if (is_lesson_student(segment, lesson_id, student_zoom_email)) found.segments.push_back(segment);
  }
  if (!found.segments.empty()) {
    found.identified = true;
    return found;
  }
  for (const auto& segment : others) {
    // Someone tagged for another lesson is that lesson's student, never this one's.
    if (segment.name.find("[zt") != std::string::npos) continue;
    auto span = span_of(segment);
    if (span && window_from && span->join >= *window_from) found.segments.push_back(segment);
  }
  return found;
}

std::optional<TimePoint> zoom_start(const std::vector<Segment>& teacher, const std::vector<Segment>& student,
                                    TimePoint from, TimePoint until) {
  auto both = intersection(covered(teacher, from, until), covered(student, from, until));
  if (both.empty()) return std::nullopt;
  return both.front().first;
}

int64_t presence_seconds(const std::vector<Segment>& segments, TimePoint from, TimePoint until) {
  return total_seconds(covered(segments, from, until));
}

// Zoom saw the lesson when anyone who counts was in the meeting for a moment of its window: then
// its figures are measured (a teacher or student absent all lesson is 0, not unknown). When Zoom
// saw nobody (no webhooks, no API data), they stay unknown and a presence basis pays the click.
Presence measure_presence(const LessonFacts& facts, TimePoint start, TimePoint end) {
  Presence p;
  auto window_from = facts.scheduled_at ? std::min(start, *facts.scheduled_at - presence_lead) : start;
  auto teacher_in_window = covered(facts.teacher_segments, window_from, end);
  if (teacher_in_window.empty() && covered(facts.student_segments, window_from, end).empty()) return p;
  p.kind = facts.student_identified ? "identified" : "unidentified";
  auto teacher = covered(facts.teacher_segments, start, end);
  p.teacher_present_s = total_seconds(teacher);
  p.together_s = total_seconds(intersection(teacher, covered(facts.student_segments, start, end)));
  if (facts.scheduled_at && !teacher_in_window.empty()) {
    p.teacher_late_s = (teacher_in_window.front().first - *facts.scheduled_at).count();
  }
  return p;
}

PayFacts pay_facts(const Lesson& lesson) {
  PayFacts f;
  f.duration_s = paid_seconds(lesson);
  f.teacher_present_s = lesson.presence.teacher_present_s;
  f.together_s = lesson.presence.together_s;
  f.length_s = lesson.length_s;
  f.no_show = lesson.status == LessonStatus::no_show;
  if (f.no_show) f.waited_s = lesson.presence.teacher_present_s;
  return f;
}

namespace {

std::string hh_mm(TimePoint t) { return format_utc(t).substr(11, 5); }
std::string minutes_text(int64_t seconds) { return fmt::format("{} min", minutes_for(seconds, MinuteRounding::round)); }

std::string basis_text(const Lesson& l, const Pay& pay) {
  auto span = fmt::format("{}–{}", hh_mm(*l.started_at), hh_mm(*l.ended_at));
  switch (pay.basis) {
    case PayBasis::teacher: return fmt::format("the teacher in the meeting {} of {}", minutes_text(pay.basis_s), span);
    case PayBasis::together:
      return fmt::format("teacher and student together in the meeting {} of {}", minutes_text(pay.basis_s), span);
    case PayBasis::click: break;
  }
  return fmt::format("{} to the {} end, {}", l.start_source == StartSource::click ? "click" : "start",
                     l.end_source ? to_string(*l.end_source) : "", span);
}

std::string rules_text(const Pay& pay, const PayPolicy& policy, const std::string& wanted_basis) {
  std::string text;
  auto has = [&](const char* rule) { return pay.note.find(rule) != std::string::npos; };
  if (has("no_presence")) text += fmt::format("; no Zoom presence for the {} basis, so click was paid", wanted_basis);
  if (has("cap") && policy.cap) text += fmt::format("; capped at {}", to_string(*policy.cap));
  if (has("grace") && policy.grace) text += fmt::format("; under the {} grace: an accidental click", format_duration(*policy.grace));
  if (has("minimum") && policy.minimum) text += fmt::format("; raised to the {} minimum", format_duration(*policy.minimum));
  return text;
}

std::string start_text(const Lesson& l) {
  if (!l.started_at) return "";
  switch (l.start_source.value_or(StartSource::click)) {
    case StartSource::zoom:
      return fmt::format("; no click: started at {} when teacher and student were both in Zoom", hh_mm(*l.started_at));
    case StartSource::manual: return fmt::format("; start set by staff at {}", hh_mm(*l.started_at));
    case StartSource::click: break;
  }
  return fmt::format("; the student clicked at {}", hh_mm(*l.started_at));
}

std::string lateness_text(const Lesson& l) {
  auto late = l.presence.teacher_late_s;
  if (!late || *late < 60) return "";
  return fmt::format(", the teacher joined {} late", minutes_text(*late));
}

}  // namespace

std::string explain_pay(const Lesson& l, const PayPolicy& policy) {
  auto pay = pay_of(l, policy);
  if (l.status == LessonStatus::no_show) {
    return fmt::format("no-show: paid {} for the teacher's wait of {} for a student who never came",
                       minutes_text(pay.paid_s.value_or(0)), minutes_text(pay.basis_s));
  }
  if (!pay.paid_s) return fmt::format("not paid: the lesson is {}", to_string(l.status));
  return fmt::format("paid {}: {}{}{}{}", minutes_text(*pay.paid_s), basis_text(l, pay),
                     rules_text(pay, policy, to_string(policy.basis)), start_text(l), lateness_text(l));
}

bool link_expired(const Lesson& lesson, TimePoint now) {
  return lesson.status == LessonStatus::created && !lesson.started_at && lesson.expires_at &&
         now >= *lesson.expires_at;
}

bool click_changes_nothing(const Lesson& lesson, TimePoint at) {
  return lesson.started_at && lesson.start_source.value_or(StartSource::click) == StartSource::click &&
         *lesson.started_at <= at;
}

bool is_stale(const LessonState& state, TimePoint now, Seconds stale_after) {
  return state.status == LessonStatus::active && state.started_at && !state.ended_at &&
         now >= *state.started_at + stale_after;
}

void check_not_in_future(TimePoint t, TimePoint now, const std::string& what) {
  if (t > now + max_clock_ahead) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} {} is in the future (now {})", what, format_utc(t), format_utc(now)),
                "a time can be at most 5 minutes ahead of this server's clock");
  }
}

void check_click_time(TimePoint at, TimePoint lesson_created_at, TimePoint now) {
  check_not_in_future(at, now, "click time");
  if (at < lesson_created_at - max_clock_ahead) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("click time {} is before its lesson was created ({})", format_utc(at),
                            format_utc(lesson_created_at)),
                "a link cannot be clicked before it exists");
  }
}

bool settles_with_time(const Lesson& lesson, TimePoint now, Seconds grace) {
  return lesson.status == LessonStatus::ended && lesson.ended_at && grace_over(*lesson.ended_at, now, grace);
}

std::string too_long_reason(const LessonState& state, Seconds max_lesson) {
  if (state.status != LessonStatus::needs_review || !state.started_at || !state.ended_at) return "";
  if (*state.ended_at - *state.started_at <= max_lesson) return "";
  return fmt::format("lesson of {} is longer than the {} maximum: check it before paying",
                     format_duration(*state.ended_at - *state.started_at), format_duration(max_lesson));
}

bool is_settled(const Lesson& current, const ResolvedEnd& end, TimePoint now, Seconds grace) {
  if (end.meeting_over || grace_over(end.at, now, grace)) return true;
  // Final is not undone by a process that believes in a longer grace (serve and reconcile may be
  // given different ones): an end that has not moved later stays settled. Only a later end, a real
  // fact such as a rejoin's leave, counts its grace again.
  return current.status == LessonStatus::final && current.ended_at && end.at <= *current.ended_at;
}

// A pure function of the facts and `now`: the same facts, in whatever order they arrived and
// whatever the lesson's row said before, give the same row (save that a final row stays final
// under a longer grace, see is_settled). (The row once depended on itself: a
// final lesson kept its end while a late rejoin was open, so the end a lesson settled on depended
// on which events had arrived before it became final.) The only statuses carried over are those
// the facts cannot decide: void (staff), expired and needs_review (time, decided by reconcile).
// A rejoin whose leave has not arrived yet therefore reopens a final lesson until that leave, or
// the meeting's end, arrives: the minutes it adds are real.
LessonState resolve_lesson(const Lesson& current, const LessonFacts& facts, TimePoint now,
                           Seconds grace, Seconds max_lesson) {
  if (current.status == LessonStatus::void_ || current.status == LessonStatus::expired) {
    return state_of(current);
  }
  // A no-show stays one until a fact shows the student came after all (a click, or Zoom).
  if (current.status == LessonStatus::no_show && !facts.start) return state_of(current);
  LessonState next;
  next.started_at = facts.start;
  if (!facts.start) return next;  // created
  next.start_source = facts.start_source;
  auto end = resolve_end(facts, grace);
  if (!end) {
    next.status = current.status == LessonStatus::needs_review ? LessonStatus::needs_review
                                                               : LessonStatus::active;
    return next;
  }
  next.ended_at = end->at;
  next.end_source = end->source;
  next.presence = measure_presence(facts, *facts.start, end->at);
  if (end->at - *facts.start > max_lesson) {
    next.status = LessonStatus::needs_review;
    return next;
  }
  next.status = is_settled(current, *end, now, grace) ? LessonStatus::final : LessonStatus::ended;
  return next;
}

}  // namespace zt
