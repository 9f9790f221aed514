#pragma once
// The PostgreSQL schema: created whole at the version it describes, then migrated by numbered
// steps from there, as SQLite's file is from its first version.
#include <array>
#include <string>

namespace zt {

// The Store::schema_version the whole schema below describes.
constexpr int postgres_schema_version = 10;
extern const char* const postgres_schema;
// The step from `version` to version + 1 (none yet past postgres_schema_version).
std::string postgres_migration(int version);
// Tables whose id is an identity column: copy_into sets where their next id starts.
constexpr std::array<const char*, 10> postgres_tables_with_ids = {
    "lessons", "clicks", "end_signals", "segments", "webhook_events",
    "periods", "adjustments", "start_signals", "audit", "telegram_deliveries"};

}  // namespace zt
