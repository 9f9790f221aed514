#include <catch2/catch.hpp>

#include "core/util/config.hpp"
#include "core/util/error.hpp"
#include "support/error_code.hpp"
#include "support/harness.hpp"

using namespace zt;
using test::code_of;

namespace {

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("no zt::Error thrown");
  return "";
}

}  // namespace

TEST_CASE("a setting comes from the flag, else the environment, else the config file, else the default",
          "[core][config]") {
  // Every combination of the three sources for one key: the most specific one present wins.
  for (int mask = 0; mask < 8; ++mask) {
    bool flag = mask & 1, env = mask & 2, file = mask & 4;
    ConfigSources sources;
    if (flag) sources.flags["db"] = "flag.db";
    if (env) sources.env["ZOOMTRACK_DB"] = "env.db";
    if (file) sources.file_text = "# zoomtrack\ndb = file.db\n";
    sources.file_name = "/etc/zoomtrack/config";
    auto setting = resolve_config(sources).setting("db");
    INFO("flag " << flag << " env " << env << " file " << file);
    if (flag) {
      CHECK(setting.value == "flag.db");
      CHECK(setting.origin == "flag");
    } else if (env) {
      CHECK(setting.value == "env.db");
      CHECK(setting.origin == "env ZOOMTRACK_DB");
    } else if (file) {
      CHECK(setting.value == "file.db");
      CHECK(setting.origin == "config /etc/zoomtrack/config:2");
    } else {
      CHECK(setting.value == "./zoomtrack.db");
      CHECK(setting.origin == "default");
    }
  }
}

TEST_CASE("the config file takes comments, quotes, dashes in keys and blank lines", "[core][config]") {
  ConfigSources sources;
  sources.file_name = "zt.conf";
  sources.file_text = "\n# a comment\n  base-url = \"https://lessons.example.org\"  \ntz=Africa/Addis_Ababa\n";
  auto config = resolve_config(sources);
  CHECK(config.get("base_url") == "https://lessons.example.org");
  CHECK(config.setting("base_url").origin == "config zt.conf:3");
  CHECK(config.get("tz") == "Africa/Addis_Ababa");
  CHECK(config.setting("tz").origin == "config zt.conf:4");
}

TEST_CASE("every setting is resolved, each with an origin", "[core][config]") {
  auto config = resolve_config({});
  for (const auto& d : setting_definitions()) {
    INFO(d.key);
    CHECK(config.setting(d.key).origin == "default");
    CHECK(config.get(d.key) == d.default_value);
  }
  CHECK(config.all().size() == setting_definitions().size());
}

TEST_CASE("an empty environment variable does not override the config file", "[core][config]") {
  ConfigSources sources;
  sources.env["ZOOMTRACK_TZ"] = "";
  sources.file_text = "tz = Europe/Berlin\n";
  sources.file_name = "f";
  CHECK(resolve_config(sources).get("tz") == "Europe/Berlin");
}

TEST_CASE("an unknown key or a line without '=' is refused with its line number", "[core][config]") {
  ConfigSources sources;
  sources.file_name = "/etc/zoomtrack/config";
  sources.file_text = "db = x.db\n# ok\nlisten_port = 80\n";
  CHECK(code_of([&] { resolve_config(sources); }) == ErrorCode::invalid_argument);
  auto message = message_of([&] { resolve_config(sources); });
  CHECK(message.find("/etc/zoomtrack/config:3") != std::string::npos);
  CHECK(message.find("listen_port") != std::string::npos);

  sources.file_text = "db = x.db\ngrace 5m\n";
  CHECK(message_of([&] { resolve_config(sources); }).find("/etc/zoomtrack/config:2: expected 'key = value'") !=
        std::string::npos);
}

TEST_CASE("a secret is never accepted as a flag value", "[core][config]") {
  for (const char* key : {"webhook_secret", "zoom_client_secret"}) {
    INFO(key);
    ConfigSources sources;
    sources.flags[key] = "s3cret-value";
    CHECK(code_of([&] { resolve_config(sources); }) == ErrorCode::invalid_argument);
    CHECK(message_of([&] { resolve_config(sources); }).find("s3cret-value") == std::string::npos);
  }
  ConfigSources from_env;
  from_env.env["ZOOM_CLIENT_SECRET"] = "s3cret";
  CHECK(resolve_config(from_env).get("zoom_client_secret") == "s3cret");
}

TEST_CASE("the webhook secret comes from the variable or the file, whichever has precedence",
          "[core][config]") {
  test::TempDir dir;
  auto file = dir.file("webhook-secret");
  test::write_file(file, "from-the-file\n");

  SECTION("neither: empty") {
    CHECK(effective_webhook_secret(resolve_config({})).value.empty());
  }
  SECTION("only the variable") {
    ConfigSources s;
    s.env["ZOOMTRACK_WEBHOOK_SECRET"] = "from-env";
    auto secret = effective_webhook_secret(resolve_config(s));
    CHECK(secret.value == "from-env");
    CHECK(secret.origin == "env ZOOMTRACK_WEBHOOK_SECRET");
  }
  SECTION("the file flag beats the variable; its final newline is not part of the secret") {
    ConfigSources s;
    s.env["ZOOMTRACK_WEBHOOK_SECRET"] = "from-env";
    s.flags["webhook_secret_file"] = file;
    auto secret = effective_webhook_secret(resolve_config(s));
    CHECK(secret.value == "from-the-file");
    CHECK(secret.origin == "file " + file);
  }
  SECTION("the variable beats a file named in the config file") {
    ConfigSources s;
    s.env["ZOOMTRACK_WEBHOOK_SECRET"] = "from-env";
    s.file_text = "webhook_secret_file = " + file + "\n";
    s.file_name = "f";
    CHECK(effective_webhook_secret(resolve_config(s)).value == "from-env");
  }
  SECTION("both at the same level is an error that shows no secret") {
    ConfigSources s;
    s.env["ZOOMTRACK_WEBHOOK_SECRET"] = "from-env";
    s.env["ZOOMTRACK_WEBHOOK_SECRET_FILE"] = file;
    auto config = resolve_config(s);
    CHECK(code_of([&] { effective_webhook_secret(config); }) == ErrorCode::invalid_argument);
    CHECK(message_of([&] { effective_webhook_secret(config); }).find("from-env") == std::string::npos);
  }
  SECTION("an unreadable or empty file is an error") {
    ConfigSources s;
    s.flags["webhook_secret_file"] = dir.file("missing");
    CHECK(code_of([&] { effective_webhook_secret(resolve_config(s)); }) == ErrorCode::invalid_argument);
    test::write_file(file, "\n");
    s.flags["webhook_secret_file"] = file;
    CHECK(code_of([&] { effective_webhook_secret(resolve_config(s)); }) == ErrorCode::invalid_argument);
  }
}

TEST_CASE("secrets are described by where they came from, never by their characters", "[core][config]") {
  CHECK(describe_secret({"", "default"}) == "not set");
  CHECK(describe_secret({"abcd1234", "env ZOOMTRACK_WEBHOOK_SECRET"}) == "set (from ZOOMTRACK_WEBHOOK_SECRET)");
  CHECK(describe_secret({"0123456789abcdef0123", "config zoomtrack.conf:3"}) == "set (from zoomtrack.conf:3)");
  CHECK(describe_secret({"x", "file /etc/zoomtrack/secret"}) == "set (from file /etc/zoomtrack/secret)");
}
