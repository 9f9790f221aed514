#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <map>

#include "cli/commands.hpp"
#include "core/util/error.hpp"
#include "cli/telegram.hpp"
#include "core/services/reconcile.hpp"
#include "core/util/text.hpp"
#include "http/zoom_api_client.hpp"
#include "core/util/json_limits.hpp"

namespace zt::cli {
namespace {

// reconcile sends the Telegram outbox for at most this long: it runs from cron every minute.
constexpr auto telegram_drain_limit = std::chrono::seconds{40};

struct ReconcileFlags {
  std::optional<std::string> grace, stale_after, max_lesson, telegram_token_file, spool;
  bool zoom_api = false;
  bool dry_run = false;
  bool json = false;
};

std::unique_ptr<ZoomApi> zoom_api_from(const Config& config) {
  http::ZoomApiSettings s;
  s.api_base = config.get("zoom_api_base");
  s.oauth_url = config.get("zoom_oauth_url");
  s.account_id = config.get("zoom_account_id");
  s.client_id = config.get("zoom_client_id");
  s.client_secret = config.get("zoom_client_secret");
  return http::make_zoom_api_client(s);
}

std::string summary_line(const ReconcileResult& r) {
  if (r.changes.empty() && r.retried_events.empty()) {
    return r.dry_run ? "dry run: nothing to change" : "nothing to change";
  }
  std::map<std::string, int> by_status;
  for (const auto& c : r.changes) ++by_status[to_string(c.to)];
  std::string counts;
  for (const auto& [status, n] : by_status) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, status);
  if (!r.retried_events.empty()) {
    counts += fmt::format("{}{} webhook event(s) retried", counts.empty() ? "" : ", ", r.retried_events.size());
  }
  if (r.dry_run) return fmt::format("dry run: {} change(s) planned ({}); nothing written", r.changes.size(), counts);
  return fmt::format("{} change(s): {}", r.changes.size(), counts);
}

// Sends what waits in the Telegram outbox, for a bounded time; nothing without a bot token.
std::optional<TelegramDrainResult> send_telegram_outbox(Context& ctx, bool dry_run) {
  auto telegram = dry_run ? nullptr : TelegramSender::if_configured(ctx);
  if (!telegram) {
    auto queued = ctx.store().count_queued_telegram_deliveries();
    if (queued > 0) {
      std::cerr << fmt::format("zoomtrack: warning: {} Telegram message(s) wait in the outbox{}\n", queued,
                               dry_run ? "" : "; set ZOOMTRACK_TELEGRAM_TOKEN to send them");
    }
    return std::nullopt;
  }
  auto result = telegram->outbox().drain(telegram->pace().now() + telegram_drain_limit);
  if (!result.stopped_because.empty()) {
    std::cerr << "zoomtrack: warning: Telegram: " << terminal_safe(result.stopped_because) << "\n";
  }
  return result;
}

// Never quiet: a spooled click that could not be stored is a student's click someone must look at.
void warn_rejected_clicks(const ReconcileResult& r) {
  if (r.rejected_clicks == 0) return;
  std::cerr << fmt::format("zoomtrack: warning: {} spooled click(s) could not be stored; moved to {} with the reason\n",
                           r.rejected_clicks, r.rejected_file);
  for (const auto& why : r.rejections) std::cerr << "zoomtrack: warning: " << terminal_safe(why) << "\n";
}

void print_result(const Context& ctx, const ReconcileResult& r, const std::optional<TelegramDrainResult>& telegram,
                  bool json) {
  for (const auto& p : r.problems) std::cerr << fmt::format("zoomtrack: warning: lesson {}: {}\n", p.lesson_id, p.message);
  warn_rejected_clicks(r);
  if (json) {
    nlohmann::json j = r;
    if (telegram) j["telegram"] = {{"sent", telegram->sent}, {"failed", telegram->failed}, {"retrying", telegram->retrying}};
    std::cout << json_text(j, 2) << "\n";
    return;
  }
  // For cron: --quiet prints nothing when all went well; the audit trail keeps every change.
  if (ctx.quiet()) return;
  for (const auto& e : r.retried_events) std::cout << describe(e) << "\n";
  for (const auto& c : r.changes) std::cout << describe(c) << "\n";
  std::cout << summary_line(r) << "\n";
  if (telegram && telegram->sent + telegram->failed + telegram->retrying > 0) {
    std::cout << fmt::format("telegram: {} sent, {} failed, {} to retry\n", telegram->sent, telegram->failed,
                             telegram->retrying);
  }
}

void run_reconcile(Context& ctx, const ReconcileFlags& f) {
  const auto& config = ctx.config({{"grace", f.grace}, {"spool", f.spool}, {"stale_after", f.stale_after}, {"max_lesson", f.max_lesson},
                                   {"telegram_token_file", f.telegram_token_file}});
  ReconcileOptions options;
  options.stale_after = config.parsed("stale_after", parse_duration);
  options.dry_run = f.dry_run;
  std::unique_ptr<ZoomApi> zoom;
  if (f.zoom_api) {
    zoom = zoom_api_from(config);
    options.zoom_api = zoom.get();
    if (!ctx.quiet() && ::isatty(2)) {
      options.progress = [](size_t done, size_t total) {
        std::cerr << fmt::format("\rzoom api: {}/{} lessons", done, total) << (done == total ? "\n" : "") << std::flush;
      };
    }
  }
  // Runs never overlap, on one machine or several: a second run waits for the first, as long as a
  // write would wait for a lock, then leaves the work to it.
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(config.parsed("busy_timeout", parse_duration));
  auto run = ctx.store().lock_run("reconcile", wait);
  if (!run) {
    if (!ctx.quiet()) std::cerr << "zoomtrack: another reconcile is running on this database; this one did nothing\n";
    return;
  }
  auto result = reconcile(ctx.lessons(), options);
  auto telegram = send_telegram_outbox(ctx, f.dry_run);
  print_result(ctx, result, telegram, f.json);
  if (result.zoom_api_stopped) {
    throw Error(ErrorCode::unavailable, *result.zoom_api_stopped + "; the lessons not yet checked were left as they were",
                "run 'zoomtrack reconcile --zoom-api' again later");
  }
}

}  // namespace

void add_reconcile_command(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<ReconcileFlags>();
  auto* cmd = app.add_subcommand("reconcile", "settle lessons that only time or Zoom's records can settle");
  cmd->add_option("--spool", f->spool, "the click spool to replay (env ZOOMTRACK_SPOOL; default beside a SQLite database)")
      ->type_name("FILE");
  cmd->add_option("--grace", f->grace, "an end becomes final this long after it (env ZOOMTRACK_GRACE, default 10m)");
  cmd->add_option("--max-lesson", f->max_lesson, "a longer lesson goes to needs_review (env ZOOMTRACK_MAX_LESSON, default 6h)");
  cmd->add_option("--stale-after", f->stale_after,
                  "a started lesson with no end this long after its start needs review (env ZOOMTRACK_STALE_AFTER, default 4h)");
  cmd->add_flag("--zoom-api", f->zoom_api,
                "ask Zoom's past-meeting participants for missing ends (needs ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET)");
  add_telegram_token_flag(*cmd, f->telegram_token_file);
  cmd->add_flag("--dry-run", f->dry_run, "print what would change; write nothing");
  cmd->add_flag("--json", f->json, "print one JSON document");
  cmd->footer(
      "Examples:\n"
      "  zoomtrack reconcile --dry-run\n"
      "  zoomtrack --db /var/lib/zoomtrack/zoomtrack.db reconcile --quiet        # cron, every minute\n"
      "  zoomtrack reconcile --zoom-api --json                                  # nightly");
  cmd->callback([&ctx, f] { run_reconcile(ctx, *f); });
}

}  // namespace zt::cli
