// `zoomtrack webhook send`: an operator's test tool that signs and POSTs a realistic Zoom event.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "core/util/error.hpp"
#include "core/util/user_files.hpp"
#include "core/services/webhook.hpp"
#include "http/webhook_client.hpp"

namespace zt::cli {
namespace {

struct SendOptions {
  std::string event, meeting, at, to, uuid, topic, name, email, leave_reason, connection_id, body_file;
  bool host = false;
  std::optional<std::string> secret_file;
};

// Big enough to test serve's own limit (1 MiB) from both sides; not an endless device.
constexpr size_t max_body_file_bytes = 64 * 1024 * 1024;

std::string read_body_file(const std::string& path) {
  return read_small_file(path, max_body_file_bytes, "--body-file", "give a file holding one delivery's body");
}

// Secrets come from the environment or a file, never from a flag value.
std::string configured_secret(const Config& config) {
  auto secret = effective_webhook_secret(config).value;
  if (!secret.empty()) return secret;
  throw Error(ErrorCode::invalid_argument, "no webhook secret to sign with",
              "set ZOOMTRACK_WEBHOOK_SECRET or --webhook-secret-file (the same secret serve uses)");
}

// The local serve: a wildcard listen address is reached on loopback.
std::string default_url(const std::string& listen) {
  auto colon = listen.rfind(':');
  auto host = listen.substr(0, colon);
  auto port = colon == std::string::npos ? std::string("8080") : listen.substr(colon + 1);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]" || host == "::") host = "[::1]";
  return fmt::format("http://{}:{}/webhooks/zoom", host, port);
}

std::string build_body(Context& ctx, const SendOptions& o) {
  if (!o.body_file.empty()) return read_body_file(o.body_file);
  if (o.event.empty() || o.meeting.empty()) {
    throw Error(ErrorCode::invalid_argument, "EVENT and --meeting are required (or give --body-file)");
  }
  ZoomEventSpec spec{o.event, o.meeting, ctx.clock().now(), o.host, o.uuid, o.topic, o.name,
                     o.email, o.connection_id, o.leave_reason};
  if (!o.at.empty()) spec.at = parse_time_arg(o.at, ctx.time_zone());
  return build_zoom_event(spec);
}

// Zoom gets a 200 for an event that was stored but changed nothing (or it would retry it for
// days); an operator testing the endpoint needs to see that as a failure.
void refuse_unapplied(const std::string& answer) {
  auto body = nlohmann::json::parse(answer, nullptr, false);
  if (!body.is_object()) return;
  auto status = body.value("status", std::string());
  auto detail = body.value("detail", std::string());
  auto event = body.contains("event_id") ? body["event_id"].dump() : std::string("?");
  if (status == "error") {
    throw Error(ErrorCode::runtime, fmt::format("event {} was stored as an error: {}", event, detail),
                "see 'zoomtrack events list --status error'");
  }
  if (status == "unmatched") {
    throw Error(ErrorCode::not_found, fmt::format("event {} matched no lesson: {}", event, detail),
                "create the lesson with that meeting's Zoom URL first");
  }
}

void send(Context& ctx, const SendOptions& o) {
  const auto& config = ctx.config({{"webhook_secret_file", o.secret_file}});
  auto body = build_body(ctx, o);
  auto secret = configured_secret(config);
  auto timestamp = std::to_string(ctx.clock().now().time_since_epoch().count());
  auto url = o.to.empty() ? default_url(config.get("listen")) : o.to;
  auto answer = http::post_signed_webhook({url, body, timestamp, zoom_signature(secret, timestamp, body)});
  std::cout << "HTTP " << answer.status << "\n" << answer.body;
  if (!answer.body.empty() && answer.body.back() != '\n') std::cout << "\n";
  std::cout.flush();
  if (answer.status < 200 || answer.status > 299) {
    throw Error(ErrorCode::runtime, fmt::format("{} answered HTTP {}", url, answer.status),
                answer.status == 401 ? "do serve and this command use the same webhook secret?" : "");
  }
  refuse_unapplied(answer.body);
}

void add_send(CLI::App& webhook, Context& ctx) {
  auto o = std::make_shared<SendOptions>();
  auto* cmd = webhook.add_subcommand("send", "sign with the configured secret and POST a realistic Zoom event");
  auto* event = cmd->add_option("event", o->event, "meeting.started, meeting.ended, meeting.participant_joined "
                                                   "or meeting.participant_left")
                    ->check(CLI::IsMember(sendable_zoom_events()));
  auto* meeting = cmd->add_option("--meeting", o->meeting, "Zoom meeting number (the digits in /j/...)");
  cmd->add_option("--at", o->at, "when it happened: join, leave or end time (ISO 8601, default now)");
  cmd->add_flag("--host", o->host, "the participant is the meeting's host (participant.id == host_id)");
  cmd->add_option("--to", o->to, "webhook URL (default http://<listen setting>/webhooks/zoom)");
  cmd->add_option("--uuid", o->uuid, "meeting instance UUID (default derived from the meeting number)");
  cmd->add_option("--topic", o->topic, "meeting topic (default 'Lesson')");
  cmd->add_option("--participant-name", o->name, "participant display name (default Teacher or Student)");
  cmd->add_option("--participant-email", o->email, "participant email (default empty, as for guests)");
  cmd->add_option("--connection-id", o->connection_id, "participant user_id: a new one is a new connection (rejoin)");
  cmd->add_option("--leave-reason", o->leave_reason, "leave_reason text, e.g. 'left the meeting. Reason : join breakout room'");
  auto* body = cmd->add_option("--body-file", o->body_file, "send this file's exact bytes instead of building an event")->type_name("FILE");
  cmd->add_option("--webhook-secret-file", o->secret_file, "file with the webhook secret (else ZOOMTRACK_WEBHOOK_SECRET)")->type_name("FILE");
  body->excludes(event)->excludes(meeting);
  cmd->footer(
      "Prints the HTTP status and the answer. Exits 0 when the event was applied, ignored or a duplicate;\n"
      "1 on a non-2xx answer or an event stored as an error (the reason is on stderr); 3 when it matched no lesson.\n"
      "Examples:\n"
      "  ZOOMTRACK_WEBHOOK_SECRET=... zoomtrack webhook send meeting.participant_joined --meeting 86431910364 --host\n"
      "  zoomtrack webhook send meeting.participant_left --meeting 86431910364 --host --at 2026-11-25T10:00:00Z\n"
      "  zoomtrack webhook send meeting.ended --meeting 86431910364 --to https://lessons.example.org/webhooks/zoom\n"
      "  zoomtrack webhook send --body-file captured.json");
  cmd->callback([&ctx, o] { send(ctx, *o); });
}

}  // namespace

void add_webhook_command(CLI::App& app, Context& ctx) {
  auto* webhook = app.add_subcommand("webhook", "test the Zoom webhook endpoint");
  webhook->require_subcommand(1);
  webhook->footer("Example:\n  zoomtrack webhook send meeting.participant_left --meeting 86431910364 --host");
  add_send(*webhook, ctx);
}

}  // namespace zt::cli
