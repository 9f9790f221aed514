// `zoomtrack db copy --to TARGET`: a school's whole database into another, SQLite and PostgreSQL
// either way, then verified where it landed.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "core/services/pay_periods.hpp"
#include "core/util/database_url.hpp"
#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"

namespace zt::cli {
namespace {

void copy_database(Context& ctx, const std::string& target_db, bool json) {
  if (target_db.empty()) throw Error(ErrorCode::invalid_argument, "--to is empty", "give a SQLite file or a postgresql:// URL");
  auto& source = ctx.store();
  auto options = ctx.store_options();
  options.create = true;  // the target is new (and refused below when it already holds data)
  Store target(target_db, options);
  if (target.path() == source.path()) {
    throw Error(ErrorCode::invalid_argument, "--to names the database being copied", "give a new, empty database");
  }
  auto copied = source.copy_into(target);
  auto verified = PayPeriods(target, ctx.clock()).verify();
  if (json) {
    nlohmann::json out{{"source", source.path()}, {"target", target.path()}, {"rows", nlohmann::json::object()},
                       {"verify", verified}};
    for (const auto& [table, rows] : copied) out["rows"][table] = rows;
    std::cout << json_text(out, 2) << "\n";
  } else {
    std::string counts;
    for (const auto& [table, rows] : copied) {
      if (rows) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", rows, table);
    }
    ctx.info(fmt::format("copied {} into {}: {}", source.path(), target.path(), counts.empty() ? "no rows" : counts));
    ctx.info(fmt::format("verify {}: audit rows {}, closed periods {}: {}", target.path(), verified.audit_rows,
                         verified.periods, verified.ok() ? "intact" : "NOT intact"));
  }
  if (!verified.ok()) {
    throw Error(ErrorCode::runtime, "the copy does not verify: " + verified.problems.front().message,
                "the source may have been changed behind zoomtrack's back: run 'zoomtrack verify' on it");
  }
}

}  // namespace

void add_db_command(CLI::App& app, Context& ctx) {
  auto* db = app.add_subcommand("db", "move the whole database: SQLite to PostgreSQL and back");
  db->require_subcommand(1);
  db->footer("Example:\n  zoomtrack db copy --to postgresql://zoomtrack@db.internal/zoomtrack");
  auto target = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* copy = db->add_subcommand("copy", "copy every row of --db into an empty TARGET, in one transaction, then verify it");
  copy->add_option("--to", *target, "the new database: a SQLite file or a postgresql:// URL; it must hold no data yet")
      ->required()
      ->type_name("TARGET");
  copy->add_flag("--json", *json, "print the rows copied per table and the verification as JSON");
  copy->footer(
      "Examples:\n"
      "  zoomtrack --db /var/lib/zoomtrack/zoomtrack.db db copy --to postgresql://zoomtrack@db.internal/zoomtrack\n"
      "  zoomtrack --db postgresql://zoomtrack@db.internal/zoomtrack db copy --to ./zoomtrack.db");
  copy->callback([&ctx, target, json] { copy_database(ctx, *target, *json); });
}

}  // namespace zt::cli
