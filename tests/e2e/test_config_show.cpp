#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/harness.hpp"

using namespace zt::test;
using nlohmann::json;

TEST_CASE("config show tells each setting's value and origin through the real binary", "[e2e][config][sqlite]") {
  TempDir dir;
  auto config = dir.file("zoomtrack.conf");
  auto secret_file = dir.file("webhook-secret");
  write_file(secret_file, "whsec-from-file-0123456789\n");
  write_file(config,
             "# zoomtrack test config\n"
             "tz = Europe/Berlin\n"
             "grace = 5m\n"
             "db = from-file.db\n"
             "webhook_secret_file = " + secret_file + "\n");
  Env env{{"ZOOMTRACK_GRACE", "7m"}, {"ZOOM_CLIENT_SECRET", "zoom-client-secret-value"}};

  auto r = run_zoomtrack({"--config", config, "--db", dir.file("flag.db"), "config", "show", "--json"}, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto shown = json::parse(r.out);
  CHECK(shown["db"] == json{{"value", dir.file("flag.db")}, {"origin", "flag"}});
  CHECK(shown["grace"] == json{{"value", "7m"}, {"origin", "env ZOOMTRACK_GRACE"}});
  CHECK(shown["tz"] == json{{"value", "Europe/Berlin"}, {"origin", "config " + config + ":2"}});
  CHECK(shown["listen"] == json{{"value", "127.0.0.1:8080"}, {"origin", "default"}});
  CHECK(shown["webhook_secret_file"]["origin"] == "config " + config + ":5");
  CHECK(shown["webhook_secret"]["origin"] == "file " + secret_file);
  CHECK(shown["webhook_secret"]["value"] == "set (from file " + secret_file + ")");
  CHECK(shown["zoom_client_secret"]["value"] == "set (from ZOOM_CLIENT_SECRET)");
  CHECK(shown["zoom_account_id"]["value"] == "");
  CHECK(shown["webhook_secret"]["value"].get<std::string>().find("wh") == std::string::npos);
  CHECK(shown["zoom_client_secret"]["origin"] == "env ZOOM_CLIENT_SECRET");
  CHECK(r.out.find("whsec-from-file") == std::string::npos);
  CHECK(r.out.find("zoom-client-secret-value") == std::string::npos);

  SECTION("as a table for people") {
    auto table = run_zoomtrack({"--config", config, "config", "show"}, {{"ZOOMTRACK_CONFIG", "/nonexistent"}});
    INFO(table.err);
    REQUIRE(table.exit_code == 0);
    CHECK(table.out.find("setting") == 0);
    CHECK(table.out.find("from-file.db") != std::string::npos);
    CHECK(table.out.find("config " + config + ":4") != std::string::npos);
    CHECK(table.out.find("whsec-from-file") == std::string::npos);
  }
  SECTION("ZOOMTRACK_CONFIG names the file when --config does not") {
    auto from_env = run_zoomtrack({"config", "show", "--json"}, {{"ZOOMTRACK_CONFIG", config}});
    REQUIRE(from_env.exit_code == 0);
    CHECK(json::parse(from_env.out)["db"]["origin"] == "config " + config + ":4");
  }
  SECTION("an unknown key is a usage error naming the line") {
    write_file(config, "db = x.db\nlisten_port = 80\n");
    auto bad = run_zoomtrack({"--config", config, "config", "show"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find(config + ":2: unknown setting 'listen_port'") != std::string::npos);
    CHECK(bad.out.empty());
  }
}

TEST_CASE("serve says where its webhook secret came from, never the secret", "[e2e][config]") {
  TempDir dir;
  auto secret_file = dir.file("webhook-secret");
  write_file(secret_file, "whsec-serve-0123456789\n");
  ServeProcess serve(dir.file("zoomtrack.db"), {{"ZOOMTRACK_WEBHOOK_SECRET", "whsec-env-0123456789"}},
                     {"--webhook-secret-file", secret_file});
  serve.stop();
  auto log = serve.log();
  CHECK(log.find("webhook secret from file " + secret_file) != std::string::npos);
  CHECK(log.find("whsec-serve") == std::string::npos);
  CHECK(log.find("whsec-env") == std::string::npos);
}
