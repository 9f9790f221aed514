#pragma once
// A lesson's audit trail replayed: each audited change must start from the state the change
// before it left, and the last one must have left what the lesson's row reads now. How verify
// finds a lesson edited, inserted or deleted behind zoomtrack's back, in open periods as in
// closed ones.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/store/store.hpp"

namespace zt {

struct TrailFinding {
  int64_t lesson_id = 0;
  std::optional<int64_t> audit_id;  // the audit row where it shows, when one does
  std::string field;                // "ended_at", …; empty when the whole row or trail is at fault
  std::string audited;              // the field as the audit trail has it
  std::string found;                // as the row (or the next audited change) has it
  std::string message;
};

// A state as describe() writes it ("final start=… end=… (webhook) …"), field by field, under the
// lessons table's column names; fields not written (null, or a click start) are absent.
std::map<std::string, std::string> described_fields(const std::string& description);

// `checked_from`: the first audit row whose "from" state is the row as stored (schema 10 on);
// changes audited before it are not checked against the change before them.
std::vector<TrailFinding> replay_trail(const LessonTrail& trail, int64_t checked_from);

}  // namespace zt
