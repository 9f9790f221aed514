#pragma once
// PostgreSQL in the tests. The suite runs a second time on PostgreSQL (scripts/test, through
// scripts/with-postgres): the harness then gives every SQLite path a test passes as --db its own
// database on that server, so the same tests run on either engine. Tests that need a server of
// their own, to stop and start it, use PostgresServer.
#include <memory>
#include <string>
#include <vector>

#include "support/harness.hpp"

namespace zt::test {

// True when this run is the PostgreSQL run (ZOOMTRACK_TEST_ENGINE=postgres).
bool on_postgres();
// What a test's --db becomes: in the PostgreSQL run, a SQLite path maps to a database of its
// own (created on first use) on the run's server; anything else is left as it is.
std::string database_for(const std::string& db);
// The arguments with the value of every --db mapped by database_for.
std::vector<std::string> with_mapped_database(const std::vector<std::string>& args);
// The environment for those arguments: ZOOMTRACK_DB mapped, and the click spool kept where it
// is on SQLite, beside the test's database path ({path}.spool; PostgreSQL's default would be
// ./zoomtrack.spool, one file for every test).
Env with_mapped_database(const std::vector<std::string>& args, const Env& env);

// A private PostgreSQL cluster in a temporary directory, on a free loopback port; stopped and
// deleted with the object.
class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgresql://postgres@127.0.0.1:PORT/NAME, the database created first.
  std::string create_database(const std::string& name);
  void stop();   // fast shutdown: connections are cut
  void start();  // again, on the same port
  // Runs SQL through psql on `database`; throws with psql's message when it fails.
  std::string psql(const std::string& database, const std::string& sql);
  int port() const { return port_; }

 private:
  std::vector<std::string> as_postgres(std::vector<std::string> argv) const;
  std::string bin_;
  std::unique_ptr<TempDir> dir_;
  int port_ = 0;
};

}  // namespace zt::test
