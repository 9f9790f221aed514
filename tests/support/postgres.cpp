#include "support/postgres.hpp"

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace zt::test {
namespace {

std::string server_binaries() {
  std::string newest;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    auto bin = entry.path() / "bin";
    if (std::filesystem::exists(bin / "initdb") && bin.string() > newest) newest = bin.string();
  }
  return newest;
}

int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(s);
  return ntohs(address.sin_port);
}

std::string run_psql(const std::string& server_url, const std::string& database, const std::string& sql) {
  auto r = run_program({"psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", server_url + "/" + database,
                        "-c", sql});
  if (r.exit_code != 0) throw std::runtime_error("psql: " + r.err);
  return r.out;
}

}  // namespace

bool on_postgres() {
  const char* engine = std::getenv("ZOOMTRACK_TEST_ENGINE");
  return engine && std::string(engine) == "postgres";
}

std::string database_for(const std::string& db) {
  if (!on_postgres() || db.empty() || db.rfind("postgres", 0) == 0) return db;
  const char* server = std::getenv("ZOOMTRACK_TEST_POSTGRES");
  if (!server) {
    throw std::runtime_error("the PostgreSQL tests need a server: run them through scripts/with-postgres "
                             "(scripts/test does), or leave them out with ctest -LE postgres");
  }
  // One database per path, for the whole test: the same path is the same database.
  auto name = fmt::format("zt_{:016x}", std::hash<std::string>{}(std::filesystem::absolute(db).string()));
  static std::mutex mutex;
  static std::set<std::string> created;
  std::lock_guard lock(mutex);
  if (created.insert(name).second) run_psql(server, "postgres", "CREATE DATABASE " + name);
  return std::string(server) + "/" + name;
}

std::vector<std::string> with_mapped_database(const std::vector<std::string>& args) {
  if (!on_postgres()) return args;
  auto mapped = args;
  for (size_t i = 0; i < mapped.size(); ++i) {
    if (mapped[i] == "--db" && i + 1 < mapped.size()) mapped[i + 1] = database_for(mapped[i + 1]);
    else if (mapped[i].rfind("--db=", 0) == 0) mapped[i] = "--db=" + database_for(mapped[i].substr(5));
  }
  return mapped;
}

Env with_mapped_database(const std::vector<std::string>& args, const Env& env) {
  if (!on_postgres()) return env;
  auto mapped = env;
  std::string path;
  if (auto db = mapped.find("ZOOMTRACK_DB"); db != mapped.end()) {
    path = db->second;
    db->second = database_for(db->second);
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--db" && i + 1 < args.size()) path = args[i + 1];
    else if (args[i].rfind("--db=", 0) == 0) path = args[i].substr(5);
  }
  if (!path.empty() && path.rfind("postgres", 0) != 0 && !mapped.count("ZOOMTRACK_SPOOL")) {
    mapped["ZOOMTRACK_SPOOL"] = path + ".spool";
  }
  return mapped;
}

PostgresServer::PostgresServer() : bin_(server_binaries()), dir_(std::make_unique<TempDir>()) {
  if (bin_.empty()) throw std::runtime_error("PostgreSQL is not installed (scripts/install-deps --test installs it)");
  std::filesystem::permissions(dir_->path(), std::filesystem::perms::all);
  port_ = free_port();
  auto r = run_program(as_postgres({bin_ + "/initdb", "-D", dir_->file("data"), "-A", "trust", "-U", "postgres",
                                    "-E", "UTF8", "--locale=C.UTF-8"}));
  if (r.exit_code != 0) throw std::runtime_error("initdb failed: " + r.err + r.out);
  start();
}

PostgresServer::~PostgresServer() {
  run_program(as_postgres({bin_ + "/pg_ctl", "-D", dir_->file("data"), "-m", "immediate", "-w", "stop"}));
}

std::vector<std::string> PostgresServer::as_postgres(std::vector<std::string> argv) const {
  if (::geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

void PostgresServer::start() {
  auto options = fmt::format("-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200", port_,
                             dir_->path().string());
  auto r = run_program(as_postgres({bin_ + "/pg_ctl", "-D", dir_->file("data"), "-w", "-t", "60", "-l",
                                    dir_->file("log"), "-o", options, "start"}));
  if (r.exit_code != 0) throw std::runtime_error("pg_ctl start failed: " + r.err + read_file(dir_->file("log")));
}

void PostgresServer::stop() {
  auto r = run_program(as_postgres({bin_ + "/pg_ctl", "-D", dir_->file("data"), "-m", "fast", "-w", "stop"}));
  if (r.exit_code != 0) throw std::runtime_error("pg_ctl stop failed: " + r.err);
}

std::string PostgresServer::create_database(const std::string& name) {
  psql("postgres", "CREATE DATABASE " + name);
  return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, name);
}

std::string PostgresServer::psql(const std::string& database, const std::string& sql) {
  return run_psql(fmt::format("postgresql://postgres@127.0.0.1:{}", port_), database, sql);
}

}  // namespace zt::test
