#pragma once
// Pay periods: a closed period locks the lessons that started in it; what changes a locked
// lesson's pay afterwards is paid as an adjustment in the first open period.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/rules/lesson.hpp"

namespace zt {

enum class PeriodStatus { closed, reopened };
const char* to_string(PeriodStatus status);

struct PayPeriod {
  int64_t id = 0;
  std::string label;  // "2026-11" for --month, else "FROM..TO"
  TimePoint from{};   // [from, to): the lessons whose start falls in it
  TimePoint to{};
  std::string tz;     // the zone the period was closed in: its rows' dates and local times
  PeriodStatus status = PeriodStatus::closed;
  TimePoint closed_at{};
  std::string closed_by;
  int64_t lessons = 0;  // rows of kind lesson
  int64_t duration_s = 0;
  int64_t minutes = 0;  // rounded per row, as report --minutes round
  int64_t needs_review = 0;
  int64_t adjustments = 0;  // rows of kind adjustment
  std::string columns;  // the --by lesson columns the digest covers, comma-separated
  std::string digest;   // SHA-256 (hex) of those rows, see period_digest
  std::optional<TimePoint> reopened_at;
  std::string reopened_by;
  std::string reopen_reason;
};
void to_json(nlohmann::json& j, const PayPeriod& p);

// A lesson held by a closed period: what the period paid for it, and what it pays now after
// the adjustments recorded since.
struct LessonLock {
  int64_t period_id = 0;
  std::string period_label;
  int64_t locked_s = 0;  // paid by the period itself
  int64_t paid_s = 0;    // locked_s plus the adjustments so far
  std::string pay_policy = {};  // the policy frozen with it (to_string(PayPolicy)); "" before policies: the default
};

// A change to a locked lesson's pay, paid in the first open period (at `at`).
struct Adjustment {
  int64_t id = 0;
  int64_t lesson_id = 0;
  int64_t period_id = 0;  // the closed period that locks the lesson
  TimePoint at{};         // when it is paid: when it was recorded, or the end of a closed period
  TimePoint recorded_at{};
  int64_t old_paid_s = 0;
  int64_t new_paid_s = 0;
  std::string source;
  std::string reason;
  std::string who;
  // The lesson as it became, so that the row reads the same in every later report.
  std::string teacher;
  std::string student;
  LessonStatus status = LessonStatus::final;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;
  std::optional<EndSource> end_source;

  int64_t delta_s() const { return new_paid_s - old_paid_s; }
};

// One audit row as the hash chain sees it.
struct AuditRow {
  int64_t id = 0;
  std::optional<int64_t> lesson_id;
  std::optional<int64_t> period_id;
  std::string at;  // as stored
  std::string who, source, action, old_value, new_value, reason;
  std::string hash;
};

// SHA-256 (hex) over the row's canonical content (every field, length-prefixed, so that no two
// rows share one) and the previous row's hash ("" for the first row).
std::string audit_hash(const std::string& previous_hash, const AuditRow& row);

}  // namespace zt
