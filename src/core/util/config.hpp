#pragma once
// Settings with their origin. Precedence: flags > environment > config file > defaults, resolved
// in one pure function so that it can be tested and shown (`zoomtrack config show`).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/util/error.hpp"

namespace zt {

struct SettingDefinition {
  const char* key;          // config file key, and the name `config show` prints
  const char* env;          // environment variable, or nullptr
  const char* default_value;
  bool secret;              // masked by `config show`; never accepted as a flag value
  const char* description;
};

const std::vector<SettingDefinition>& setting_definitions();

struct Setting {
  std::string value;
  std::string origin;  // "flag", "env ZOOMTRACK_DB", "config /etc/zoomtrack/config:3", "default"
};

// Where a setting's value was given, as a person would look for it: "--grace",
// "ZOOMTRACK_GRACE", "/etc/zoomtrack/config:3", or "the default grace".
std::string where_given(const std::string& key, const Setting& setting);

class Config {
 public:
  const std::string& get(const std::string& key) const;
  const Setting& setting(const std::string& key) const;
  // The value through `parse`; an error names where the bad value came from
  // ("ZOOMTRACK_GRACE: bad duration 'soon'").
  template <class Parse>
  auto parsed(const std::string& key, Parse&& parse) const {
    const auto& s = setting(key);
    try {
      return parse(s.value);
    } catch (const Error& e) {
      throw Error(e.code(), where_given(key, s) + ": " + e.what(), e.hint());
    }
  }
  void set(const std::string& key, Setting setting) { values_[key] = std::move(setting); }
  const std::map<std::string, Setting>& all() const { return values_; }

 private:
  std::map<std::string, Setting> values_;
};

struct ConfigSources {
  std::map<std::string, std::string> flags;  // key -> value, only those given
  std::map<std::string, std::string> env;    // the process environment
  std::string file_text;                     // the config file's contents, may be empty
  std::string file_name;                     // for origins and error messages
};

// Throws Error(invalid_argument) for an unknown key or a malformed line in the file.
Config resolve_config(const ConfigSources& sources);

// zoom_name_tag: on or off.
bool zoom_name_tag_on(const Config& config);

// The webhook secret serve uses: ZOOMTRACK_WEBHOOK_SECRET (env or config file) or the contents of
// webhook_secret_file (origin "file PATH"), whichever was given with higher precedence. Both at
// the same level is an error, like an empty or unreadable file. Empty when neither is set.
Setting effective_webhook_secret(const Config& config);

// The Telegram bot token, the same way: ZOOMTRACK_TELEGRAM_TOKEN or telegram_token_file.
Setting effective_telegram_token(const Config& config);

// How a secret is shown: "set (from ZOOMTRACK_WEBHOOK_SECRET)", "set (from zoomtrack.conf:3)",
// "set (from file PATH)" or "not set"; never any of its characters.
std::string describe_secret(const Setting& secret);

}  // namespace zt
