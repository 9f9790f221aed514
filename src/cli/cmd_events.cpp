// `zoomtrack events list`: the stored Zoom webhook deliveries and what became of each.
#include <iostream>

#include "cli/commands.hpp"
#include "core/services/webhook.hpp"
#include "core/util/json_limits.hpp"

namespace zt::cli {
namespace {

struct EventsOptions {
  std::string status;
  FormatFlags format;
};

Table events_table(const std::vector<WebhookEventRecord>& events) {
  Table t;
  t.columns = {"id", "received_at", "event", "meeting_id", "outcome", "lesson_id", "detail"};
  t.numeric = {true, false, false, false, false, true, false};
  for (const auto& e : events) {
    t.rows.push_back({std::to_string(e.id), format_utc(e.received_at), e.event, e.meeting_id, e.outcome,
                      e.lesson_id ? std::to_string(*e.lesson_id) : "", e.detail});
  }
  return t;
}

void list_events(Context& ctx, const EventsOptions& o) {
  auto events = ctx.store().list_webhook_events(o.status, false);
  if (o.format.json) {
    std::cout << json_text(nlohmann::json(events), 2) << "\n";
    return;
  }
  write_table(std::cout, events_table(events), o.format.format());
}

}  // namespace

void add_events_command(CLI::App& app, Context& ctx) {
  auto* events = app.add_subcommand("events", "stored Zoom webhook events");
  events->require_subcommand(1);
  events->footer("Example:\n  zoomtrack events list --status unmatched");
  auto o = std::make_shared<EventsOptions>();
  auto* list = events->add_subcommand("list", "list stored webhook events, oldest first");
  list->add_option("--status", o->status, "only this outcome: received, applied, unmatched, ignored, duplicate or error")
      ->check(CLI::IsMember(webhook_outcomes()));
  add_format_flags(*list, o->format);
  list->footer("Examples:\n  zoomtrack events list --status unmatched\n  zoomtrack events list --json");
  list->callback([&ctx, o] { list_events(ctx, *o); });
}

}  // namespace zt::cli
