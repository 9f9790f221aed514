// `zoomtrack period close|list|reopen`: pay periods (see core/services/pay_periods.hpp).
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <limits>

#include "cli/commands.hpp"
#include "cli/numbers.hpp"
#include "core/util/config.hpp"
#include "core/util/error.hpp"
#include "core/services/pay_periods.hpp"
#include "core/util/json_limits.hpp"
#include "core/util/text.hpp"

namespace zt::cli {
namespace {

struct PeriodOptions {
  std::string month, from, to, id, reason, by;
  std::optional<std::string> tz;
  bool force = false;
  bool json = false;
  FormatFlags format;
};

std::string who(const std::string& by) {
  if (!by.empty()) return by;
  const char* user = std::getenv("USER");
  return user && *user ? user : "unknown";
}

Table periods_table(const std::vector<PayPeriod>& periods) {
  Table t;
  t.columns = {"id",      "label",    "from",       "to",      "tz",          "status",      "lessons",
               "duration_s", "minutes", "needs_review", "adjustments", "digest", "closed_at", "closed_by",
               "reopened_at", "reopen_reason"};
  t.numeric = {true, false, false, false, false, false, true, true, true, true, true, false, false, false, false, false};
  for (const auto& p : periods) {
    t.rows.push_back({std::to_string(p.id), p.label, format_utc(p.from), format_utc(p.to), p.tz, to_string(p.status),
                      std::to_string(p.lessons), std::to_string(p.duration_s), std::to_string(p.minutes),
                      std::to_string(p.needs_review), std::to_string(p.adjustments), p.digest,
                      format_utc(p.closed_at), p.closed_by, format_utc(p.reopened_at), p.reopen_reason});
  }
  return t;
}

void close_period(Context& ctx, const PeriodOptions& o) {
  ctx.config({{"tz", o.tz}});
  CloseRequest request;
  request.tz = ctx.time_zone();
  if (!o.month.empty() && (!o.from.empty() || !o.to.empty())) {
    throw Error(ErrorCode::invalid_argument, "give either --month or --from and --to, not both");
  }
  if (!o.month.empty()) request.range = month_range(o.month, request.tz);
  else if (!o.from.empty() && !o.to.empty()) request.range = explicit_range(o.from, o.to, request.tz);
  else throw Error(ErrorCode::invalid_argument, "give --month YYYY-MM, or --from and --to", "see 'zoomtrack period close --help'");
  request.who = who(o.by);
  request.force = o.force;
  request.policy = pay_policy(ctx.config());
  PayPeriods periods(ctx.store(), ctx.clock());
  auto p = periods.close(request);
  // Read once the close is committed: the head covers the close's own audit row.
  auto head = periods.head().text();
  if (o.json) {
    auto j = nlohmann::json(p);
    j["head"] = head;
    std::cout << json_text(j, 2) << "\n";
    return;
  }
  std::cout << fmt::format("closed period {} ({}, {} to {}, {}): {} lessons, {} s ({} min), {} needs_review, "
                           "{} adjustments\ndigest {}\nhead {}\n",
                           p.id, p.label, format_utc(p.from), format_utc(p.to), p.tz, p.lessons, p.duration_s,
                           p.minutes, p.needs_review, p.adjustments, p.digest, head);
}

void reopen_period(Context& ctx, const PeriodOptions& o) {
  auto id = parse_decimal(o.id, "period id", 1, std::numeric_limits<int64_t>::max());
  auto p = PayPeriods(ctx.store(), ctx.clock()).reopen(id, o.reason, who(o.by));
  if (o.json) std::cout << json_text(nlohmann::json(p), 2) << "\n";
  else std::cout << fmt::format("reopened period {} ({}); reason: {}\n", p.id, p.label, terminal_safe(o.reason));
}

void add_close(CLI::App& period, Context& ctx) {
  auto o = std::make_shared<PeriodOptions>();
  auto* cmd = period.add_subcommand("close", "lock a pay period: its report never changes afterwards");
  cmd->add_option("--month", o->month, "the calendar month in --tz")->type_name("YYYY-MM");
  cmd->add_option("--from", o->from, "lessons that started at or after this time or date");
  cmd->add_option("--to", o->to, "lessons that started before this time (a date includes that day)");
  cmd->add_option("--tz", o->tz, "time zone of the month's boundaries and the rows' local times (default UTC)");
  cmd->add_option("--by", o->by, "who is closing (default $USER)");
  cmd->add_flag("--force", o->force,
                "close although active or needs_review lessons are in it, or it has not ended yet");
  cmd->add_flag("--json", o->json, "print the period as JSON");
  cmd->footer("Prints the period's totals and digest, and the audit chain's head N:HASH: keep it outside the\n"
              "database (zoomtrack verify --head N:HASH proves later that the trail still extends it).\n"
              "Examples:\n  zoomtrack period close --month 2026-11 --tz Africa/Addis_Ababa\n"
              "  zoomtrack period close --from 2026-11-01 --to 2026-11-15");
  cmd->callback([&ctx, o] { close_period(ctx, *o); });
}

void add_list(CLI::App& period, Context& ctx) {
  auto o = std::make_shared<PeriodOptions>();
  auto* cmd = period.add_subcommand("list", "closed and reopened pay periods with totals and digests");
  add_format_flags(*cmd, o->format);
  cmd->footer("Examples:\n  zoomtrack period list\n  zoomtrack period list --csv");
  cmd->callback([&ctx, o] {
    auto periods = PayPeriods(ctx.store(), ctx.clock()).list();
    if (o->format.json) std::cout << json_text(nlohmann::json(periods), 2) << "\n";
    else write_table(std::cout, periods_table(periods), o->format.format());
  });
}

void add_reopen(CLI::App& period, Context& ctx) {
  auto o = std::make_shared<PeriodOptions>();
  auto* cmd = period.add_subcommand("reopen", "unlock a closed pay period (audited)");
  cmd->add_option("id", o->id, "period id (decimal), from 'period list'")->required()->type_name("ID");
  cmd->add_option("--reason", o->reason, "why, for the audit trail")->required();
  cmd->add_option("--by", o->by, "who is reopening (default $USER)");
  cmd->add_flag("--json", o->json, "print the period as JSON");
  cmd->footer("Example:\n  zoomtrack period reopen 3 --reason 'lesson 42 was paid to the wrong teacher'");
  cmd->callback([&ctx, o] { reopen_period(ctx, *o); });
}

}  // namespace

void add_period_command(CLI::App& app, Context& ctx) {
  auto* period = app.add_subcommand("period", "close, list and reopen pay periods");
  period->require_subcommand(1);
  period->footer("Examples:\n  zoomtrack period close --month 2026-11\n  zoomtrack period list");
  add_close(*period, ctx);
  add_list(*period, ctx);
  add_reopen(*period, ctx);
}

}  // namespace zt::cli
