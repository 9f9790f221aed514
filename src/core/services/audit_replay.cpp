#include "core/services/audit_replay.hpp"

#include <fmt/format.h>

#include <array>

#include "core/rules/lesson_rules.hpp"

namespace zt {
namespace {

using Fields = std::map<std::string, std::string>;

constexpr std::array field_order{"status",   "started_at",        "ended_at",   "end_source",     "start_source",
                                 "presence", "teacher_present_s", "together_s", "teacher_late_s", "other"};

std::string shown(const Fields& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? "(none)" : it->second;
}

struct Difference {
  std::string field, audited, found;
};

// `manual_start`: the lesson had a staff start audited. Trails from before start sources were
// recorded (schema 9) wrote such a start without "start_source=manual", which the migration then
// set on the row: that is not a difference.
std::vector<Difference> differences(const Fields& audited, const Fields& found, bool manual_start) {
  std::vector<Difference> out;
  for (const char* name : field_order) {
    auto a = shown(audited, name), f = shown(found, name);
    if (a == f) continue;
    bool legacy_manual = std::string(name) == "start_source" && manual_start &&
                         ((a == "(none)" && f == "manual") || (a == "manual" && f == "(none)"));
    if (!legacy_manual) out.push_back({name, a, f});
  }
  return out;
}

std::string rows_of(const LessonTrail& trail) {
  if (trail.audit.size() == 1) return fmt::format("audit row {}", trail.audit.front().id);
  return fmt::format("audit rows {} to {}", trail.audit.front().id, trail.audit.back().id);
}

}  // namespace

Fields described_fields(const std::string& description) {
  Fields fields;
  size_t start = 0;
  bool first = true;
  auto put = [&](const char* name, std::string value) {
    if (value != "-" && !value.empty()) fields[name] = std::move(value);
  };
  while (start < description.size()) {
    auto space = description.find(' ', start);
    if (space == std::string::npos) space = description.size();
    std::string word = description.substr(start, space - start);
    start = space + 1;
    if (word.empty()) continue;
    auto after = [&](const std::string& prefix) -> std::optional<std::string> {
      if (word.rfind(prefix, 0) != 0) return std::nullopt;
      return word.substr(prefix.size());
    };
    if (first) {
      put("status", word);
      first = false;
    } else if (auto v = after("start=")) {
      put("started_at", *v);
    } else if (auto v = after("end=")) {
      put("ended_at", *v);
    } else if (word.size() > 2 && word.front() == '(' && word.back() == ')') {
      put("end_source", word.substr(1, word.size() - 2));
    } else if (auto v = after("start_source=")) {
      put("start_source", *v);
    } else if (auto v = after("presence=")) {
      if (*v != "none") put("presence", *v);
    } else if (auto v = after("teacher_s=")) {
      put("teacher_present_s", *v);
    } else if (auto v = after("together_s=")) {
      put("together_s", *v);
    } else if (auto v = after("teacher_late_s=")) {
      put("teacher_late_s", *v);
    } else {
      fields["other"] += (fields["other"].empty() ? "" : " ") + word;
    }
  }
  return fields;
}

std::vector<TrailFinding> replay_trail(const LessonTrail& trail, int64_t checked_from) {
  std::vector<TrailFinding> out;
  auto id = trail.lesson_id;
  if (!trail.lesson) {
    out.push_back({id, trail.audit.front().id, "", "", "",
                   fmt::format("lesson {} is gone: {} record it, but the lessons table has no row {} (deleted "
                               "behind zoomtrack's back)",
                               id, rows_of(trail), id)});
    return out;
  }
  if (trail.audit.empty()) {
    out.push_back({id, std::nullopt, "", "", "",
                   fmt::format("lesson {} has no audit trail: zoomtrack audits every lesson it creates, so its row "
                               "was written behind zoomtrack's back",
                               id)});
    return out;
  }
  std::optional<Fields> state;  // what the last audited change left
  int64_t state_row = 0;
  bool manual_start = false;
  for (const auto& row : trail.audit) {
    if (row.action == "start") manual_start = true;
    if (row.action != "create" && row.action != "transition") continue;
    if (row.action == "transition" && state && row.id >= checked_from) {
      for (auto& d : differences(*state, described_fields(row.old_value), manual_start)) {
        auto message = fmt::format(
            "lesson {}: audit row {} changed it with {} = {}, but the change before it (audit row {}) left {}: "
            "the lesson was edited behind zoomtrack's back in between",
            id, row.id, d.field, d.found, state_row, d.audited);
        out.push_back({id, row.id, d.field, d.audited, d.found, std::move(message)});
      }
    }
    state = described_fields(row.new_value);
    state_row = row.id;
  }
  if (!state) {
    out.push_back({id, trail.audit.front().id, "", "", "",
                   fmt::format("lesson {}: its {} never record its creation or a change of state", id,
                               rows_of(trail))});
    return out;
  }
  auto now = described_fields(describe(state_of(*trail.lesson)));
  for (auto& d : differences(*state, now, manual_start)) {
    auto message = fmt::format("lesson {}: {} reads {}, but its last audited change (audit row {}) left {}", id,
                               d.field, d.found, state_row, d.audited);
    out.push_back({id, state_row, d.field, d.audited, d.found, std::move(message)});
  }
  return out;
}

}  // namespace zt
