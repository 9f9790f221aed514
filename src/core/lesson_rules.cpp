#include "core/lesson_rules.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"

namespace zt {
namespace {

std::optional<TimePoint> latest_signal(const LessonFacts& facts, EndSource source, bool forced) {
  std::optional<TimePoint> latest;
  for (const auto& signal : facts.signals) {
    if (signal.source != source || signal.forced != forced) continue;
    if (facts.start && signal.at < *facts.start) continue;  // a leave before the lesson began
    if (!latest || signal.at > *latest) latest = signal.at;
  }
  return latest;
}

struct Chain {
  std::optional<TimePoint> last_leave;
  bool still_in = false;  // an open segment, or the last leave was a breakout move
};

// Walks the teacher's connections from the lesson's start: each one that joins within `grace`
// of the previous leave continues the lesson.
std::optional<Chain> teacher_chain(const LessonFacts& facts, const std::string& source,
                                   Seconds grace) {
  std::vector<const Segment*> relevant;
  for (const auto& segment : facts.teacher_segments) {
    if (segment.source != source) continue;
    if (segment.leave_time && *segment.leave_time < *facts.start) continue;
    relevant.push_back(&segment);
  }
  if (relevant.empty()) return std::nullopt;
  auto join_of = [&](const Segment* s) { return s->join_time.value_or(*facts.start); };
  std::stable_sort(relevant.begin(), relevant.end(),
                   [&](auto* a, auto* b) { return join_of(a) < join_of(b); });

  Chain chain;
  bool open = false;
  for (const auto* segment : relevant) {
    bool continues = open || chain.still_in || !chain.last_leave ||
                     join_of(segment) <= *chain.last_leave + grace;
    if (!continues) break;
    if (!segment->leave_time) {
      open = true;
    } else if (!chain.last_leave || *segment->leave_time >= *chain.last_leave) {
      chain.last_leave = segment->leave_time;
      chain.still_in = is_breakout_move(segment->leave_reason);
    }
  }
  chain.still_in = chain.still_in || open;
  return chain;
}

std::optional<TimePoint> first_meeting_end(const LessonFacts& facts) {
  std::optional<TimePoint> first;
  for (auto end : facts.meeting_ends) {
    if (end >= *facts.start && (!first || end < *first)) first = end;
  }
  return first;
}

std::optional<ResolvedEnd> end_from_segments(const LessonFacts& facts, const std::string& source,
                                             EndSource as, Seconds grace) {
  auto chain = teacher_chain(facts, source, grace);
  auto meeting_end = as == EndSource::webhook ? first_meeting_end(facts) : std::nullopt;
  if (chain && !chain->still_in && chain->last_leave) {
    return ResolvedEnd{*chain->last_leave, as, meeting_end.has_value()};
  }
  // The teacher is still in (or we never saw them): only the meeting's end can end the lesson.
  if (meeting_end) return ResolvedEnd{*meeting_end, as, true};
  return std::nullopt;
}

std::optional<ResolvedEnd> most_trusted_end(const LessonFacts& facts, Seconds grace) {
  if (auto forced = latest_signal(facts, EndSource::manual, true)) {
    return ResolvedEnd{*forced, EndSource::manual, false};
  }
  if (auto end = end_from_segments(facts, "webhook", EndSource::webhook, grace)) return end;
  if (auto end = end_from_segments(facts, "zoom_api", EndSource::zoom_api, grace)) return end;
  for (auto source : {EndSource::leave_url, EndSource::manual}) {
    if (auto end = latest_signal(facts, source, false)) return ResolvedEnd{*end, source, false};
  }
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
  return {lesson.status, lesson.started_at, lesson.ended_at, lesson.end_source};
}

bool link_expired(const Lesson& lesson, TimePoint now) {
  return lesson.status == LessonStatus::created && !lesson.started_at && lesson.expires_at &&
         now >= *lesson.expires_at;
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

std::string too_long_reason(const LessonState& state, Seconds max_lesson) {
  if (state.status != LessonStatus::needs_review || !state.started_at || !state.ended_at) return "";
  if (*state.ended_at - *state.started_at <= max_lesson) return "";
  return fmt::format("lesson of {} is longer than the {} maximum: check it before paying",
                     format_duration(*state.ended_at - *state.started_at), format_duration(max_lesson));
}

LessonState resolve_lesson(const Lesson& current, const LessonFacts& facts, TimePoint now,
                           Seconds grace, Seconds max_lesson) {
  if (current.status == LessonStatus::void_ || current.status == LessonStatus::expired) {
    return state_of(current);
  }
  LessonState next;
  next.started_at = facts.start;
  if (!facts.start) return next;  // created
  auto end = resolve_end(facts, grace);
  if (!end && current.status == LessonStatus::final) {
    // A late event (a rejoin whose leave has not arrived yet) never reopens a settled lesson;
    // its end moves when the leave arrives.
    return state_of(current);
  }
  if (!end) {
    next.status = current.status == LessonStatus::needs_review ? LessonStatus::needs_review
                                                               : LessonStatus::active;
    return next;
  }
  next.ended_at = end->at;
  next.end_source = end->source;
  if (end->at - *facts.start > max_lesson) {
    next.status = LessonStatus::needs_review;
    return next;
  }
  bool settled = current.status == LessonStatus::final || end->meeting_over || now >= end->at + grace;
  next.status = settled ? LessonStatus::final : LessonStatus::ended;
  return next;
}

}  // namespace zt
