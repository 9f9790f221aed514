#include "cli/cli.hpp"

#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"

namespace zt::cli {
namespace {

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return 2;
    case ErrorCode::not_found: return 3;
    case ErrorCode::conflict:
    case ErrorCode::gone: return 4;
    default: return 1;
  }
}

void print_error(const std::string& what, const std::string& hint) {
  std::string line = "zoomtrack: error: " + what;
  if (!hint.empty()) line += " (" + hint + ")";
  std::cerr << line << "\n";
}

}  // namespace

void add_format_flags(CLI::App& cmd, FormatFlags& flags) {
  auto* json = cmd.add_flag("--json", flags.json, "print JSON");
  cmd.add_flag("--csv", flags.csv, "print CSV (RFC 4180)")->excludes(json);
}

std::unique_ptr<CLI::App> make_app(GlobalOptions& globals, Context& ctx) {
  auto app = std::make_unique<CLI::App>(
      "zoomtrack: trustworthy minutes for online lessons held on Zoom", "zoomtrack");
  app->set_version_flag("--version", std::string(ZOOMTRACK_VERSION));
  app->add_option("--db", globals.db, "SQLite database file (env ZOOMTRACK_DB, default ./zoomtrack.db)")->type_name("FILE");
  app->add_option("--config", globals.config_file, "config file (env ZOOMTRACK_CONFIG, default /etc/zoomtrack/config)")->type_name("FILE");
  app->add_flag("-q,--quiet", globals.quiet, "print only data and errors");
  app->add_flag("-v,--verbose", globals.verbose, "print more about what happens");
  app->require_subcommand(1);
  // Global flags work after the subcommand too (`reconcile --quiet` in a crontab); set before
  // the subcommands are added, which inherit it.
  app->fallthrough();
  app->footer(
      "Examples:\n"
      "  zoomtrack init\n"
      "  zoomtrack link create --teacher t.abebe --student s.hana --zoom-url 'https://zoom.us/j/86431910364?pwd=abc'\n"
      "  zoomtrack serve --listen 0.0.0.0:8080 --base-url https://lessons.example.org\n"
      "  zoomtrack report --from 2026-11-01 --to 2026-12-01 --by teacher --csv -o payroll.csv\n"
      "See zoomtrack(1).");
  add_init_command(*app, ctx);
  add_link_command(*app, ctx);
  add_serve_command(*app, ctx);
  add_sessions_command(*app, ctx);
  add_report_command(*app, ctx);
  add_reconcile_command(*app, ctx);
  add_webhook_command(*app, ctx);
  add_events_command(*app, ctx);
  add_config_command(*app, ctx);
  add_completions_command(*app, ctx);
  return app;
}

int run(int argc, char** argv) {
  GlobalOptions globals;
  Context ctx(globals);
  auto app = make_app(globals, ctx);
  try {
    app->parse(argc, argv);
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app->exit(e);  // --help, --version
    print_error(e.what(), "see 'zoomtrack --help'");
    return 2;
  } catch (const Error& e) {
    print_error(e.what(), e.hint());
    return exit_code_for(e.code());
  } catch (const std::exception& e) {
    print_error(e.what(), "");
    return 1;
  }
}

}  // namespace zt::cli
