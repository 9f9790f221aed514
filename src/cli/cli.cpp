#include "cli/cli.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"
#include "core/util/error.hpp"

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

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The name closest to a mistyped `word`, if it is close enough to be what was meant.
std::optional<std::string> nearest_name(const std::string& word, const std::vector<std::string>& names) {
  std::optional<std::string> nearest;
  size_t best = std::string::npos;
  for (const auto& name : names) {
    auto d = edit_distance(word, name);
    if (d < best) best = d, nearest = name;
  }
  if (best > std::max<size_t>(2, word.size() / 3)) return std::nullopt;
  return nearest;
}

std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app; app = app->get_parent()) path = path.empty() ? app->get_name() : app->get_name() + " " + path;
  return path;
}

const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (; app; app = app->get_parent()) {
    if (auto* opt = app->get_option_no_throw(name)) return opt;
  }
  return nullptr;
}

// Walks the words of the command line as CLI11 will, to know the deepest command named (for
// "see 'zoomtrack link create --help'") and to catch a mistyped subcommand before CLI11 calls it
// "A subcommand is required". Throws Error(invalid_argument) with the nearest name.
const CLI::App* deepest_command(const CLI::App& app, const std::vector<std::string>& args, bool strict) {
  const CLI::App* current = &app;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& word = args[i];
    if (word == "--") break;
    if (word.size() > 1 && word[0] == '-') {
      if (word.find('=') != std::string::npos) continue;
      auto* opt = find_option(current, word);
      // A known option's value follows (flags expect none). An unknown option may have been given
      // a value too: never take it for a mistyped command, whose name the error would print.
      if (!opt || opt->get_items_expected_min() > 0) ++i;
      continue;
    }
    auto subs = const_cast<CLI::App*>(current)->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) break;  // a leaf command's positional arguments
    const CLI::App* next = nullptr;
    for (auto* sub : subs) {
      if (sub->check_name(word)) next = sub;
    }
    if (!next) {
      if (!strict) break;
      std::vector<std::string> names;
      for (auto* sub : subs) names.push_back(sub->get_name());
      auto nearest = nearest_name(word, names);
      auto where = command_path(current);
      std::string hint = nearest
                             ? fmt::format("did you mean '{} {}'? See '{} --help'", where, *nearest, where)
                             : fmt::format("choose one of {}; see '{} --help'", fmt::join(names, ", "), where);
      throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a command of '{}'", word, where), hint);
    }
    current = next;
  }
  return current;
}

bool is_option_word(const std::string& word) {
  return word.size() > 1 && word[0] == '-' && !(std::isdigit(static_cast<unsigned char>(word[1])) || word[1] == '.');
}

// Every option name usable at `app`, with its dashes: its own and those it falls through to.
std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (; app; app = app->get_parent()) {
    for (const auto* opt : app->get_options()) {
      for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
      for (const auto& s : opt->get_snames()) names.push_back("-" + s);
    }
  }
  return names;
}

// Where a secret is read from, for someone who tried to pass it as a flag.
std::string secret_source(const std::string& flag) {
  auto has = [&](std::string_view part) { return flag.find(part) != std::string::npos; };
  if (has("telegram")) return "set ZOOMTRACK_TELEGRAM_TOKEN or use --telegram-token-file FILE";
  if (has("webhook")) return "set ZOOMTRACK_WEBHOOK_SECRET or use --webhook-secret-file FILE";
  if (has("client") || has("account")) return "set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET";
  if (has("token") || has("secret") || has("password") || has("key")) {
    return "secrets are read from the environment or a file, never from a flag";
  }
  return "";
}

// CLI11 lists every unexpected word, values included, in reverse order: a secret typed after a
// made-up flag would be printed. Name the first unknown flag only (never a value), then the
// nearest real one, or where a secret is read from.
Error unexpected_arguments(const CLI::App& app, const std::vector<std::string>& args) {
  const auto* command = deepest_command(app, args, false);
  auto where = command_path(command);
  for (const auto& word : args) {
    if (word == "--") break;
    if (!is_option_word(word)) continue;
    auto flag = word.substr(0, word.find('='));
    if (find_option(command, flag)) continue;
    if (auto source = secret_source(flag); !source.empty()) {
      return Error(ErrorCode::invalid_argument, fmt::format("'{}' has no option {}", where, flag), source);
    }
    auto nearest = nearest_name(flag, option_names(command));
    auto hint = nearest ? fmt::format("did you mean {}? See '{} --help'", *nearest, where)
                        : fmt::format("see '{} --help'", where);
    return Error(ErrorCode::invalid_argument, fmt::format("'{}' has no option {}", where, flag), hint);
  }
  return Error(ErrorCode::invalid_argument, fmt::format("too many arguments for '{}'", where),
               fmt::format("see '{} --help'", where));
}

// CLI11's words, made to say what to do.
std::string explain_parse_error(const CLI::ParseError& e) {
  std::string what = e.what();
  constexpr std::string_view convert = "Could not convert: ";
  if (what.starts_with(convert)) {
    auto rest = what.substr(convert.size());
    auto eq = rest.find(" = ");
    if (eq != std::string::npos) {
      auto name = rest.substr(0, eq);
      if (!name.starts_with("-")) name = "<" + name + ">";
      return fmt::format("{} must be a number, not '{}'", name, rest.substr(eq + 3));
    }
  }
  if (what == "A subcommand is required") return "a command is required here";
  return what;
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
      "  zoomtrack report --from 2026-11-01 --to 2026-11-30 --by teacher --csv -o payroll.csv\n"
      "See zoomtrack(1).");
  add_init_command(*app, ctx);
  add_link_command(*app, ctx);
  add_serve_command(*app, ctx);
  add_sessions_command(*app, ctx);
  add_report_command(*app, ctx);
  add_backup_command(*app, ctx);
  add_period_command(*app, ctx);
  add_verify_command(*app, ctx);
  add_db_command(*app, ctx);
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
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  try {
    deepest_command(*app, args, true);
    app->parse(argc, argv);
    return 0;
  } catch (const CLI::ExtrasError&) {
    auto e = unexpected_arguments(*app, args);
    print_error(e.what(), e.hint());
    return 2;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app->exit(e);  // --help, --version
    print_error(explain_parse_error(e), fmt::format("see '{} --help'", command_path(deepest_command(*app, args, false))));
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
