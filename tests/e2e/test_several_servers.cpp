// Several `serve` on one PostgreSQL: races decided by the database, and the clicks kept through a
// database outage or a server killed mid-load. Each test runs its own PostgreSQL cluster, which it
// may stop and start, and real `zoomtrack serve` processes on loopback ports.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/services/webhook.hpp"
#include "core/util/time.hpp"
#include "support/fake_telegram.hpp"
#include "support/harness.hpp"
#include "support/postgres.hpp"

using namespace zt::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string secret = "several-servers-secret-42";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class F>
bool eventually(F done, std::chrono::seconds limit = 30s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

std::vector<json> create_links(const std::string& db, int count, const std::string& base_url,
                               const std::vector<std::string>& extra = {}, const Env& env = {}, int first = 0) {
  std::vector<json> links;
  for (int i = first; i < first + count; ++i) {
    std::vector<std::string> args{"--db", db, "link", "create", "--teacher", "t" + std::to_string(i), "--student",
                                  "s" + std::to_string(i), "--zoom-url",
                                  "https://zoom.us/j/" + std::to_string(86431910300 + i), "--base-url", base_url,
                                  "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_zoomtrack(args, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    links.push_back(json::parse(r.out));
  }
  return links;
}

int64_t count_rows(PostgresServer& pg, const std::string& sql) { return std::stoll(pg.psql("zt", sql)); }

int click(const ServeProcess& serve, const json& link, const std::string& agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36") {
  auto client = serve.client();
  client.set_connection_timeout(5);
  client.set_read_timeout(15);
  auto res = client.Get(path_of(link["tracking_url"]).c_str(), {{"User-Agent", agent}});
  return res ? res->status : 0;
}

}  // namespace

TEST_CASE("two serve on one PostgreSQL: each lesson starts once, whichever takes its clicks", "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  ServeProcess a(db), b(db);
  auto links = create_links(db, 20, a.base_url());
  std::atomic<int> redirected{0};
  std::vector<std::thread> students;
  // Every student clicks at once through both servers, three times each.
  for (int t = 0; t < 4; ++t) {
    students.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (const auto& link : links) redirected += click(t % 2 ? a : b, link) == 302;
      }
    });
  }
  for (auto& s : students) s.join();
  CHECK(redirected == 4 * 3 * 20);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM clicks") == 4 * 3 * 20);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM lessons WHERE status = 'active'") == 20);
  // One start per lesson in the audit trail, and the start is its first real click.
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM audit WHERE action = 'transition' AND new_value LIKE 'active%'") == 20);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM lessons l WHERE started_at <> "
                       "(SELECT MIN(at) FROM clicks c WHERE c.lesson_id = l.id AND c.kind = 'real')") == 0);
  auto verify = run_zoomtrack({"--db", db, "verify"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("a repeated click waits for no other writer and a first click waits for its turn", "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  ServeProcess serve(db);
  auto links = create_links(db, 2, serve.base_url());
  REQUIRE(click(serve, links[0]) == 302);
  auto clicks_on = [&](const json& link) {
    return count_rows(pg, "SELECT COUNT(*) FROM clicks c JOIN lessons l ON l.id = c.lesson_id WHERE l.track_token = '" +
                              link["track_token"].get<std::string>() + "'");
  };
  // Another process holds the order of writes (the advisory lock the store takes, "ZTWR") for a
  // while, as another serve's batch of first clicks or a webhook would.
  const std::string write_lock = "1515476818";
  std::thread holder([&] { pg.psql("zt", "SELECT pg_advisory_xact_lock(" + write_lock + "), pg_sleep(4)"); });
  auto held = [&] {
    return count_rows(pg, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = " +
                              write_lock) == 1;
  };
  REQUIRE(eventually(held, 10s));
  // A second click on a started lesson decides nothing: answered and on disk while the lock is held.
  CHECK(click(serve, links[0]) == 302);
  CHECK(clicks_on(links[0]) == 2);
  CHECK(held());
  // A first click decides the start: it waits for its turn, and its lesson starts once.
  int first_status = 0;
  std::thread first([&] { first_status = click(serve, links[1]); });
  holder.join();
  first.join();
  CHECK(first_status == 302);
  CHECK(eventually([&] {
    return count_rows(pg, "SELECT COUNT(*) FROM lessons WHERE status = 'active' AND track_token = '" +
                              links[1]["track_token"].get<std::string>() + "'") == 1;
  }));
  CHECK(clicks_on(links[1]) == 1);
}

TEST_CASE("one Zoom delivery sent to two serve is applied once", "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  Env env{{"ZOOMTRACK_WEBHOOK_SECRET", secret}};
  ServeProcess a(db, env), b(db, env);
  auto link = create_links(db, 1, a.base_url())[0];
  REQUIRE(click(a, link) == 302);
  zt::ZoomEventSpec spec;
  spec.event = "meeting.participant_left";
  spec.meeting_id = "86431910300";
  spec.at = zt::SystemClock().now();
  spec.host = true;
  auto body = zt::build_zoom_event(spec);
  auto ts = std::to_string(zt::SystemClock().now().time_since_epoch().count());
  std::vector<std::thread> senders;
  std::atomic<int> ok{0};
  // Zoom retries: the same bytes, to both servers, at the same moment, several times.
  for (int i = 0; i < 6; ++i) {
    senders.emplace_back([&, i] {
      auto client = (i % 2 ? a : b).client();
      auto res = client.Post("/webhooks/zoom",
                             {{"x-zm-request-timestamp", ts}, {"x-zm-signature", zt::zoom_signature(secret, ts, body)}},
                             body, "application/json");
      ok += res && res->status == 200;
    });
  }
  for (auto& s : senders) s.join();
  CHECK(ok == 6);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM webhook_events WHERE duplicate_of IS NULL") == 1);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM webhook_events WHERE duplicate_of IS NOT NULL") == 5);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM webhook_events WHERE outcome = 'applied'") == 1);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM audit WHERE action = 'transition' AND new_value LIKE 'ended%'") == 1);
  CHECK(show_lesson(db, link["id"])["status"] == "ended");
}

TEST_CASE("serve killed with -9 under click load: every answered click is in PostgreSQL", "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  ServeProcess a(db), b(db);
  auto links = create_links(db, 10, a.base_url());
  std::atomic<int> answered_by_a{0}, answered_by_b{0};
  std::atomic<bool> stop{false};
  std::thread on_a([&] {
    for (size_t i = 0; !stop; ++i) answered_by_a += click(a, links[i % links.size()]) == 302;
  });
  std::thread on_b([&] {
    for (size_t i = 0; !stop; ++i) answered_by_b += click(b, links[i % links.size()]) == 302;
  });
  REQUIRE(eventually([&] { return answered_by_a > 50; }));
  ::kill(a.pid(), SIGKILL);
  std::this_thread::sleep_for(300ms);
  stop = true;
  on_a.join();
  on_b.join();
  CHECK(answered_by_b > 0);
  // A click is answered only once it is committed: none of a's answered clicks is missing. The
  // kill may have cut clicks that were committed but not yet answered, so the table may hold more.
  auto stored = count_rows(pg, "SELECT COUNT(*) FROM clicks");
  CHECK(stored >= answered_by_a + answered_by_b);
  CHECK(stored <= answered_by_a + answered_by_b + 300);  // at most a batch in flight
  auto verify = run_zoomtrack({"--db", db, "verify"});
  CHECK(verify.exit_code == 0);
}

TEST_CASE("PostgreSQL stopped under click load: clicks spooled, healthz 503, replayed once when it is back",
          "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  TempDir dir;
  ServeProcess serve(db, {{"ZOOMTRACK_BUSY_TIMEOUT", "2s"}}, {"--spool", dir.file("clicks.spool")});
  auto links = create_links(db, 5, serve.base_url());
  for (const auto& link : links) REQUIRE(click(serve, link) == 302);

  pg.stop();
  int during = 0;
  for (int round = 0; round < 4; ++round) {
    for (const auto& link : links) during += click(serve, link) == 302;
  }
  CHECK(during == 20);  // every student still reached the lesson
  auto health = serve.client().Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 503);
  CHECK(has(health->body, "spooled"));

  pg.start();
  CHECK(eventually([&] {
    auto h = serve.client().Get("/healthz");
    return h && h->status == 200;
  }));
  CHECK(eventually([&] { return count_rows(pg, "SELECT COUNT(*) FROM clicks") == 25; }));
  // Replayed once: a later replay (reconcile) finds nothing left.
  auto reconcile = run_zoomtrack({"--db", db, "reconcile", "--spool", dir.file("clicks.spool")});
  CHECK(reconcile.exit_code == 0);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM clicks") == 25);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM lessons WHERE status = 'active'") == 5);
}

TEST_CASE("PostgreSQL gone read-only (a failover's old primary): clicks spooled, replayed once it takes writes",
          "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  TempDir dir;
  ServeProcess serve(db, {}, {"--spool", dir.file("clicks.spool")});
  auto links = create_links(db, 3, serve.base_url());
  for (const auto& link : links) REQUIRE(click(serve, link) == 302);
  // Every session's next transaction is read-only, serve's open connections included.
  pg.psql("zt", "ALTER SYSTEM SET default_transaction_read_only = on");
  pg.psql("zt", "SELECT pg_reload_conf()");
  int during = 0;
  for (const auto& link : links) during += click(serve, link) == 302;
  CHECK(during == 3);
  auto health = serve.client().Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 503);
  pg.psql("zt", "ALTER SYSTEM RESET default_transaction_read_only");
  pg.psql("zt", "SELECT pg_reload_conf()");
  CHECK(eventually([&] {
    auto h = serve.client().Get("/healthz");
    return h && h->status == 200;
  }));
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM clicks") == 6);
}

TEST_CASE("two reconcile at once on PostgreSQL: the second waits, then leaves the work to the first",
          "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  // Another reconcile holds the run lock (the key is FNV-1a of "zoomtrack run reconcile", as
  // the store takes it) for three seconds.
  uint64_t hash = 0xcbf29ce484222325;
  for (unsigned char ch : std::string("zoomtrack run reconcile")) hash = (hash ^ ch) * 0x100000001b3;
  auto key = std::to_string(static_cast<int64_t>(hash & 0x7fffffffffffffff));
  std::thread holder([&] { pg.psql("zt", "SELECT pg_advisory_lock(" + key + "), pg_sleep(3)"); });
  std::this_thread::sleep_for(500ms);
  auto waited = run_zoomtrack({"--db", db, "reconcile"}, {{"ZOOMTRACK_BUSY_TIMEOUT", "1s"}});
  CHECK(waited.exit_code == 0);
  CHECK(has(waited.err, "another reconcile is running"));
  holder.join();
  // Both at once, the lock free: both finish, each lesson settled once.
  auto links = create_links(db, 3, "http://127.0.0.1:8080");
  RunResult first, second;
  std::thread one([&] { first = run_zoomtrack({"--db", db, "reconcile"}); });
  second = run_zoomtrack({"--db", db, "reconcile"});
  one.join();
  CHECK(first.exit_code == 0);
  CHECK(second.exit_code == 0);
}

TEST_CASE("the Telegram outbox drained by two serve sends each message once", "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  FakeTelegram telegram;
  // Queued while Telegram cannot be reached...
  Env unreachable = telegram.env();
  unreachable["ZOOMTRACK_TELEGRAM_API_BASE"] = "http://127.0.0.1:9";
  std::vector<json> links;
  for (int i = 0; i < 8; ++i) {
    auto made =
        create_links(db, 1, "http://127.0.0.1:8080", {"--telegram-chat", std::to_string(1000 + i)}, unreachable, i);
    links.push_back(made[0]);
  }
  // ...then sent by whichever serve claims each first.
  ServeProcess a(db, telegram.env()), b(db, telegram.env());
  CHECK(eventually([&] { return count_rows(pg, "SELECT COUNT(*) FROM telegram_deliveries WHERE state = 'sent'") == 8; },
                   60s));
  std::this_thread::sleep_for(1s);  // time for a second send, if there were to be one
  std::map<std::string, int> sent_to;
  for (const auto& r : telegram.requests()) sent_to[r.body.value("chat_id", json("")).dump()]++;
  CHECK(sent_to.size() == 8);
  for (const auto& [chat, times] : sent_to) {
    INFO(chat);
    CHECK(times == 1);
  }
}

TEST_CASE("link create --ref retried at once from several processes makes one lesson", "[postgres][several]") {
  PostgresServer pg;
  auto db = pg.create_database("zt");
  REQUIRE(run_zoomtrack({"--db", db, "init"}).exit_code == 0);
  std::vector<RunResult> runs(6);
  std::vector<std::thread> scripts;
  for (size_t i = 0; i < runs.size(); ++i) {
    scripts.emplace_back([&, i] {
      runs[i] = run_zoomtrack({"--db", db, "link", "create", "--teacher", "t.abebe", "--student", "s.hana",
                               "--zoom-url", "https://zoom.us/j/86431910364", "--ref", "booking-4711", "--json"});
    });
  }
  for (auto& s : scripts) s.join();
  std::set<int64_t> ids;
  for (const auto& r : runs) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    ids.insert(json::parse(r.out)["id"].get<int64_t>());
  }
  CHECK(ids.size() == 1);
  CHECK(count_rows(pg, "SELECT COUNT(*) FROM lessons") == 1);
}

TEST_CASE("the PostgreSQL password is never printed", "[postgres][several][secrets]") {
  PostgresServer pg;
  pg.create_database("zt");
  auto url = "postgresql://postgres:Sup3rSecretPw@127.0.0.1:" + std::to_string(pg.port()) + "/zt";
  auto shown = run_zoomtrack({"--db", url, "config", "show"});
  CHECK(!has(shown.out + shown.err, "Sup3rSecretPw"));
  CHECK(has(shown.out, "postgresql://postgres:***@127.0.0.1:"));
  // A database that does not exist: the error names it, without the password.
  auto missing = run_zoomtrack({"--db", "postgresql://postgres:Sup3rSecretPw@127.0.0.1:" + std::to_string(pg.port()) +
                                            "/nosuch",
                                "sessions", "list", "-v"});
  CHECK(missing.exit_code != 0);
  CHECK(!has(missing.out + missing.err, "Sup3rSecretPw"));
  CHECK(has(missing.err, "nosuch"));
  // Nothing listening: the same.
  auto down = run_zoomtrack({"--db", "postgresql://postgres:Sup3rSecretPw@127.0.0.1:9/zt", "sessions", "list"});
  CHECK(down.exit_code != 0);
  CHECK(!has(down.out + down.err, "Sup3rSecretPw"));
}

TEST_CASE("db copy: SQLite to PostgreSQL and back gives the same report bytes and a passing verify",
          "[postgres][several][db-copy]") {
  PostgresServer pg;
  TempDir dir;
  auto sqlite_db = dir.file("school.db");
  ServeProcess serve(sqlite_db, {{"ZOOMTRACK_WEBHOOK_SECRET", secret}});
  auto links = create_links(sqlite_db, 4, serve.base_url());
  for (const auto& link : links) REQUIRE(click(serve, link) == 302);
  REQUIRE(serve.client().Post(path_of(links[0]["checkout_url"]).c_str(), "", "application/x-www-form-urlencoded"));
  serve.stop();
  auto corrected = run_zoomtrack({"--db", sqlite_db, "sessions", "void", links[1]["id"].dump(), "--reason", "test"});
  INFO(corrected.err);
  auto report_args = [](const std::string& db) {
    return std::vector<std::string>{"--db", db, "report", "--from", "2000-01-01", "--to", "2100-01-01", "--by",
                                    "lesson", "--csv"};
  };
  auto before = run_zoomtrack(report_args(sqlite_db));
  REQUIRE(before.exit_code == 0);

  auto pg_db = pg.create_database("moved");
  auto to_pg = run_zoomtrack({"--db", sqlite_db, "db", "copy", "--to", pg_db});
  INFO(to_pg.err);
  REQUIRE(to_pg.exit_code == 0);
  CHECK(has(to_pg.err + to_pg.out, "intact"));
  CHECK(run_zoomtrack(report_args(pg_db)).out == before.out);

  auto again = run_zoomtrack({"--db", sqlite_db, "db", "copy", "--to", pg_db});
  CHECK(again.exit_code != 0);
  CHECK(has(again.err, "already holds data"));

  auto back = dir.file("back.db");
  auto to_sqlite = run_zoomtrack({"--db", pg_db, "db", "copy", "--to", back});
  INFO(to_sqlite.err);
  REQUIRE(to_sqlite.exit_code == 0);
  CHECK(run_zoomtrack(report_args(back)).out == before.out);
  CHECK(run_zoomtrack({"--db", back, "verify"}).exit_code == 0);
  // New rows in the copies get new ids, after the copied ones.
  auto more = create_links(pg_db, 1, "http://127.0.0.1:8080", {}, {}, 100);
  CHECK(more[0]["id"].get<int64_t>() == 5);

  // backup on PostgreSQL: a SQLite snapshot.
  auto snapshot = dir.file("snapshot.db");
  auto backup = run_zoomtrack({"--db", pg_db, "backup", snapshot});
  INFO(backup.err);
  REQUIRE(backup.exit_code == 0);
  CHECK(run_zoomtrack({"--db", snapshot, "verify"}).exit_code == 0);
  CHECK(has(run_zoomtrack({"--db", snapshot, "sessions", "list"}).out, "t100"));
}
