#include <fmt/format.h>

#include "cli/commands.hpp"

namespace zt::cli {

void add_init_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("init", "create or migrate the database");
  cmd->footer("Examples:\n  zoomtrack init\n  zoomtrack --db /var/lib/zoomtrack/zoomtrack.db init");
  cmd->callback([&ctx] {
    ctx.allow_create_database();
    auto& store = ctx.store();
    ctx.info(fmt::format("database ready: {} (schema version {})", store.path(), Store::schema_version));
  });
}

}  // namespace zt::cli
