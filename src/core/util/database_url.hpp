#pragma once
// A --db that names a PostgreSQL database (postgresql://user:password@host:port/db?...) rather
// than a SQLite file, and the same URL fit to show: its password masked wherever it is given.
#include <string>

namespace zt {

bool is_database_url(const std::string& db);
// postgresql://ann:***@db.example/zt?sslmode=require; anything else as it is.
std::string redact_database_url(const std::string& db);
// `text` (a library's message about the URL) with every copy of the URL's password masked.
std::string without_database_password(const std::string& db, std::string text);

}  // namespace zt
