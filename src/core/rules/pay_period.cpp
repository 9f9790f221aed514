#include "core/rules/pay_period.hpp"

#include <nlohmann/json.hpp>

#include "core/util/crypto.hpp"

namespace zt {
namespace {

void field(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

void field(std::string& out, const std::optional<int64_t>& value) {
  if (value) field(out, std::to_string(*value));
  else out += '~';
}

}  // namespace

const char* to_string(PeriodStatus status) {
  return status == PeriodStatus::closed ? "closed" : "reopened";
}

void to_json(nlohmann::json& j, const PayPeriod& p) {
  j = {{"id", p.id},
       {"label", p.label},
       {"from", format_utc(p.from)},
       {"to", format_utc(p.to)},
       {"tz", p.tz},
       {"status", to_string(p.status)},
       {"closed_at", format_utc(p.closed_at)},
       {"closed_by", p.closed_by},
       {"lessons", p.lessons},
       {"duration_s", p.duration_s},
       {"minutes", p.minutes},
       {"needs_review", p.needs_review},
       {"adjustments", p.adjustments},
       {"digest", p.digest},
       {"reopened_at", p.reopened_at ? nlohmann::json(format_utc(*p.reopened_at)) : nlohmann::json(nullptr)},
       {"reopened_by", p.reopened_by},
       {"reopen_reason", p.reopen_reason}};
}

std::string audit_hash(const std::string& previous_hash, const AuditRow& row) {
  std::string canonical = "zoomtrack-audit-v1\n";
  field(canonical, previous_hash);
  field(canonical, std::optional<int64_t>(row.id));
  field(canonical, row.lesson_id);
  field(canonical, row.period_id);
  for (const auto* value : {&row.at, &row.who, &row.source, &row.action, &row.old_value, &row.new_value, &row.reason}) {
    field(canonical, *value);
  }
  return sha256_hex(canonical);
}

}  // namespace zt
