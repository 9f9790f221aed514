// The store's Zoom side: participant segments, meeting ends and webhook deliveries.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <tuple>

#include "core/rules/lesson_rules.hpp"
#include "core/store/internal.hpp"

namespace zt {
namespace {

Segment read_segment(SqlStatement& q) {
  Segment s;
  s.source = q.getColumn(0).getString();
  s.meeting_uuid = q.getColumn(1).getString();
  s.connection_id = q.getColumn(2).getString();
  s.participant_id = q.getColumn(3).getString();
  s.host_id = q.getColumn(4).getString();
  s.email = q.getColumn(5).getString();
  s.name = q.getColumn(6).getString();
  s.join_time = time_column(q.getColumn(7));
  s.leave_time = time_column(q.getColumn(8));
  s.leave_reason = q.getColumn(9).getString();
  return s;
}

WebhookEventRecord read_event(SqlStatement& q, bool with_body) {
  WebhookEventRecord e;
  e.id = q.getColumn(0).getInt64();
  e.delivery_key = q.getColumn(1).getString();
  e.received_at = required_time(q.getColumn(2));
  e.event = q.getColumn(3).getString();
  e.event_ts = q.getColumn(4).getInt64();
  e.meeting_id = q.getColumn(5).getString();
  e.meeting_uuid = q.getColumn(6).getString();
  e.outcome = q.getColumn(7).getString();
  e.detail = q.getColumn(8).getString();
  if (!q.getColumn(9).isNull()) e.lesson_id = q.getColumn(9).getInt64();
  if (with_body) e.body = q.getColumn(10).getString();
  return e;
}

}  // namespace

namespace {

constexpr const char* segment_columns =
    "source, meeting_uuid, connection_id, participant_id, host_id, email, name, join_time, "
    "leave_time, leave_reason";

struct StoredSegment {
  int64_t id = 0;
  std::string meeting_id;
  Segment segment;
};

std::optional<StoredSegment> stored_segment(Store::Connection& c, const Segment& key) {
  static const std::string sql = fmt::format(
      "SELECT {}, id, meeting_id FROM segments WHERE source = ? AND meeting_uuid = ? AND connection_id = ?",
      segment_columns);
  Store::Query q(c, sql);
  q->bind(1, key.source);
  q->bind(2, key.meeting_uuid);
  q->bind(3, key.connection_id);
  if (!q->executeStep()) return std::nullopt;
  return StoredSegment{q->getColumn(10).getInt64(), q->getColumn(11).getString(), read_segment(*q)};
}

// The columns after the key, in one order for both statements below.
void bind_segment_values(SqlStatement& q, int first, const std::string& meeting_id, const Segment& s) {
  q.bind(first, meeting_id);
  q.bind(first + 1, s.participant_id);
  q.bind(first + 2, s.host_id);
  q.bind(first + 3, s.email);
  q.bind(first + 4, s.name);
  bind_time(q, first + 5, s.join_time);
  bind_time(q, first + 6, s.leave_time);
  q.bind(first + 7, s.leave_reason);
}

}  // namespace

// Read, merged here, written once: an upsert merging in SQL needed the row read back after it.
// Inside the write, nothing else can change the row in between.
Store::SegmentMerge Store::record_segment(const std::string& meeting_id, const Segment& delivered) {
  return change([&](Connection& c) {
    auto stored = stored_segment(c, delivered);
    if (!stored) {
      Query insert(c, "INSERT INTO segments (source, meeting_uuid, connection_id, meeting_id, participant_id, "
                      "host_id, email, name, join_time, leave_time, leave_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
      insert->bind(1, delivered.source);
      insert->bind(2, delivered.meeting_uuid);
      insert->bind(3, delivered.connection_id);
      bind_segment_values(*insert, 4, meeting_id, delivered);
      insert->exec();
      Segment merged = delivered;
      merged.is_host = false;  // decided when read for a lesson, as for any stored segment
      return SegmentMerge{std::nullopt, merged};
    }
    SegmentMerge result{stored->segment, merge_segments(stored->segment, delivered)};
    // Commutative like every other field: a delivery naming another meeting cannot move the row back and forth.
    auto merged_meeting_id = std::min(stored->meeting_id, meeting_id);
    if (result.merged != stored->segment || merged_meeting_id != stored->meeting_id) {
      Query update(c, "UPDATE segments SET meeting_id = ?1, participant_id = ?2, host_id = ?3, email = ?4, "
                      "name = ?5, join_time = ?6, leave_time = ?7, leave_reason = ?8 WHERE id = ?9");
      bind_segment_values(*update, 1, merged_meeting_id, result.merged);
      update->bind(9, stored->id);
      update->exec();
    }
    return result;
  });
}

namespace {
// A lesson is shorter than a day: a connection that began earlier than this before the lesson's
// start is not the lesson's, and the indexes need a lower bound to stay flat in history.
constexpr std::chrono::days connection_lookback{1};
}  // namespace

std::vector<Segment> Store::segments_between(const std::string& meeting_id, TimePoint from,
                                             const std::optional<TimePoint>& to) {
  // One indexed range of segments_by_meeting_time (migration 9), filed by join (or lone leave)
  // time: a personal meeting id's years of connections before the window are never read.
  static const std::string sql = fmt::format(
      "SELECT {} FROM segments WHERE meeting_id = ?1 AND COALESCE(join_time, leave_time) >= ?4 "
      "AND COALESCE(join_time, leave_time) < ?5 "
      "AND (leave_time IS NULL OR leave_time >= ?2) AND (?3 IS NULL OR join_time IS NULL OR join_time < ?3) "
      "ORDER BY join_time, id",
      segment_columns);
  return read([&](Connection& c) {
    Query q(c, sql);
    q->bind(1, meeting_id);
    q->bind(2, format_utc(from));
    bind_time(*q, 3, to);
    q->bind(4, format_utc(from - connection_lookback));
    q->bind(5, to ? format_utc(*to + connection_lookback) : std::string("9999"));
    std::vector<Segment> segments;
    while (q->executeStep()) segments.push_back(read_segment(*q));
    return segments;
  });
}

std::vector<Segment> Store::teacher_segments_between(const std::string& meeting_id, TimePoint from,
                                                     const std::optional<TimePoint>& to,
                                                     const std::string& teacher_email,
                                                     const std::string& teacher_name) {
  // Two indexed ranges per way of recognising the teacher: the connections still open, and those
  // that left after the lesson began. Connections that ended before it are never read, however
  // many there were. The host and email indexes are partial (migration 8): the queries name
  // their conditions so that SQLite may use them. UNION ALL, deduplicated and ordered here: UNION
  // and ORDER BY sorted each of the six ranges in a temporary b-tree, most of the query's cost.
  auto ranges = [](const std::string& teacher) {
    return fmt::format(
        "SELECT {0}, id FROM segments WHERE {1} AND leave_time IS NULL AND at >= ?4 AND at < ?5 {2} "
        "UNION ALL SELECT {0}, id FROM segments WHERE {1} AND leave_time >= ?2 AND leave_time < ?8 "
        "AND at >= ?4 AND at < ?5 {2}",
        segment_columns, "meeting_id = ?1 AND " + teacher, "AND (?3 IS NULL OR join_time IS NULL OR join_time < ?3)");
  };
  static const EngineSql sql([&](SqlEngine engine) {
    return fmt::format("{} UNION ALL {} UNION ALL {}", ranges("is_host = 1"),
                       ranges("?6 <> '' AND email <> '' AND " + equal_ignoring_case(engine, "email", "?6")),
                       ranges("?7 <> '' AND name = ?7"));
  });
  return read([&](Connection& c) {
    Query q(c, sql(c));
    q->bind(1, meeting_id);
    q->bind(2, format_utc(from));
    bind_time(*q, 3, to);
    q->bind(4, format_utc(from - connection_lookback));
    // A leave whose join we never saw is filed under its leave time, which may follow `to`.
    q->bind(5, to ? format_utc(*to + connection_lookback) : std::string("9999"));
    q->bind(6, teacher_email);
    q->bind(7, teacher_name);
    // A connection filed before `to` + a day that lasted less than another day.
    q->bind(8, to ? format_utc(*to + 2 * connection_lookback) : std::string("9999"));
    std::vector<std::pair<int64_t, Segment>> found;  // by row id: a connection may be found twice
    while (q->executeStep()) found.emplace_back(q->getColumn(10).getInt64(), read_segment(*q));
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return std::tie(a.second.join_time, a.first) < std::tie(b.second.join_time, b.first);
    });
    found.erase(std::unique(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
                found.end());
    std::vector<Segment> segments;
    segments.reserve(found.size());
    for (auto& [id, segment] : found) segments.push_back(std::move(segment));
    return segments;
  });
}

void Store::record_meeting_end(const std::string& meeting_id, const std::string& meeting_uuid,
                               TimePoint end_time) {
  change([&](Connection& c) {
    Query q(c, "INSERT INTO meeting_ends (meeting_uuid, meeting_id, end_time) "
                              "VALUES (?,?,?) ON CONFLICT (meeting_uuid) DO UPDATE SET "
                              "end_time = CASE WHEN excluded.end_time > meeting_ends.end_time THEN excluded.end_time ELSE meeting_ends.end_time END");
    q->bind(1, meeting_uuid);
    q->bind(2, meeting_id);
    q->bind(3, format_utc(end_time));
    q->exec();
  });
}

std::optional<TimePoint> Store::meeting_end_of(const std::string& meeting_uuid) {
  return read([&](Connection& c) -> std::optional<TimePoint> {
    Query q(c, "SELECT end_time FROM meeting_ends WHERE meeting_uuid = ?");
    q->bind(1, meeting_uuid);
    if (!q->executeStep()) return std::nullopt;
    return required_time(q->getColumn(0));
  });
}

std::vector<TimePoint> Store::meeting_ends_between(const std::string& meeting_id, TimePoint from,
                                                   const std::optional<TimePoint>& to) {
  return read([&](Connection& c) {
    Query q(c, "SELECT end_time FROM meeting_ends WHERE meeting_id = ?1 "
                              "AND end_time >= ?2 AND (?3 IS NULL OR end_time <= ?3) "
                              "ORDER BY end_time");
    q->bind(1, meeting_id);
    q->bind(2, format_utc(from));
    bind_time(*q, 3, to);
    std::vector<TimePoint> ends;
    while (q->executeStep()) ends.push_back(required_time(q->getColumn(0)));
    return ends;
  });
}

namespace {

// A duplicate's body is the original's: one copy is kept.
void insert_webhook_row(Store::Connection& c, WebhookEventRecord& e, std::optional<int64_t> duplicate_of) {
  Store::Query q(c, "INSERT INTO webhook_events (delivery_key, duplicate_of, received_at, "
                    "event, event_ts, meeting_id, meeting_uuid, body, outcome, detail, "
                    "lesson_id) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id");
  q->bind(1, e.delivery_key);
  if (duplicate_of) q->bind(2, *duplicate_of);
  else q->bind(2);
  q->bind(3, format_utc(e.received_at));
  q->bind(4, e.event);
  q->bind(5, e.event_ts);
  q->bind(6, e.meeting_id);
  q->bind(7, e.meeting_uuid);
  q->bind(8, duplicate_of ? std::string() : e.body);
  q->bind(9, e.outcome);
  q->bind(10, e.detail);
  if (e.lesson_id) q->bind(11, *e.lesson_id);
  else q->bind(11);
  e.id = inserted_id(*q);
}

}  // namespace

bool Store::insert_webhook_duplicate(WebhookEventRecord& e) {
  return change([&](Connection& c) {
    // event_ts leads the index (migration 8); it is part of the body the key hashes.
    Query first(c, "SELECT id FROM webhook_events WHERE event_ts = ? AND delivery_key = ? "
                   "AND duplicate_of IS NULL");
    first->bind(1, e.event_ts);
    first->bind(2, e.delivery_key);
    if (!first->executeStep()) return false;
    auto original = first->getColumn(0).getInt64();
    e.outcome = "duplicate";
    e.detail = fmt::format("same delivery as event {}", original);
    e.lesson_id.reset();
    insert_webhook_row(c, e, original);
    return true;
  });
}

void Store::insert_webhook_event(WebhookEventRecord& e) {
  change([&](Connection& c) { insert_webhook_row(c, e, std::nullopt); });
}

void Store::set_webhook_outcome(int64_t id, const std::string& outcome, const std::string& detail,
                                std::optional<int64_t> lesson_id) {
  change([&](Connection& c) {
    Query q(c, "UPDATE webhook_events SET outcome = ?, detail = ?, lesson_id = ? "
                              "WHERE id = ?");
    q->bind(1, outcome);
    q->bind(2, detail);
    if (lesson_id) q->bind(3, *lesson_id);
    else q->bind(3);
    q->bind(4, id);
    q->exec();
  });
}

namespace {
constexpr const char* event_columns =
    "id, delivery_key, received_at, event, event_ts, meeting_id, meeting_uuid, outcome, detail, "
    "lesson_id, body";
}

namespace {
// The outcomes webhook_events_to_retry indexes (migration 8): a query names them all so that
// SQLite knows the partial index holds every row it asks for.
constexpr std::array<std::string_view, 3> indexed_outcomes{"received", "unmatched", "error"};

std::string where_outcome(const std::string& outcome) {
  if (outcome.empty()) return "1 = 1";
  if (std::find(indexed_outcomes.begin(), indexed_outcomes.end(), outcome) != indexed_outcomes.end()) {
    return fmt::format("outcome = ?1 AND outcome IN ('{}')", fmt::join(indexed_outcomes, "', '"));
  }
  return "outcome = ?1";  // applied, ignored, duplicate: most of the table, read in order
}
}  // namespace

std::vector<WebhookEventRecord> Store::list_webhook_events(const std::string& outcome,
                                                           bool with_body) {
  return read([&](Connection& c) {
    Query q(c, fmt::format("SELECT {} FROM webhook_events WHERE {} ORDER BY id", event_columns,
                           where_outcome(outcome)));
    if (!outcome.empty()) q->bind(1, outcome);
    std::vector<WebhookEventRecord> events;
    while (q->executeStep()) events.push_back(read_event(*q, with_body));
    return events;
  });
}

std::vector<WebhookEventRecord> Store::webhook_events_for(int64_t lesson_id) {
  return read([&](Connection& c) {
    Query q(c, fmt::format("SELECT {} FROM webhook_events WHERE lesson_id = ? "
                                          "ORDER BY id",
                                          event_columns));
    q->bind(1, lesson_id);
    std::vector<WebhookEventRecord> events;
    while (q->executeStep()) events.push_back(read_event(*q, false));
    return events;
  });
}

std::optional<WebhookEventRecord> Store::find_webhook_event(int64_t id) {
  return read([&](Connection& c) -> std::optional<WebhookEventRecord> {
    Query q(c, fmt::format("SELECT {} FROM webhook_events WHERE id = ?", event_columns));
    q->bind(1, id);
    if (!q->executeStep()) return std::nullopt;
    return read_event(*q, true);
  });
}

}  // namespace zt
