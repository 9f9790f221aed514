#pragma once
// Closing, listing and reopening pay periods, and verifying the audit trail and every closed
// period against the rows they were computed from. See pay_period.hpp for the records.
#include <optional>
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

// The audit trail's newest row as "N:HASH": N its id (ids count up from 1, so N is also the
// number of rows a trail nobody pruned has), HASH its chain hash. Kept outside the database, it
// lets a later verify prove that the trail still extends it: nobody deleted newer rows or rebuilt
// the chain with new hashes. The empty trail's head is 0 and 64 zeros.
struct ChainHead {
  int64_t row = 0;
  std::string hash;
  std::string text() const;
};
// "N:HASH" as verify prints it. Throws invalid_argument naming `flag` for anything else.
ChainHead parse_chain_head(const std::string& text, const std::string& flag = "--head");

struct VerifyProblem {
  std::string kind;  // "audit", "head", "period" or "lesson"
  int64_t id = 0;    // the audit row, period or lesson
  std::string message;
  // For a lesson: the audit row where it shows, the field that differs, and its two values.
  std::optional<int64_t> audit_row = {};
  std::string field = {};
  std::string audited = {};
  std::string found = {};
};

struct VerifyResult {
  int64_t audit_rows = 0;
  int64_t lessons = 0;
  int64_t periods = 0;
  int64_t locked_lessons = 0;
  ChainHead head;
  std::optional<ChainHead> extends;  // the head given with --head, when the trail extends it
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

  // The audit chain (extending `recorded`, a head printed earlier, when given), every lesson's
  // row against its replayed audit trail, every period's close and reopen in the trail, every
  // closed period's digest and totals recomputed from its locked rows, and every locked lesson's
  // pay against its period and adjustments.
  VerifyResult verify(const std::optional<ChainHead>& recorded = std::nullopt);
  ChainHead head();

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace zt
