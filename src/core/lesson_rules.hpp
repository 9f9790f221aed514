#pragma once
// Every rule that turns signals into a lesson's start, end, duration and status lives here, as
// pure functions over facts, so that the order in which signals arrive cannot change the result.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/lesson.hpp"

namespace zt {

inline constexpr Seconds default_grace{600};
inline constexpr Seconds default_max_lesson{6 * 3600};
// How far ahead of our clock a reported time may be: clocks drift, years do not.
inline constexpr Seconds max_clock_ahead{300};

// An end (or any reported time) later than now + 5 minutes cannot have happened yet. Throws
// Error(invalid_argument) naming `what` so that no source can pay time that has not passed.
void check_not_in_future(TimePoint t, TimePoint now, const std::string& what);
// A click can happen only once its link exists and not after now, by the rule above: a click
// before its lesson was created (less the same allowance for a clock behind) or in the future
// is refused with Error(invalid_argument).
void check_click_time(TimePoint at, TimePoint lesson_created_at, TimePoint now);

// end - start in whole seconds, never negative.
int64_t duration_seconds(TimePoint start, TimePoint end);

enum class MinuteRounding { round, floor, ceil };
MinuteRounding parse_minute_rounding(const std::string& text);
int64_t minutes_for(int64_t seconds, MinuteRounding rounding);

// Lower is more trusted: webhook < zoom_api < leave_url < manual.
int end_source_rank(EndSource source);
// An end Zoom itself reported (webhook or zoom_api): staff need --force to override it, and the
// Zoom API is not asked again.
bool comes_from_zoom(EndSource source);

// Zoom's participant id equals the meeting's host_id for a signed-in host; otherwise the email or
// display name configured for the lesson's teacher identifies them.
bool is_teacher(const Segment& segment, const std::string& teacher_zoom_email,
                const std::string& teacher_name);

// What one more delivery about a connection makes of its stored segment. Commutative and
// idempotent, so the row is the same whatever order the deliveries (and re-deliveries that
// disagree) arrive in: the earliest join, the latest leave with its reason, and for text the
// greatest value ('' loses to any). "Last write wins" made a lesson's end flip back and forth
// under a stream of conflicting copies. The key (source, meeting_uuid, connection_id) is the
// stored one's.
Segment merge_segments(const Segment& stored, const Segment& delivered);

// Moving into or out of a breakout room is a left/joined pair, not a departure.
bool is_breakout_move(std::string_view leave_reason);

// The lesson's start: the latest staff correction when there is one (a correction is a person's
// decision about this lesson and stands until the next one), else the first real click.
std::optional<TimePoint> resolve_start(const std::optional<TimePoint>& first_real_click,
                                       const std::vector<StartSignal>& corrections);

// Everything known about one lesson, read from the store.
struct LessonFacts {
  std::optional<TimePoint> start;       // resolve_start: a staff correction, else the first real click
  std::optional<TimePoint> next_start;  // the start of the next lesson on the same meeting
  std::vector<Segment> teacher_segments;  // the teacher's connections, from webhooks and the API
  std::vector<TimePoint> meeting_ends;  // Zoom's end_time of the meeting's instances
  std::vector<EndSignal> signals;       // leave URL and manual ends
};

struct ResolvedEnd {
  TimePoint at{};
  EndSource source = EndSource::webhook;
  bool meeting_over = false;  // Zoom said the meeting ended: no rejoin can follow
};

// The end, from the most trusted source that has one; within a source the teacher's last leave,
// where a rejoin within `grace` continues the lesson. Capped at the next lesson's start.
std::optional<ResolvedEnd> resolve_end(const LessonFacts& facts, Seconds grace);

struct LessonState {
  LessonStatus status = LessonStatus::created;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;
  std::optional<EndSource> end_source;
  bool operator==(const LessonState&) const = default;
};

LessonState state_of(const Lesson& lesson);

// "final start=… end=… (webhook)": how the audit trail writes a state.
std::string describe(const LessonState& state);

// The one place that decides what a lesson pays, in seconds: an ended or final lesson with both
// ends pays its duration; nothing else pays (needs_review, active, void, expired, created).
// Reports, pay periods and adjustments all ask this.
std::optional<int64_t> paid_seconds(const LessonState& state);
inline std::optional<int64_t> paid_seconds(const Lesson& lesson) { return paid_seconds(state_of(lesson)); }

// An unclicked link is dead once its expiry has passed.
bool link_expired(const Lesson& lesson, TimePoint now);

// A started lesson with no end this long after its start cannot be paid without a person's look:
// it goes to needs_review (we never invent an end).
bool is_stale(const LessonState& state, TimePoint now, Seconds stale_after);

// The lesson's state given its facts. Void and expired lessons keep theirs; an ended lesson is
// final once Zoom says the meeting is over or `grace` has passed since the end.
// A lesson longer than `max_lesson` is not paid as is: it goes to needs_review.
LessonState resolve_lesson(const Lesson& current, const LessonFacts& facts, TimePoint now,
                           Seconds grace, Seconds max_lesson = default_max_lesson);

// Whether time alone moves a lesson on while its facts stay as they are: an ended lesson becomes
// final once `grace` has passed since its end. Nothing else in resolve_lesson reads the clock.
bool settles_with_time(const Lesson& lesson, TimePoint now, Seconds grace);

// Why resolve_lesson sent a lesson to needs_review for its length; empty when it did not.
std::string too_long_reason(const LessonState& state, Seconds max_lesson);

}  // namespace zt
