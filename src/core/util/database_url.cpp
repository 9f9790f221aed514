#include "core/util/database_url.hpp"

#include <utility>
#include <vector>

namespace zt {
namespace {

// Where the URL holds a password: [begin, end) of the user information's password
// (scheme://user:password@host) and of each password=... parameter.
std::vector<std::pair<size_t, size_t>> password_spans(const std::string& db) {
  std::vector<std::pair<size_t, size_t>> spans;
  if (!is_database_url(db)) return spans;
  auto authority = db.find("://") + 3;
  auto authority_end = db.find_first_of("/?", authority);
  if (authority_end == std::string::npos) authority_end = db.size();
  auto at = db.rfind('@', authority_end);
  if (at != std::string::npos && at > authority) {
    auto colon = db.find(':', authority);
    if (colon != std::string::npos && colon < at) spans.emplace_back(colon + 1, at);
  }
  for (size_t from = db.find('?'); from != std::string::npos;) {
    auto key = from + 1;
    auto next = db.find('&', key);
    if (db.compare(key, 9, "password=") == 0) spans.emplace_back(key + 9, next == std::string::npos ? db.size() : next);
    from = next;
  }
  return spans;
}

}  // namespace

bool is_database_url(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::string redact_database_url(const std::string& db) {
  auto out = db;
  auto spans = password_spans(db);
  // From the last: earlier positions stay valid.
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) out.replace(it->first, it->second - it->first, "***");
  return out;
}

std::string without_database_password(const std::string& db, std::string text) {
  for (const auto& [begin, end] : password_spans(db)) {
    auto secret = db.substr(begin, end - begin);
    for (size_t at; !secret.empty() && (at = text.find(secret)) != std::string::npos;) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

}  // namespace zt
