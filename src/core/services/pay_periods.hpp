#pragma once
// Closing, listing and reopening pay periods, and verifying the audit trail and every closed
// period against the rows they were computed from. See pay_period.hpp for the records.
#include <string>
#include <vector>

#include "core/rules/lesson_rules.hpp"
#include "core/rules/pay_period.hpp"
#include "core/store/store.hpp"

namespace zt {

struct PeriodRange {
  TimePoint from{};
  TimePoint to{};
  std::string label;
};

// "2026-11" in `tz`: from its first day's start to the next month's. Throws invalid_argument.
PeriodRange month_range(const std::string& month, const std::string& tz);
// --from and --to as the command line gives them; a date-only `to` includes that whole day.
PeriodRange explicit_range(const std::string& from, const std::string& to, const std::string& tz);

struct CloseRequest {
  PeriodRange range;
  std::string tz = "UTC";
  std::string who;
  // Lock a period that holds active or needs_review lessons (they are locked unpaid and paid by
  // adjustments once settled), or that has not ended yet.
  bool force = false;
  PayPolicy policy;  // what each lesson pays, frozen with it
};

struct VerifyProblem {
  std::string kind;  // "audit", "period" or "lesson"
  int64_t id = 0;
  std::string message;
};

struct VerifyResult {
  int64_t audit_rows = 0;
  int64_t periods = 0;
  int64_t locked_lessons = 0;
  std::vector<VerifyProblem> problems;  // in the order found; the first is named on stderr
  bool ok() const { return problems.empty(); }
};
void to_json(nlohmann::json& j, const VerifyResult& result);

class PayPeriods {
 public:
  PayPeriods(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Throws conflict, listing what blocks it, for a period overlapping a closed one, holding
  // active or needs_review lessons, or ending in the future (the last two unless `force`).
  PayPeriod close(const CloseRequest& request);
  std::vector<PayPeriod> list() { return store_.list_periods(); }
  // Refused (conflict) while an adjustment of its lessons is paid inside another closed period:
  // reopen that one first. Adjustments of its lessons not yet paid in a closed period are
  // withdrawn: the reopened period pays its lessons as they are now.
  PayPeriod reopen(int64_t id, const std::string& reason, const std::string& who);

  // The audit chain, every closed period's digest and totals recomputed from its locked rows,
  // and every locked lesson's row against its period, adjustments and last audited state.
  VerifyResult verify();

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace zt
