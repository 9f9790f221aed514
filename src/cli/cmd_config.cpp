#include <iostream>

#include "cli/commands.hpp"
#include "core/util/database_url.hpp"
#include "core/util/json_limits.hpp"

namespace zt::cli {
namespace {

struct ShownSetting {
  std::string key, value, origin;
};

// Every setting in definition order; secrets masked. The webhook secret is the one serve would
// use, so a secret read from --webhook-secret-file's file (or the Telegram token's) shows with origin "file PATH".
std::vector<ShownSetting> shown_settings(const Config& config) {
  std::vector<ShownSetting> shown;
  for (const auto& d : setting_definitions()) {
    std::string key = d.key;
    auto setting = key == "webhook_secret"   ? effective_webhook_secret(config)
                   : key == "telegram_token" ? effective_telegram_token(config)
                                             : config.setting(d.key);
    shown.push_back({d.key, d.secret ? describe_secret(setting) : redact_database_url(setting.value), setting.origin});
  }
  return shown;
}

void show_config(Context& ctx, bool json) {
  auto shown = shown_settings(ctx.config());
  if (json) {
    auto out = nlohmann::json::object();
    for (const auto& s : shown) out[s.key] = {{"value", s.value}, {"origin", s.origin}};
    std::cout << json_text(out, 2) << "\n";
    return;
  }
  Table table;
  table.columns = {"setting", "value", "origin"};
  table.numeric = {false, false, false};
  for (const auto& s : shown) table.rows.push_back({s.key, s.value, s.origin});
  write_table(std::cout, table, Format::table);
}

}  // namespace

void add_config_command(CLI::App& app, Context& ctx) {
  auto* config = app.add_subcommand("config", "inspect the configuration");
  config->require_subcommand(1);
  config->footer("Example:\n  zoomtrack config show --json");
  auto json = std::make_shared<bool>(false);
  auto* show = config->add_subcommand("show", "print every setting, its effective value and where it came from");
  show->add_flag("--json", *json, "print JSON: {\"db\": {\"value\": ..., \"origin\": ...}, ...}");
  show->footer(
      "Origins: flag, env NAME, config FILE:LINE, file PATH (a secret read from a file), default.\n"
      "Secrets are masked. Examples:\n"
      "  zoomtrack config show\n"
      "  ZOOMTRACK_TZ=Africa/Addis_Ababa zoomtrack --db /srv/zoomtrack.db config show --json");
  show->callback([&ctx, json] { show_config(ctx, *json); });
}

}  // namespace zt::cli
