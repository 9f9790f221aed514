#include "core/util/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/util/error.hpp"
#include "core/util/time.hpp"
#include "core/util/user_files.hpp"

namespace zt {
namespace {

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

const SettingDefinition* find_definition(const std::string& key) {
  for (const auto& d : setting_definitions()) {
    if (key == d.key) return &d;
  }
  return nullptr;
}

// `key = value` lines; '#' starts a comment line; values may be wrapped in double quotes.
std::map<std::string, Setting> parse_config_file(const std::string& text, const std::string& name) {
  std::map<std::string, Setting> values;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      throw Error(ErrorCode::invalid_argument, fmt::format("{}:{}: expected 'key = value'", name, number));
    }
    auto key = trim(line.substr(0, eq));
    std::replace(key.begin(), key.end(), '-', '_');
    auto value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!find_definition(key)) {
      throw Error(ErrorCode::invalid_argument, fmt::format("{}:{}: unknown setting '{}'", name, number, key),
                  "see 'zoomtrack config show' for the settings");
    }
    values[key] = {value, fmt::format("config {}:{}", name, number)};
  }
  return values;
}

}  // namespace

const std::vector<SettingDefinition>& setting_definitions() {
  static const std::vector<SettingDefinition> definitions{
      {"db", "ZOOMTRACK_DB", "./zoomtrack.db", false,
       "the SQLite database file, or a postgresql:// URL shared by several servers"},
      {"spool", "ZOOMTRACK_SPOOL", "", false,
       "serve, reconcile: the click spool (default: beside a SQLite database, ./zoomtrack.spool for PostgreSQL)"},
      {"base_url", "ZOOMTRACK_BASE_URL", "http://127.0.0.1:8080", false,
       "public URL that tracking and checkout links are built on"},
      {"listen", "ZOOMTRACK_LISTEN", "127.0.0.1:8080", false, "serve: HOST:PORT to listen on"},
      {"tls_cert", "ZOOMTRACK_TLS_CERT", "", false, "serve: PEM certificate chain for HTTPS"},
      {"tls_key", "ZOOMTRACK_TLS_KEY", "", false, "serve: PEM private key for HTTPS"},
      {"trusted_proxy", "ZOOMTRACK_TRUSTED_PROXY", "", false,
       "serve: address of the reverse proxy whose X-Forwarded-For is believed"},
      {"log_format", "ZOOMTRACK_LOG_FORMAT", "text", false, "serve: text or json request logs"},
      {"webhook_secret", "ZOOMTRACK_WEBHOOK_SECRET", "", true, "Zoom webhook secret token"},
      {"webhook_secret_file", "ZOOMTRACK_WEBHOOK_SECRET_FILE", "", false,
       "file holding the Zoom webhook secret token"},
      {"webhook_max_age", "ZOOMTRACK_WEBHOOK_MAX_AGE", "2h", false,
       "oldest webhook timestamp accepted"},
      {"grace", "ZOOMTRACK_GRACE", "10m", false, "a teacher who rejoins within this continues the lesson"},
      {"max_lesson", "ZOOMTRACK_MAX_LESSON", "6h", false,
       "a lesson longer than this goes to needs_review instead of being paid"},
      {"busy_timeout", "ZOOMTRACK_BUSY_TIMEOUT", "10s", false,
       "how long a write waits for another writer's lock before it fails (serve spools clicks)"},
      {"stale_after", "ZOOMTRACK_STALE_AFTER", "4h", false,
       "reconcile: an active lesson with no end this long after its start needs review"},
      {"tz", "ZOOMTRACK_TZ", "UTC", false, "time zone for dates on the command line and reports"},
      {"pay_basis", "ZOOMTRACK_PAY_BASIS", "click", false,
       "what a lesson pays: click (end - start), teacher (teacher in Zoom) or together (both in Zoom)"},
      {"pay_cap", "ZOOMTRACK_PAY_CAP", "", false, "pay at most this: a duration, or length+DURATION of the booking"},
      {"pay_grace", "ZOOMTRACK_PAY_GRACE", "", false, "a lesson shorter than this pays nothing (an accidental click)"},
      {"pay_minimum", "ZOOMTRACK_PAY_MINIMUM", "", false, "a held lesson pays at least this"},
      {"no_show_after", "ZOOMTRACK_NO_SHOW_AFTER", "", false,
       "reconcile: a teacher who waited this long for a student who never came makes the lesson no_show"},
      {"no_show_pay", "ZOOMTRACK_NO_SHOW_PAY", "", false, "what a no_show lesson pays (default: no_show_after)"},
      {"zoom_name_tag", "ZOOMTRACK_ZOOM_NAME_TAG", "on", false,
       "serve: the tracking redirect names the student in Zoom (uname=) with the lesson's tag"},
      {"zoom_api_base", "ZOOMTRACK_ZOOM_API_BASE", "https://api.zoom.us/v2", false, "Zoom REST API"},
      {"zoom_oauth_url", "ZOOMTRACK_ZOOM_OAUTH_URL", "https://zoom.us/oauth/token", false,
       "Zoom OAuth token endpoint"},
      {"zoom_account_id", "ZOOM_ACCOUNT_ID", "", false, "Server-to-Server OAuth account id"},
      {"zoom_client_id", "ZOOM_CLIENT_ID", "", false, "Server-to-Server OAuth client id"},
      {"zoom_client_secret", "ZOOM_CLIENT_SECRET", "", true, "Server-to-Server OAuth client secret"},
      {"telegram_token", "ZOOMTRACK_TELEGRAM_TOKEN", "", true, "Telegram bot token (from @BotFather)"},
      {"telegram_token_file", "ZOOMTRACK_TELEGRAM_TOKEN_FILE", "", false, "file holding the Telegram bot token"},
      {"telegram_api_base", "ZOOMTRACK_TELEGRAM_API_BASE", "https://api.telegram.org", false,
       "Telegram Bot API (tests point it at a local fake)"},
  };
  return definitions;
}

bool zoom_name_tag_on(const Config& config) {
  return config.parsed("zoom_name_tag", [](const std::string& text) {
    if (text == "on" || text == "true" || text == "1" || text == "yes") return true;
    if (text == "off" || text == "false" || text == "0" || text == "no") return false;
    throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not on or off", text));
  });
}

std::string where_given(const std::string& key, const Setting& setting) {
  if (setting.origin == "flag") {
    auto flag = "--" + key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    return flag;
  }
  for (const char* prefix : {"env ", "config "}) {
    if (setting.origin.starts_with(prefix)) return setting.origin.substr(std::string(prefix).size());
  }
  return "the default " + key;
}

const std::string& Config::get(const std::string& key) const { return setting(key).value; }

const Setting& Config::setting(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw Error(ErrorCode::runtime, fmt::format("no setting '{}'", key));
  return it->second;
}

Config resolve_config(const ConfigSources& sources) {
  auto from_file = parse_config_file(sources.file_text, sources.file_name);
  Config config;
  for (const auto& d : setting_definitions()) {
    Setting chosen{d.default_value, "default"};
    if (auto it = from_file.find(d.key); it != from_file.end()) chosen = it->second;
    if (d.env) {
      if (auto it = sources.env.find(d.env); it != sources.env.end() && !it->second.empty()) {
        chosen = {it->second, fmt::format("env {}", d.env)};
      }
    }
    if (auto it = sources.flags.find(d.key); it != sources.flags.end()) {
      if (d.secret) {
        throw Error(ErrorCode::invalid_argument, fmt::format("{} is a secret: not accepted as a flag", d.key),
                    fmt::format("set {} or use a file", d.env));
      }
      chosen = {it->second, "flag"};
    }
    config.set(d.key, chosen);
  }
  return config;
}

namespace {

// flags > env > config file > defaults, as resolve_config applies them.
int precedence(const Setting& setting) {
  if (setting.origin == "flag") return 3;
  if (setting.origin.starts_with("env ")) return 2;
  if (setting.origin.starts_with("config ")) return 1;
  return 0;
}

std::string read_secret_file(const std::string& path, const std::string& what, const std::string& flag) {
  constexpr size_t max_secret_file_bytes = 64 * 1024;
  auto secret = read_small_file(path, max_secret_file_bytes, what + " file",
                                fmt::format("check {} and that this user may read it", flag));
  // Editors and `echo` add a final newline that is not part of the secret.
  while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back()))) secret.pop_back();
  if (secret.empty()) throw Error(ErrorCode::invalid_argument, fmt::format("{} file {} is empty", what, path));
  return secret;
}

// A secret given directly (env, config file) or through a file setting, whichever has the
// higher precedence; both at the same level is an error.
Setting effective_secret(const Config& config, const std::string& key, const std::string& what,
                         const std::string& flag) {
  const auto& secret = config.setting(key);
  const auto& file = config.setting(key + "_file");
  if (file.value.empty()) return secret;
  if (!secret.value.empty() && precedence(secret) > precedence(file)) return secret;
  if (!secret.value.empty() && precedence(secret) == precedence(file)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("the {} is given twice ({} and {})", what, secret.origin, file.origin),
                fmt::format("keep either {} or {}_file", key, key));
  }
  return {read_secret_file(file.value, what, flag), fmt::format("file {}", file.value)};
}

}  // namespace

Setting effective_webhook_secret(const Config& config) {
  return effective_secret(config, "webhook_secret", "webhook secret", "--webhook-secret-file");
}

Setting effective_telegram_token(const Config& config) {
  return effective_secret(config, "telegram_token", "Telegram bot token", "--telegram-token-file");
}

std::string describe_secret(const Setting& secret) {
  if (secret.value.empty()) return "not set";
  auto origin = secret.origin;
  for (std::string_view prefix : {"env ", "config "}) {
    if (origin.starts_with(prefix)) origin = origin.substr(prefix.size());
  }
  return fmt::format("set (from {})", origin);
}

}  // namespace zt
