#pragma once
// One file per subcommand; each binds its flags into a plain struct and calls core.
#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "cli/output.hpp"

namespace zt::cli {

void add_init_command(CLI::App& app, Context& ctx);
void add_link_command(CLI::App& app, Context& ctx);
void add_link_send_command(CLI::App& link, Context& ctx);  // under `link`, in cmd_link_send.cpp
void add_serve_command(CLI::App& app, Context& ctx);
void add_sessions_command(CLI::App& app, Context& ctx);
void add_report_command(CLI::App& app, Context& ctx);
void add_backup_command(CLI::App& app, Context& ctx);
void add_reconcile_command(CLI::App& app, Context& ctx);
void add_webhook_command(CLI::App& app, Context& ctx);
void add_events_command(CLI::App& app, Context& ctx);
void add_config_command(CLI::App& app, Context& ctx);
void add_completions_command(CLI::App& app, Context& ctx);
void add_period_command(CLI::App& app, Context& ctx);
void add_verify_command(CLI::App& app, Context& ctx);
void add_db_command(CLI::App& app, Context& ctx);

// --json / --csv on a listing command; they exclude each other.
struct FormatFlags {
  bool json = false;
  bool csv = false;
  Format format() const { return json ? Format::json : csv ? Format::csv : Format::table; }
};
void add_format_flags(CLI::App& cmd, FormatFlags& flags);

// Builds the whole command tree (used by run() and by the completion generator).
std::unique_ptr<CLI::App> make_app(GlobalOptions& globals, Context& ctx);

}  // namespace zt::cli
