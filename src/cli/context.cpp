#include "cli/context.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/util/database_url.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "core/util/time_zone.hpp"
#include "core/util/user_files.hpp"

extern char** environ;

namespace zt::cli {
namespace {

constexpr const char* system_config = "/etc/zoomtrack/config";

// A config file is a few lines: a directory, an endless device or a huge file is a mistake to
// name, not something to read for minutes.
constexpr size_t max_config_bytes = 1024 * 1024;

std::string read_config_file(const std::string& path) {
  return read_small_file(path, max_config_bytes, "config file", "check the path given to --config or ZOOMTRACK_CONFIG");
}

}  // namespace

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text(*entry);
    auto eq = text.find('=');
    if (eq != std::string::npos) env[text.substr(0, eq)] = text.substr(eq + 1);
  }
  return env;
}

const Config& Context::config(const std::map<std::string, std::optional<std::string>>& flags) {
  if (config_) return *config_;
  ConfigSources sources;
  sources.env = process_environment();
  for (const auto& [key, value] : flags) {
    if (value) sources.flags[key] = *value;
  }
  if (globals_.db) sources.flags["db"] = *globals_.db;
  std::string file = globals_.config_file.value_or("");
  if (file.empty() && sources.env.count("ZOOMTRACK_CONFIG")) file = sources.env["ZOOMTRACK_CONFIG"];
  if (file.empty() && std::filesystem::exists(system_config)) file = system_config;
  if (!file.empty()) {
    sources.file_text = read_config_file(file);
    sources.file_name = file;
  }
  config_ = resolve_config(sources);
  if (globals_.verbose) describe_settings(file);
  return *config_;
}

// -v: where each setting that is not a default came from, so "which database is this?" has an
// answer before anything runs. Secrets are masked.
void Context::describe_settings(const std::string& file) const {
  std::cerr << "zoomtrack: config file " << (file.empty() ? "none" : file) << "\n";
  for (const auto& d : setting_definitions()) {
    const auto& s = config_->setting(d.key);
    if (s.origin == "default" && std::string(d.key) != "db") continue;
    if (d.secret) std::cerr << fmt::format("zoomtrack: {} = {}\n", d.key, describe_secret(s));
    else std::cerr << fmt::format("zoomtrack: {} = {} ({})\n", d.key, redact_database_url(s.value), s.origin);
  }
}

Store& Context::store() {
  if (!store_) {
    namespace fs = std::filesystem;
    const auto& db = config().setting("db");
    if (db.value.empty()) {
      throw Error(ErrorCode::invalid_argument,
                  db.origin == "flag" ? std::string("--db is empty")
                                      : fmt::format("the database path from {} is empty", db.origin),
                  "give --db a file path such as ./zoomtrack.db");
    }
    std::error_code ec;
    bool exists = is_database_url(db.value) || fs::exists(db.value, ec);
    if (!exists && !may_create_database_) {
      // Read commands never create: a mistyped --db must not answer with an empty report.
      throw Error(ErrorCode::runtime, fmt::format("no zoomtrack database at {}", db.value),
                  "create it with 'zoomtrack init' or check --db / ZOOMTRACK_DB");
    }
    if (!exists) {
      auto parent = fs::path(db.value).parent_path();
      if (!parent.empty() && !fs::is_directory(parent, ec)) {
        throw Error(ErrorCode::runtime,
                    fmt::format("cannot create {}: the directory {} does not exist", db.value, parent.string()),
                    fmt::format("create the directory first, e.g. mkdir -p {}", parent.string()));
      }
    }
    store_ = std::make_unique<Store>(db.value, store_options());
  }
  return *store_;
}

StoreOptions Context::store_options() {
  StoreOptions options;
  options.create = may_create_database_;
  auto busy = std::chrono::duration_cast<std::chrono::milliseconds>(config().parsed("busy_timeout", parse_duration));
  options.busy_timeout_ms = static_cast<int>(std::min<int64_t>(busy.count(), 3600 * 1000));
  return options;
}

ServiceOptions Context::service_options() {
  ServiceOptions options;
  options.base_url = config().get("base_url");
  options.spool_path = config().get("spool");
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  // "--base-url 'x'", "ZOOMTRACK_BASE_URL 'x'" or "zoomtrack.conf:3 'x'": where to correct it.
  auto named = fmt::format("{} '{}'", where_given("base_url", config().setting("base_url")),
                           terminal_safe(options.base_url));
  if (!options.base_url.starts_with("http://") && !options.base_url.starts_with("https://")) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} must start with http:// or https://", named),
                "give the public address of serve, e.g. https://lessons.example.org");
  }
  if (has_illegal_url_char(options.base_url)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} contains a character not allowed in a URL, such as a space, a quote, < or >", named),
                "give the public address of serve, e.g. https://lessons.example.org");
  }
  options.grace = config().parsed("grace", parse_duration);
  options.max_lesson = config().parsed("max_lesson", parse_duration);
  options.pay_policy = pay_policy(config());
  return options;
}

LessonService& Context::lessons() {
  if (!lessons_) {
    lessons_ = std::make_unique<LessonService>(store(), clock_, service_options());
    lessons_->set_transition_hook(transition_hook_);
  }
  return *lessons_;
}

std::string Context::time_zone() {
  return config().parsed("tz", [](const std::string& tz) {
    check_time_zone(tz);
    return tz;
  });
}

void Context::info(const std::string& message) const {
  if (!globals_.quiet) std::cerr << message << "\n";
}

}  // namespace zt::cli
