#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/services/backup.hpp"

namespace zt::cli {

void add_backup_command(CLI::App& app, Context& ctx) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("backup", "consistent copy of the database, also while serve takes clicks");
  cmd->add_option("file", *file, "where to write the copy (replaced atomically when it exists)")
      ->required()
      ->type_name("FILE");
  cmd->footer(
      "Examples:\n"
      "  zoomtrack backup /var/backups/zoomtrack/zoomtrack.db\n"
      "  zoomtrack --db /var/lib/zoomtrack/zoomtrack.db -q backup \"/var/backups/zoomtrack/$(date +%F).db\"");
  cmd->callback([&ctx, file] {
    auto result = backup_database(ctx.store(), *file);
    ctx.info(fmt::format("backed up {} to {}: {} bytes, integrity ok", ctx.store().path(), result.path, result.bytes));
  });
}

}  // namespace zt::cli
