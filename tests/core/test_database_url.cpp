#include <catch2/catch.hpp>

#include "core/util/database_url.hpp"

using zt::redact_database_url;

TEST_CASE("a PostgreSQL URL's password is masked wherever the URL gives it", "[database-url]") {
  CHECK(redact_database_url("postgresql://ann:s3cret@db.example:5432/zt") == "postgresql://ann:***@db.example:5432/zt");
  CHECK(redact_database_url("postgres://ann:s3cret@db.example/zt?sslmode=require&password=other") ==
        "postgres://ann:***@db.example/zt?sslmode=require&password=***");
  CHECK(redact_database_url("postgresql://db.example/zt?password=p%40ss") == "postgresql://db.example/zt?password=***");
  // Nothing to mask: a user without a password, no user at all, a SQLite path.
  CHECK(redact_database_url("postgresql://ann@db.example/zt") == "postgresql://ann@db.example/zt");
  CHECK(redact_database_url("postgresql:///zt?host=/run/postgresql") == "postgresql:///zt?host=/run/postgresql");
  CHECK(redact_database_url("/var/lib/zoomtrack/a:b@c.db") == "/var/lib/zoomtrack/a:b@c.db");
  // An '@' in the password itself (percent-encoding forgotten): the last '@' ends it.
  CHECK(redact_database_url("postgresql://ann:p@ss@db.example/zt") == "postgresql://ann:***@db.example/zt");
}

TEST_CASE("a message about the URL loses every copy of its password", "[database-url]") {
  CHECK(zt::without_database_password("postgresql://ann:s3cret@h/zt", "bad URI \"postgresql://ann:s3cret@h/zt\": s3cret") ==
        "bad URI \"postgresql://ann:***@h/zt\": ***");
  CHECK(zt::without_database_password("postgresql://ann@h/zt", "plain") == "plain");
}
