// Copying a whole database into another, of either engine (db copy, and backup on PostgreSQL):
// every row with its id as it is, so that the audit chain's hashes, which cover the ids, still
// verify in the copy.
#include <fmt/format.h>

#include <array>
#include <set>

#include "core/store/internal.hpp"

namespace zt {
namespace {

// Parents before the rows that refer to them.
constexpr std::array copied_tables = {"lessons",     "clicks",         "end_signals",  "start_signals",
                                      "segments",    "meeting_ends",   "webhook_events", "periods",
                                      "period_lessons", "adjustments", "audit",        "telegram_deliveries",
                                      "write_probe"};

// Computed by the database from other columns: never written.
bool generated_column(const std::string& table, const std::string& column) {
  return table == "segments" && (column == "is_host" || column == "at");
}

// The tables that say whether a database holds a school's data yet.
constexpr std::array data_tables = {"lessons", "webhook_events", "periods", "audit"};

int64_t count_rows(Store::Connection& c, const std::string& table) {
  auto q = c.prepare(fmt::format("SELECT COUNT(*) FROM {}", table));
  q->executeStep();
  return q->getColumn(0).getInt64();
}

std::vector<std::string> table_columns(Store::Connection& c, const std::string& table) {
  auto q = c.prepare(fmt::format("SELECT * FROM {} LIMIT 0", table));
  q->executeStep();
  std::vector<std::string> columns;
  // Column names are known once the statement ran, with or without rows.
  for (int i = 0; i < q->columnCount(); ++i) {
    auto name = q->getColumn(i).getName();
    if (!generated_column(table, name)) columns.push_back(name);
  }
  return columns;
}

}  // namespace

std::vector<std::pair<std::string, int64_t>> Store::copy_into(Store& target) {
  std::vector<std::pair<std::string, int64_t>> copied;
  read([&](Connection& source) {
    engine_->begin_snapshot(source);
    struct EndSnapshot {
      Engine& engine;
      Connection& source;
      ~EndSnapshot() {
        try {
          engine.end_snapshot(source);
        } catch (...) {
        }
      }
    } end_snapshot{*engine_, source};
    target.write([&] {
      auto& into = target.writer();
      for (const auto* table : data_tables) {
        if (count_rows(into, table) != 0) {
          throw Error(ErrorCode::conflict, fmt::format("{} already holds data ({} is not empty)", target.path(), table),
                      "copy into a new, empty database");
        }
      }
      // The target's own write_probe row, if any, gives way to the source's.
      into.exec("DELETE FROM write_probe");
      for (const std::string table : copied_tables) {
        auto columns = table_columns(source, table);
        std::string names, marks;
        for (size_t i = 0; i < columns.size(); ++i) {
          names += (i ? ", " : "") + columns[i];
          marks += (i ? ", ?" : "?");
        }
        auto read = source.prepare(fmt::format("SELECT {} FROM {}", names, table));
        auto insert = into.prepare(fmt::format("INSERT INTO {} ({}) VALUES ({})", table, names, marks));
        int64_t rows = 0;
        while (read->executeStep()) {
          // As text: both engines turn it back into the column's type (integer columns included).
          for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
            auto column = read->getColumn(i);
            if (column.isNull()) insert->bind(i + 1);
            else insert->bind_as_column(i + 1, column.text());
          }
          insert->exec();
          insert->reset();
          ++rows;
        }
        copied.emplace_back(table, rows);
      }
      target.engine_->after_copy(into);
    });
  });
  return copied;
}

}  // namespace zt
