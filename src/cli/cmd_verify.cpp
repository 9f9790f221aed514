// `zoomtrack verify`: the audit hash chain, every lesson against its audit trail, and every
// closed pay period, recomputed; the chain's head printed, and checked against an earlier one.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "core/util/error.hpp"
#include "core/services/pay_periods.hpp"
#include "core/util/json_limits.hpp"

namespace zt::cli {
namespace {

void print_result(const VerifyResult& result) {
  std::cout << fmt::format("audit rows {}, lessons {}, closed periods {}, locked lessons {}: {}\n", result.audit_rows,
                           result.lessons, result.periods, result.locked_lessons, result.ok() ? "intact" : "NOT intact");
  std::cout << "head " << result.head.text() << "\n";
  if (result.extends) std::cout << "extends " << result.extends->text() << "\n";
  for (const auto& p : result.problems) std::cout << "  " << p.message << "\n";
}

}  // namespace

void add_verify_command(CLI::App& app, Context& ctx) {
  auto json = std::make_shared<bool>(false);
  auto head = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "verify", "recompute the audit hash chain, replay every lesson's audit trail, check every closed pay period");
  cmd->add_option("--head", *head,
                  "a head printed earlier (by verify or period close): prove that the trail still extends it")
      ->type_name("N:HASH");
  cmd->add_flag("--json", *json, "print the result as JSON");
  cmd->footer("Prints the chain head N:HASH (the newest audit row's id and hash): keep it outside the database.\n"
              "Exit status 0 when intact, 1 naming the first row, lesson or period that does not match.\n"
              "Examples:\n  zoomtrack verify\n  zoomtrack verify --head \"$(cat /srv/payroll/zoomtrack.head)\"\n"
              "  zoomtrack verify --json");
  cmd->callback([&ctx, json, head] {
    std::optional<ChainHead> recorded;
    if (!head->empty()) recorded = parse_chain_head(*head);
    auto result = PayPeriods(ctx.store(), ctx.clock()).verify(recorded);
    if (*json) std::cout << json_text(nlohmann::json(result), 2) << "\n";
    else print_result(result);
    if (!result.ok()) {
      throw Error(ErrorCode::runtime, result.problems.front().message,
                  "the database was changed behind zoomtrack's back; restore it from a backup or investigate");
    }
  });
}

}  // namespace zt::cli
