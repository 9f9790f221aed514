#include "core/services/reconcile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <nlohmann/json.hpp>

#include "core/services/webhook.hpp"

namespace zt {
namespace {

// What one lesson should become now, from its stored facts plus anything Zoom told us.
struct LessonPlan {
  LessonState next;
  std::string source;  // for the audit trail: "reconcile" or "zoom_api"
  std::string reason;
};

// A booked lesson nobody clicked for, whose time has come in the last two days: Zoom's records
// may show its student joined from a saved link (a start from Zoom) or its teacher waiting.
bool booked_and_unclicked(const Lesson& lesson, TimePoint now) {
  return lesson.scheduled_at && *lesson.scheduled_at <= now && now - *lesson.scheduled_at <= std::chrono::days{2};
}

bool asks_zoom(const Lesson& lesson, TimePoint now) {
  switch (lesson.status) {
    case LessonStatus::created: return booked_and_unclicked(lesson, now);
    case LessonStatus::active:
    case LessonStatus::needs_review: return lesson.started_at.has_value();
    // Zoom's record outranks our checkout page and a staff estimate, so it may still upgrade
    // them before the lesson is final.
    case LessonStatus::ended:
      return lesson.end_source && *lesson.end_source != EndSource::handover &&
             !comes_from_zoom(*lesson.end_source);
    default: return false;
  }
}

std::string reason_for(const Lesson& before, const LessonState& next, TimePoint now,
                       Seconds grace, Seconds stale_after) {
  if (next.status == LessonStatus::expired) {
    return fmt::format("never clicked before it expired at {}", format_utc(before.expires_at));
  }
  if (next.status == LessonStatus::no_show) {
    return fmt::format("no-show: the teacher waited {} in the meeting; the student never came",
                       format_duration(Seconds{next.presence.teacher_present_s.value_or(0)}));
  }
  if (next.status == LessonStatus::needs_review) {
    return fmt::format("no end signal {} after the start", format_duration(stale_after));
  }
  if (next.end_source == EndSource::zoom_api && before.end_source != EndSource::zoom_api) {
    return "end from Zoom's participant records";
  }
  if (before.status == LessonStatus::ended && next.status == LessonStatus::final) {
    return next.ended_at && now >= *next.ended_at + grace ? "grace period over" : "Zoom says the meeting ended";
  }
  return "re-derived from the stored signals";
}

// The no-show rule (no_show_after): a booked lesson that did not start, whose teacher was in the
// meeting that long in its window and has left it (or the window is over), while nobody who
// counts as its student came. Returns the teacher's wait.
std::optional<int64_t> no_show_wait(LessonService& service, const Lesson& lesson, const LessonState& next) {
  auto after = service.options().pay_policy.no_show_after;
  if (!after || lesson.status != LessonStatus::created || next.started_at) return std::nullopt;
  auto wait = service.teacher_wait(lesson);
  if (!wait || wait->waited_s < after->count() || (wait->still_in && !wait->window_over)) return std::nullopt;
  return wait->waited_s;
}

// The one place that decides: used to print a dry run and, inside the transaction, to apply.
LessonPlan plan_lesson(LessonService& service, const Lesson& lesson, const std::vector<Segment>& from_zoom,
                       Seconds stale_after) {
  auto now = service.clock().now();
  auto facts = service.facts_for(lesson);
  for (auto segment : from_zoom) {
    if (!is_teacher(segment, lesson.teacher_zoom_email, lesson.teacher_name)) continue;
    // As Store::segments_between does: a connection after the next lesson's start is not ours.
    if (facts.next_start && segment.join_time && *segment.join_time >= *facts.next_start) continue;
    segment.is_host = true;
    facts.teacher_segments.push_back(std::move(segment));
  }
  LessonPlan plan;
  plan.next = resolve_lesson(lesson, facts, now, service.options().grace);
  if (auto waited = no_show_wait(service, lesson, plan.next)) {
    plan.next.status = LessonStatus::no_show;
    plan.next.presence = Presence{};
    plan.next.presence.teacher_present_s = *waited;
  } else if (link_expired(lesson, now)) {
    plan.next.status = LessonStatus::expired;
  }
  if (is_stale(plan.next, now, stale_after)) plan.next.status = LessonStatus::needs_review;
  plan.source = from_zoom.empty() ? "reconcile" : "zoom_api";
  plan.reason = reason_for(lesson, plan.next, now, service.options().grace, stale_after);
  return plan;
}

ReconcileChange change_between(const Lesson& before, const LessonState& after, const std::string& reason) {
  return {before.id, before.status, after.status, reason, after.ended_at, after.end_source};
}

// One short transaction per lesson: serve is never blocked for long, and the lesson is re-read
// inside it, so whatever serve wrote meanwhile is part of the decision.
std::optional<ReconcileChange> apply_lesson(LessonService& service, int64_t id,
                                            const std::vector<Segment>& from_zoom, Seconds stale_after) {
  std::optional<ReconcileChange> change;
  auto& store = service.store();
  store.write([&] {
    auto lesson = store.find_lesson(id);
    if (!lesson) return;
    for (const auto& segment : from_zoom) store.record_segment(lesson->meeting_id, segment);
    auto plan = plan_lesson(service, *lesson, {}, stale_after);
    if (plan.next == state_of(*lesson)) return;
    Cause cause{from_zoom.empty() ? "reconcile" : "zoom_api", plan.reason, "reconcile"};
    auto after = service.refresh(*lesson, cause);
    // Expiry and staleness are decided by time alone, which refresh does not look at.
    if (after.status != plan.next.status && (plan.next.status == LessonStatus::expired ||
                                             plan.next.status == LessonStatus::needs_review)) {
      after = service.set_status(after, plan.next.status, cause);
    }
    if (after.status != plan.next.status && plan.next.status == LessonStatus::no_show) {
      after = service.set_no_show(after, plan.next.presence.teacher_present_s.value_or(0), cause);
    }
    if (state_of(after) != state_of(*lesson)) change = change_between(*lesson, state_of(after), plan.reason);
  });
  return change;
}

Segment segment_from(const ZoomParticipant& p, const ZoomPastMeeting& meeting) {
  Segment s;
  s.source = "zoom_api";
  s.meeting_uuid = meeting.uuid;
  // Each rejoin is its own record; the record id alone repeats across them.
  s.connection_id = fmt::format("{}@{}", p.id.empty() ? p.user_id : p.id, format_utc(p.join_time));
  s.participant_id = p.id;
  s.host_id = meeting.host_id;
  s.email = p.user_email;
  s.name = p.name;
  s.join_time = p.join_time;
  s.leave_time = p.leave_time;
  return s;
}

// Every participant's connections in the instance the lesson was held in (its start, or for a
// lesson nobody clicked for, its booked time): the teacher's end the lesson, the others are its
// student's presence.
std::vector<Segment> fetch_from_zoom(ZoomApi& api, const Lesson& lesson) {
  auto held_at = lesson.started_at ? *lesson.started_at : *lesson.scheduled_at;
  auto instance = instance_for_lesson(api.past_instances(lesson.meeting_id), held_at);
  // No finished instance listed: the numeric id means Zoom's latest instance.
  auto target = instance ? instance->uuid : lesson.meeting_id;
  auto meeting = api.past_meeting(target);
  if (meeting.uuid.empty()) meeting.uuid = target;
  std::vector<Segment> segments;
  for (const auto& participant : api.participants(target)) {
    segments.push_back(segment_from(participant, meeting));
  }
  return segments;
}

// Lessons that time or Zoom may still change, by id, one page at a time: memory stays flat.
void for_each_open_lesson(Store& store, const std::function<void(const Lesson&)>& visit) {
  std::vector<int64_t> ids;
  for (auto status : {LessonStatus::created, LessonStatus::active, LessonStatus::ended,
                      LessonStatus::needs_review}) {
    for (int64_t after = 0;;) {
      auto page = store.lesson_ids_with_status(status, after, 10000);
      if (page.empty()) break;
      after = page.back();
      ids.insert(ids.end(), page.begin(), page.end());
    }
  }
  std::sort(ids.begin(), ids.end());
  for (auto id : ids) {
    if (auto lesson = store.find_lesson(id)) visit(*lesson);
  }
}

// A write holds SQLite's lock for every other writer (serve's clicks): each batch of lessons
// ends when it has taken this long, and the next waits a moment, so that writers waiting for the
// lock (they look every millisecond) take it between batches.
constexpr std::chrono::milliseconds batch_budget{50};
constexpr std::chrono::milliseconds pause_between_batches{10};

// Applies the planned lessons in short transactions, each lesson re-planned inside its batch.
void apply_in_batches(LessonService& service, const std::vector<int64_t>& ids, Seconds stale_after,
                      std::vector<ReconcileChange>& changes) {
  for (size_t next = 0; next < ids.size();) {
    size_t begin = next;
    std::vector<ReconcileChange> batch;
    service.store().write([&] {
      next = begin;
      batch.clear();
      auto started = std::chrono::steady_clock::now();
      do {
        if (auto change = apply_lesson(service, ids[next], {}, stale_after)) batch.push_back(*change);
        ++next;
      } while (next < ids.size() && std::chrono::steady_clock::now() - started < batch_budget);
    });
    changes.insert(changes.end(), batch.begin(), batch.end());
    if (next < ids.size()) std::this_thread::sleep_for(pause_between_batches);
  }
}

// Zoom's records go through the same rule as webhooks: a time ahead of our clock never counts.
std::vector<Segment> believable(std::vector<Segment> segments, TimePoint now, int64_t lesson_id,
                                std::vector<ReconcileProblem>& problems) {
  std::erase_if(segments, [&](const Segment& s) {
    for (const auto& t : {s.join_time, s.leave_time}) {
      if (!t) continue;
      try {
        check_not_in_future(*t, now, "Zoom's participant record time");
      } catch (const Error& e) {
        problems.push_back({lesson_id, e.what()});
        return true;
      }
    }
    return false;
  });
  return segments;
}

// An event is worth another try once a lesson exists for its meeting, or when it was stored but
// never applied (serve stopped in between; the grace minute keeps us off serve's own work).
std::vector<RetriedEvent> retry_stored_events(LessonService& service, bool dry_run) {
  auto& store = service.store();
  WebhookIngest ingest(service, WebhookOptions{});
  std::vector<RetriedEvent> retried;
  auto settle_before = service.clock().now() - std::chrono::minutes{1};
  for (const char* outcome : {"unmatched", "received"}) {
    for (const auto& event : store.list_webhook_events(outcome, false)) {
      bool ready = std::string(outcome) == "received" ? event.received_at <= settle_before
                                                      : store.has_lessons_on_meeting(event.meeting_id);
      if (!ready) continue;
      if (dry_run) {
        retried.push_back({event.id, outcome, "retry", std::nullopt});
        continue;
      }
      auto applied = ingest.apply_stored_event(event.id);
      // Still unmatched (a meeting.ended with no lesson near it): nothing changed, nothing to say.
      if (applied.outcome == "unmatched" && std::string(outcome) == "unmatched") continue;
      retried.push_back({event.id, outcome, applied.outcome, applied.lesson_id});
    }
  }
  return retried;
}

}  // namespace

ReconcileResult reconcile(LessonService& service, const ReconcileOptions& options) {
  ReconcileResult result;
  result.dry_run = options.dry_run;
  // Clicks spooled while the database could not write come first: they may start lessons.
  if (!options.dry_run) {
    auto replay = service.replay_spool();
    result.replayed_clicks = replay.stored;
    result.rejected_clicks = replay.rejected;
    result.rejections = std::move(replay.rejections);
    result.rejected_file = service.rejected_spool_path();
  }
  // Before the time rules run, so that a late match gives a lesson its webhook end first.
  result.retried_events = retry_stored_events(service, options.dry_run);
  // Planned without a lock; only the lessons with something to write take the write lock, in
  // short batches, and each is planned again inside its transaction.
  std::vector<int64_t> to_apply;
  std::vector<Lesson> for_zoom;
  for_each_open_lesson(service.store(), [&](const Lesson& lesson) {
    if (options.zoom_api && asks_zoom(lesson, service.clock().now())) {
      for_zoom.push_back(lesson);
      return;
    }
    auto plan = plan_lesson(service, lesson, {}, options.stale_after);
    if (plan.next == state_of(lesson)) return;
    if (options.dry_run) result.changes.push_back(change_between(lesson, plan.next, plan.reason));
    else to_apply.push_back(lesson.id);
  });
  for (const auto& lesson : for_zoom) {
    std::vector<Segment> from_zoom;
    if (!result.zoom_api_stopped) {
      try {
        from_zoom = believable(fetch_from_zoom(*options.zoom_api, lesson), service.clock().now(),
                               lesson.id, result.problems);
      } catch (const ZoomApiError& e) {
        if (e.stops_the_run()) result.zoom_api_stopped = e.what();
        else result.problems.push_back({lesson.id, e.what()});
      }
      ++result.zoom_api_checked;
      if (options.progress) options.progress(result.zoom_api_checked, for_zoom.size());
    }
    auto plan = plan_lesson(service, lesson, from_zoom, options.stale_after);
    std::optional<ReconcileChange> change;
    if (options.dry_run) {
      if (plan.next != state_of(lesson)) change = change_between(lesson, plan.next, plan.reason);
    } else if (plan.next != state_of(lesson) || !from_zoom.empty()) {
      change = apply_lesson(service, lesson.id, from_zoom, options.stale_after);
    }
    if (change) result.changes.push_back(*change);
  }
  apply_in_batches(service, to_apply, options.stale_after, result.changes);
  std::sort(result.changes.begin(), result.changes.end(),
            [](const auto& a, const auto& b) { return a.lesson_id < b.lesson_id; });
  return result;
}

std::string describe(const ReconcileChange& c) {
  auto text = fmt::format("lesson {}: {} -> {} ({})", c.lesson_id, to_string(c.from), to_string(c.to), c.reason);
  if (c.ended_at && c.end_source) {
    text += fmt::format("; end {} from {}", format_utc(c.ended_at), to_string(*c.end_source));
  }
  return text;
}

std::string describe(const RetriedEvent& e) {
  auto text = fmt::format("webhook event {}: {} -> {}", e.event_id, e.from, e.to);
  if (e.lesson_id) text += fmt::format(" (lesson {})", *e.lesson_id);
  return text;
}

void to_json(nlohmann::json& j, const ReconcileChange& c) {
  j = {{"id", c.lesson_id},
       {"from", to_string(c.from)},
       {"to", to_string(c.to)},
       {"reason", c.reason},
       {"ended_at", c.ended_at ? nlohmann::json(format_utc(*c.ended_at)) : nlohmann::json(nullptr)},
       {"end_source", c.end_source ? nlohmann::json(to_string(*c.end_source)) : nlohmann::json(nullptr)}};
}

void to_json(nlohmann::json& j, const ReconcileResult& r) {
  nlohmann::json summary = {{"changes", r.changes.size()}, {"final", 0}, {"needs_review", 0},
                            {"expired", 0}, {"no_show", 0}, {"zoom_api_checked", r.zoom_api_checked}};
  for (const auto& c : r.changes) summary[to_string(c.to)] = summary.value(to_string(c.to), 0) + 1;
  auto problems = nlohmann::json::array();
  for (const auto& p : r.problems) problems.push_back({{"id", p.lesson_id}, {"problem", p.message}});
  summary["problems"] = problems;
  summary["zoom_api_stopped"] = r.zoom_api_stopped ? nlohmann::json(*r.zoom_api_stopped) : nlohmann::json(nullptr);
  auto retried = nlohmann::json::array();
  for (const auto& e : r.retried_events) {
    retried.push_back({{"event_id", e.event_id}, {"from", e.from}, {"to", e.to},
                       {"lesson_id", e.lesson_id ? nlohmann::json(*e.lesson_id) : nlohmann::json(nullptr)}});
  }
  summary["retried_events"] = r.retried_events.size();
  summary["replayed_clicks"] = r.replayed_clicks;
  summary["rejected_clicks"] = r.rejected_clicks;
  j = {{"dry_run", r.dry_run}, {"retried_events", retried}, {"changes", r.changes}, {"summary", summary}};
  if (r.rejected_clicks > 0) j["rejected_clicks"] = {{"file", r.rejected_file}, {"reasons", r.rejections}};
}

}  // namespace zt
