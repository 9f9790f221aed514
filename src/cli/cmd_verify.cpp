// `zoomtrack verify`: the audit hash chain and every closed pay period, recomputed.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "core/util/error.hpp"
#include "core/services/pay_periods.hpp"
#include "core/util/json_limits.hpp"

namespace zt::cli {

void add_verify_command(CLI::App& app, Context& ctx) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("verify", "recompute the audit hash chain and every closed pay period's digest");
  cmd->add_flag("--json", *json, "print the result as JSON");
  cmd->footer("Exit status 0 when intact, 1 naming the first row or period that does not match.\n"
              "Examples:\n  zoomtrack verify\n  zoomtrack verify --json");
  cmd->callback([&ctx, json] {
    auto result = PayPeriods(ctx.store(), ctx.clock()).verify();
    if (*json) {
      std::cout << json_text(nlohmann::json(result), 2) << "\n";
    } else {
      std::cout << fmt::format("audit rows {}, closed periods {}, locked lessons {}: {}\n", result.audit_rows,
                               result.periods, result.locked_lessons, result.ok() ? "intact" : "NOT intact");
      for (const auto& p : result.problems) std::cout << "  " << p.message << "\n";
    }
    if (!result.ok()) {
      throw Error(ErrorCode::runtime, result.problems.front().message,
                  "the database was changed behind zoomtrack's back; restore it from a backup or investigate");
    }
  });
}

}  // namespace zt::cli
