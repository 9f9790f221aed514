#pragma once
// `zoomtrack reconcile`: what only time (or Zoom's own records) can settle. Safe to run every
// minute next to `serve`: each lesson changes in its own short transaction, re-derived from what
// is stored at that moment, so a click or checkout that lands meanwhile is never lost.
#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/services/lesson_service.hpp"
#include "core/rules/zoom_api.hpp"

namespace zt {

inline constexpr Seconds default_stale_after{4 * 3600};

struct ReconcileOptions {
  Seconds stale_after = default_stale_after;
  bool dry_run = false;  // plan exactly as a real run would, write nothing
  // Set: ask Zoom for the teacher's leave time of lessons that lack a trustworthy end.
  ZoomApi* zoom_api = nullptr;
  // Called after each lesson checked with Zoom: (done, total).
  std::function<void(size_t, size_t)> progress;
};

struct ReconcileChange {
  int64_t lesson_id = 0;
  LessonStatus from = LessonStatus::created;
  LessonStatus to = LessonStatus::created;
  std::string reason;
  std::optional<TimePoint> ended_at;
  std::optional<EndSource> end_source;
};

// A stored webhook event applied again because a lesson for its meeting exists now (it was
// `unmatched`), or because serve stopped between storing and applying it (`received`).
struct RetriedEvent {
  int64_t event_id = 0;
  std::string from;  // the outcome it had
  std::string to;    // the outcome it has now; in a dry run, "retry"
  std::optional<int64_t> lesson_id;
};

// A lesson reconcile could not settle, for a person to look at.
struct ReconcileProblem {
  int64_t lesson_id = 0;
  std::string message;
};

struct ReconcileResult {
  bool dry_run = false;
  size_t replayed_clicks = 0;  // from the click spool
  // Spooled clicks that could not be stored, moved to the rejected file; their first reasons.
  size_t rejected_clicks = 0;
  std::vector<std::string> rejections;
  std::string rejected_file;
  std::vector<RetriedEvent> retried_events;
  std::vector<ReconcileChange> changes;
  std::vector<ReconcileProblem> problems;
  size_t zoom_api_checked = 0;
  // Why the Zoom step stopped before its last lesson (network down, credentials refused).
  std::optional<std::string> zoom_api_stopped;
};

ReconcileResult reconcile(LessonService& service, const ReconcileOptions& options);

// "lesson 12: ended -> final (grace period over)"
std::string describe(const ReconcileChange& change);
std::string describe(const RetriedEvent& event);
void to_json(nlohmann::json& j, const ReconcileChange& change);
void to_json(nlohmann::json& j, const ReconcileResult& result);

}  // namespace zt
