// The baselines for bench/run.
//   bare_redirect PORT
//     the least a cpp-httplib server can do for zoomtrack's two hot routes — a 302 for
//     /t/{token} and a 200 for POST /webhooks/zoom — with no lookup, no verification, no write.
//   bare_redirect PORT --durable DB
//     the same server, but each request first commits one row (the token, or the webhook's body,
//     and the time) to SQLite in WAL mode with synchronous=FULL, group-committed, and answers
//     only once it is on disk: the floor for any server that keeps zoomtrack's promise (every
//     answer after a durable commit), before it looks anything up, verifies or applies anything.
// zoomtrack is measured against both in the same run.
#include <httplib.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/store/write_turn.hpp"

namespace {

// Group commit with the least hand-off there is: writers queue their row; the first one in
// commits the whole queue in one transaction while the others sleep, each on its own futex, and
// hands the lead to the first row queued meanwhile.
class DurableLog {
 public:
  explicit DurableLog(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = FULL");
    exec("CREATE TABLE IF NOT EXISTS clicks (id INTEGER PRIMARY KEY, token TEXT NOT NULL, at TEXT NOT NULL)");
    sqlite3_prepare_v2(db_, "INSERT INTO clicks (token, at) VALUES (?, ?)", -1, &insert_, nullptr);
    sqlite3_prepare_v2(db_, "BEGIN IMMEDIATE", -1, &begin_, nullptr);
    sqlite3_prepare_v2(db_, "COMMIT", -1, &commit_, nullptr);
  }

  // Returns once the row is committed (fsync'd).
  void append(const std::string& token) {
    auto row = std::make_shared<Row>(token, now_utc());
    bool lead;
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(row);
      lead = !committing_;
      committing_ = true;
    }
    if (lead || row->turn.wait() == zt::WriteTurn::lead) lead_batch();
  }

 private:
  struct Row {
    Row(std::string token, std::string at) : token(std::move(token)), at(std::move(at)) {}
    std::string token;
    std::string at;
    zt::WriteTurn turn;  // zoomtrack's own futex hand-off
  };

  static std::string now_utc() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
  }

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  }
  static void step(sqlite3_stmt* statement) {
    sqlite3_step(statement);
    sqlite3_reset(statement);
  }

  void lead_batch() {
    std::vector<std::shared_ptr<Row>> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(queue_);
    }
    step(begin_);
    for (const auto& row : batch) {
      sqlite3_bind_text(insert_, 1, row->token.data(), static_cast<int>(row->token.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert_, 2, row->at.data(), static_cast<int>(row->at.size()), SQLITE_STATIC);
      step(insert_);
    }
    step(commit_);
    std::shared_ptr<Row> next_leader;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) committing_ = false;
      else next_leader = queue_.front();
    }
    if (next_leader) next_leader->turn.set(zt::WriteTurn::lead);
    for (const auto& row : batch) row->turn.set(zt::WriteTurn::committed);
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::mutex mutex_;  // the queue below
  std::vector<std::shared_ptr<Row>> queue_;
  bool committing_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  int port = argc > 1 ? std::stoi(argv[1]) : 18081;
  std::unique_ptr<DurableLog> log;
  if (argc > 3 && std::string(argv[2]) == "--durable") log = std::make_unique<DurableLog>(argv[3]);
  httplib::Server server;
  server.set_tcp_nodelay(true);  // as zoomtrack does
  if (log || getenv("ZT_LIKE_SERVE")) {
    // Connections served as zoomtrack serves them. A click waiting for its commit holds its
    // thread: with httplib's default pool (8 threads) a batch could never hold more than 8 rows,
    // and its default of 5 requests per connection would add a TCP handshake every 5 clicks.
    server.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server.set_keep_alive_max_count(1000);
  }
  server.Get(R"(/t/([^/]*))", [&](const httplib::Request& req, httplib::Response& res) {
    if (log) log->append(req.matches[1]);
    res.set_header("Cache-Control", "no-store");
    res.set_redirect("https://zoom.us/j/86431910364?pwd=abc", 302);
  });
  server.Post("/webhooks/zoom", [&](const httplib::Request& req, httplib::Response& res) {
    if (log) log->append(req.body);
    res.set_content(R"({"status":"applied"})", "application/json");
  });
  std::printf("%s redirect server on 127.0.0.1:%d\n", log ? "durable" : "bare", port);
  std::fflush(stdout);
  return server.listen("127.0.0.1", port) ? 0 : 1;
}
