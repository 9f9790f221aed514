// The store's Telegram outbox.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/store/internal.hpp"

namespace zt {
namespace {

constexpr const char* delivery_columns =
    "id, lesson_id, role, chat, state, created_at, attempts, next_attempt_at, sent_at, message_id, last_error";

TelegramDelivery read_delivery(SqlStatement& q) {
  TelegramDelivery d;
  d.id = q.getColumn(0).getInt64();
  d.lesson_id = q.getColumn(1).getInt64();
  d.role = q.getColumn(2).getString();
  d.chat = q.getColumn(3).getString();
  d.state = q.getColumn(4).getString();
  d.created_at = required_time(q.getColumn(5));
  d.attempts = q.getColumn(6).getInt();
  d.next_attempt_at = time_column(q.getColumn(7));
  d.sent_at = time_column(q.getColumn(8));
  if (!q.getColumn(9).isNull()) d.message_id = q.getColumn(9).getInt64();
  d.last_error = q.getColumn(10).getString();
  return d;
}

std::vector<TelegramDelivery> read_deliveries(SqlStatement& q) {
  std::vector<TelegramDelivery> out;
  while (q.executeStep()) out.push_back(read_delivery(q));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::string id_list(const std::vector<int64_t>& ids) { return nlohmann::json(ids).dump(); }

}  // namespace

int64_t Store::insert_telegram_delivery(int64_t lesson_id, const std::string& role, const std::string& chat,
                                        TimePoint now) {
  return change([&](Connection& c) {
    Query q(c, "INSERT INTO telegram_deliveries (lesson_id, role, chat, state, created_at, next_attempt_at) "
               "VALUES (?, ?, ?, 'queued', ?, ?) RETURNING id");
    q->bind(1, lesson_id);
    q->bind(2, role);
    q->bind(3, chat);
    q->bind(4, format_utc(now));
    q->bind(5, format_utc(now));
    return inserted_id(*q);
  });
}

std::vector<TelegramDelivery> Store::claim_telegram_deliveries(TimePoint now, TimePoint lease_until, size_t limit,
                                                               const std::vector<int64_t>& ids) {
  static const EngineSql sql([](SqlEngine engine) {
    return fmt::format(
        "UPDATE telegram_deliveries SET next_attempt_at = ?1 WHERE id IN ("
        "SELECT id FROM telegram_deliveries WHERE state = 'queued' AND next_attempt_at <= ?2 "
        "AND (?3 IS NULL OR id IN ({})) ORDER BY next_attempt_at, id LIMIT ?4) "
        "RETURNING {}",
        ids_from_json(engine, "?3"), delivery_columns);
  });
  return change([&](Connection& c) {
    Query q(c, sql(c));
    q->bind(1, format_utc(lease_until));
    q->bind(2, format_utc(now));
    if (ids.empty()) q->bind(3);
    else q->bind(3, id_list(ids));
    q->bind(4, static_cast<int64_t>(limit));
    return read_deliveries(*q);
  });
}

void Store::record_telegram_attempt(const TelegramDelivery& d) {
  change([&](Connection& c) {
    Query q(c, "UPDATE telegram_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, sent_at = ?, "
               "message_id = ?, last_error = ? WHERE id = ?");
    q->bind(1, d.state);
    q->bind(2, d.attempts);
    bind_time(*q, 3, d.next_attempt_at);
    bind_time(*q, 4, d.sent_at);
    if (d.message_id) q->bind(5, *d.message_id);
    else q->bind(5);
    q->bind(6, d.last_error);
    q->bind(7, d.id);
    q->exec();
  });
}

void Store::release_telegram_deliveries(const std::vector<int64_t>& ids, TimePoint due) {
  if (ids.empty()) return;
  static const EngineSql sql([](SqlEngine engine) {
    return fmt::format("UPDATE telegram_deliveries SET next_attempt_at = ?1 WHERE state = 'queued' AND id IN ({})",
                       ids_from_json(engine, "?2"));
  });
  change([&](Connection& c) {
    Query q(c, sql(c));
    q->bind(1, format_utc(due));
    q->bind(2, id_list(ids));
    q->exec();
  });
}

void Store::delay_telegram_outbox(TimePoint until) {
  change([&](Connection& c) {
    Query q(c, "UPDATE telegram_deliveries SET next_attempt_at = ?1 WHERE state = 'queued' AND next_attempt_at < ?1");
    q->bind(1, format_utc(until));
    q->exec();
  });
}

std::vector<TelegramDelivery> Store::telegram_deliveries_for(int64_t lesson_id) {
  static const auto sql = fmt::format("SELECT {} FROM telegram_deliveries WHERE lesson_id = ? ORDER BY id",
                                      delivery_columns);
  return read([&](Connection& c) {
    Query q(c, sql);
    q->bind(1, lesson_id);
    return read_deliveries(*q);
  });
}

std::vector<TelegramDelivery> Store::telegram_deliveries(const std::vector<int64_t>& ids) {
  static const EngineSql sql([](SqlEngine engine) {
    return fmt::format("SELECT {} FROM telegram_deliveries WHERE id IN ({}) ORDER BY id", delivery_columns,
                       ids_from_json(engine, "?1"));
  });
  if (ids.empty()) return {};
  return read([&](Connection& c) {
    Query q(c, sql(c));
    q->bind(1, id_list(ids));
    return read_deliveries(*q);
  });
}

int64_t Store::count_queued_telegram_deliveries() {
  return read([&](Connection& c) {
    Query q(c, "SELECT COUNT(*) FROM telegram_deliveries WHERE state = 'queued'");
    q->executeStep();
    return q->getColumn(0).getInt64();
  });
}

std::optional<TimePoint> Store::next_telegram_due(const std::vector<int64_t>& ids) {
  static const EngineSql sql([](SqlEngine engine) {
    return fmt::format("SELECT MIN(next_attempt_at) FROM telegram_deliveries WHERE state = 'queued' "
                       "AND (?1 IS NULL OR id IN ({}))",
                       ids_from_json(engine, "?1"));
  });
  return read([&](Connection& c) -> std::optional<TimePoint> {
    Query q(c, sql(c));
    if (ids.empty()) q->bind(1);
    else q->bind(1, id_list(ids));
    q->executeStep();
    return time_column(q->getColumn(0));
  });
}

}  // namespace zt
