#pragma once
// Every rule that turns signals into a lesson's start, end, duration and status lives here, as
// pure functions over facts, so that the order in which signals arrive cannot change the result.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rules/lesson.hpp"
#include "core/rules/pay.hpp"

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
// The same with Zoom's view: a staff correction stands; otherwise the earliest trustworthy start,
// the first real click or the moment teacher and student were both in the meeting (zoom_start).
struct ResolvedStart {
  std::optional<TimePoint> at;
  StartSource source = StartSource::click;
};
ResolvedStart resolve_start(const std::optional<TimePoint>& first_real_click,
                            const std::vector<StartSignal>& corrections,
                            const std::optional<TimePoint>& zoom_start);

// How long before its scheduled time a lesson's window opens: a teacher or student early in the
// meeting is there for this lesson.
inline constexpr Seconds presence_lead{15 * 60};

// The tag the tracking redirect puts in the student's Zoom display name ("[zt42]"), by which the
// lesson's student is recognised among the meeting's participants.
std::string zoom_name_tag(int64_t lesson_id);
// Whether a participant is the lesson's student: their Zoom e-mail is the lesson's
// student_zoom_email, or their display name carries the lesson's tag.
bool is_lesson_student(const Segment& segment, int64_t lesson_id, const std::string& student_zoom_email);

// The participants that count as the student, from the meeting's participants who are not the
// teacher: those identified (is_lesson_student) when there are any, else, as lessons are one to
// one, those who joined inside the window (one there before it belongs to an earlier lesson).
struct StudentSegments {
  std::vector<Segment> segments;
  bool identified = false;
};
StudentSegments student_segments(const std::vector<Segment>& others, int64_t lesson_id,
                                 const std::string& student_zoom_email,
                                 const std::optional<TimePoint>& window_from);

// The first moment in [from, until) when teacher and student were both in the meeting: the start
// of a lesson whose student came without clicking the tracking link.
std::optional<TimePoint> zoom_start(const std::vector<Segment>& teacher, const std::vector<Segment>& student,
                                    TimePoint from, TimePoint until);

// Seconds the teacher was in the meeting within [from, until): a no-show's wait.
int64_t presence_seconds(const std::vector<Segment>& segments, TimePoint from, TimePoint until);

// Everything known about one lesson, read from the store.
struct LessonFacts {
  std::optional<TimePoint> start;       // resolve_start: a staff correction, else the first real click
  StartSource start_source = StartSource::click;
  // Zoom presence: the window opens presence_lead before scheduled_at (or at the start, when
  // earlier or unscheduled); the student's connections as student_segments chose them.
  std::optional<TimePoint> scheduled_at;
  std::vector<Segment> student_segments;
  bool student_identified = false;
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
// where a rejoin within `grace` continues the lesson, except the checkout, whose first press wins. Capped at the next lesson's start.
std::optional<ResolvedEnd> resolve_end(const LessonFacts& facts, Seconds grace);

// Whether a lesson that ends at `end` is final: Zoom said the meeting is over, `grace` has passed
// since the end, or the lesson was final already and its end has not moved later. The last makes
// "final" one-way whatever grace two processes are given: serve with --grace 1h never turns back
// a lesson that reconcile with --grace 5m has finalised (and so never lets a checkout move it).
bool is_settled(const Lesson& current, const ResolvedEnd& end, TimePoint now, Seconds grace);

struct LessonState {
  LessonStatus status = LessonStatus::created;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;
  std::optional<EndSource> end_source;
  std::optional<StartSource> start_source = {};
  Presence presence = {};
  bool operator==(const LessonState&) const = default;
};

// The lesson's presence within [start, end] (its window for teacher_late_s): what the teacher
// and together pay bases pay. Empty kind when Zoom saw nobody.
Presence measure_presence(const LessonFacts& facts, TimePoint start, TimePoint end);

// What the pay function needs of a lesson (its duration as paid_seconds says, its presence).
PayFacts pay_facts(const Lesson& lesson);
// The one place that says what a lesson pays under a policy.
inline Pay pay_of(const Lesson& lesson, const PayPolicy& policy) { return compute_pay(pay_facts(lesson), policy); }
// "paid 40 min: together in the meeting 09:20–10:00 ...": why a lesson pays what it pays.
std::string explain_pay(const Lesson& lesson, const PayPolicy& policy);

LessonState state_of(const Lesson& lesson);

// "final start=… end=… (webhook)": how the audit trail writes a state; a start from Zoom and the
// presence, once measured, are appended.
std::string describe(const LessonState& state);

// The one place that decides what a lesson pays, in seconds: an ended or final lesson with both
// ends pays its duration; nothing else pays (needs_review, active, void, expired, created).
// Reports, pay periods and adjustments all ask this.
std::optional<int64_t> paid_seconds(const LessonState& state);
inline std::optional<int64_t> paid_seconds(const Lesson& lesson) { return paid_seconds(state_of(lesson)); }

// An unclicked link is dead once its expiry has passed.
bool link_expired(const Lesson& lesson, TimePoint now);

// A click at `at` leaves this lesson as it is, now and whatever happens to it later: an earlier
// (or simultaneous) real click started it. Clicks are never deleted, so the lesson's start
// comes from that click or an earlier one, or from a staff correction, never from this one;
// and a started link does not expire. Such a click only adds its row.
bool click_changes_nothing(const Lesson& lesson, TimePoint at);

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
