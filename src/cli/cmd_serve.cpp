#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/commands.hpp"
#include "cli/numbers.hpp"
#include "cli/telegram.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "core/services/webhook.hpp"
#include "http/server.hpp"

namespace zt::cli {
namespace {

struct ServeOptions {
  std::optional<std::string> listen, base_url, tls_cert, tls_key, trusted_proxy, log_format,
      webhook_secret_file, webhook_max_age, grace, max_lesson, telegram_token_file, spool;
  // Not a config setting: an operator's knob (and the tests' way to see the limit work quickly).
  std::string header_timeout = "10s";
  std::string max_connections = "10000", max_connections_per_client = "1000";
};

std::pair<std::string, int> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = static_cast<int>(parse_decimal(std::string_view(listen).substr(colon + 1), "port", 0, 65535));
    } catch (const Error&) {
    }
  }
  if (colon == std::string::npos || colon == 0 || port < 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("'{}' is not HOST:PORT with a decimal port from 0 to 65535", listen),
                "give it like 127.0.0.1:8080; port 0 picks a free one");
  }
  auto host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, port};
}

http::ServerOptions server_options(Context& ctx, const ServeOptions& o) {
  const auto& config = ctx.config();
  http::ServerOptions options;
  try {
    options.header_timeout = parse_duration(o.header_timeout);
  } catch (const Error& e) {
    throw Error(ErrorCode::invalid_argument, std::string("--header-timeout: ") + e.what(), e.hint());
  }
  if (options.header_timeout < Seconds(1) || options.header_timeout > Seconds(3600)) {
    throw Error(ErrorCode::invalid_argument, "--header-timeout must be between 1s and 1h");
  }
  options.max_connections =
      static_cast<size_t>(parse_decimal(o.max_connections, "--max-connections", 16, 1'000'000));
  options.max_connections_per_client =
      static_cast<size_t>(parse_decimal(o.max_connections_per_client, "--max-connections-per-client", 1, 1'000'000));
  std::tie(options.host, options.port) = config.parsed("listen", parse_listen);
  options.tls_cert = config.get("tls_cert");
  options.tls_key = config.get("tls_key");
  options.trusted_proxy = config.get("trusted_proxy");
  options.time_zone = ctx.time_zone();
  options.zoom_name_tag = zoom_name_tag_on(config);
  options.json_logs = config.parsed("log_format", [](const std::string& format) {
    if (format != "text" && format != "json") {
      throw Error(ErrorCode::invalid_argument, fmt::format("log format '{}' is neither text nor json", format),
                  "give text or json");
    }
    return format == "json";
  });
  options.log_requests = !ctx.quiet();
  options.webhook_max_age = config.parsed("webhook_max_age", parse_duration);
  return options;
}

// Room kept allocated for the click spool: about 15,000 clicks.
constexpr size_t spool_reserve_bytes = 4 * 1024 * 1024;

// Stores spooled clicks as soon as the database takes writes again: checks once a second. Every
// few seconds it also learns the links created since (by any process): their clicks reach Zoom
// even while the database cannot be read.
class SpoolReplayer {
 public:
  explicit SpoolReplayer(LessonService& lessons) : thread_([this, &lessons] { run(lessons); }) {}
  ~SpoolReplayer() { stop(); }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run(LessonService& lessons) {
    std::unique_lock lock(mutex_);
    for (int tick = 0;; ++tick) {
      if (tick % 5 == 0) {
        try {
          lessons.remember_recent_links();
        } catch (const Error&) {
          // The database cannot be read now: the links learnt so far stay.
        }
      }
      if (wake_.wait_for(lock, std::chrono::seconds{1}, [this] { return stopping_; })) break;
      if (lessons.spooled_clicks() == 0 && lessons.spool_reserve_held()) continue;
      try {
        auto replayed = lessons.replay_spool();
        if (replayed.stored + replayed.rejected > 0) {
          std::cerr << fmt::format("zoomtrack: replayed {} spooled clicks into the database ({} rejected)\n",
                                   replayed.stored, replayed.rejected);
        }
      } catch (const Error&) {
        // Still cannot write: the clicks stay spooled (or held) and /healthz says so.
      }
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Sends the Telegram outbox in the background, on its own thread: a click never waits for
// Telegram, and a Telegram outage only leaves messages queued. Checks once a second.
class TelegramDrainer {
 public:
  TelegramDrainer(TelegramSender& telegram, const Clock& clock, bool log) : telegram_(telegram) {
    if (log) {
      telegram_.outbox().set_attempt_hook([&clock](const TelegramDelivery& d) {
        std::cerr << fmt::format("{} telegram lesson {} {}\n", format_utc(clock.now()), d.lesson_id, describe(d));
      });
    }
    thread_ = std::thread([this] { run(); });
  }
  ~TelegramDrainer() { stop(); }
  void stop() {
    telegram_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    auto& pace = telegram_.pace();
    while (pace.wait_until(pace.now() + std::chrono::seconds{1})) {
      try {
        auto result = telegram_.outbox().drain(std::nullopt);
        if (!result.stopped_because.empty() && result.stopped_because != last_problem_) {
          std::cerr << "zoomtrack: warning: Telegram: " << terminal_safe(result.stopped_because) << "\n";
        }
        last_problem_ = result.stopped_because;
      } catch (const Error&) {
        // The database cannot take the claim now: the outbox waits, as the clicks' spool does.
      }
    }
  }
  TelegramSender& telegram_;
  std::string last_problem_;
  std::thread thread_;
};

// Signals are taken by one thread with sigwait, so handlers never run inside httplib's threads.
void serve(Context& ctx, const ServeOptions& o) {
  ctx.config({{"listen", o.listen}, {"base_url", o.base_url}, {"tls_cert", o.tls_cert},
              {"tls_key", o.tls_key}, {"trusted_proxy", o.trusted_proxy}, {"log_format", o.log_format},
              {"webhook_secret_file", o.webhook_secret_file}, {"webhook_max_age", o.webhook_max_age},
              {"grace", o.grace}, {"max_lesson", o.max_lesson}, {"spool", o.spool}, {"telegram_token_file", o.telegram_token_file}});
  auto options = server_options(ctx, o);
  if (options.log_requests) {
    ctx.set_transition_hook([json = options.json_logs](const Lesson& before, const LessonState& after,
                                                       const Cause& cause) {
      http::log_transition(before, after, cause, json);
    });
  }
  ctx.lessons().set_warning_hook([](const std::string& message) {
    std::cerr << "zoomtrack: WARNING: " + message + "\n";
  });
  // So that a disk that fills up still takes clicks (in the spool) rather than turn students away.
  if (!ctx.lessons().keep_spool_reserve(spool_reserve_bytes)) {
    bool never = errno == EOPNOTSUPP;
    std::cerr << fmt::format("zoomtrack: WARNING: cannot allocate the click spool's {} MiB reserve beside {}: {}; {}\n",
                             spool_reserve_bytes >> 20, ctx.store().path(), std::strerror(errno),
                             never ? "on a full disk, clicks will be held in memory only"
                                   : "retrying every second, /healthz says degraded until then");
  }
  auto secret = effective_webhook_secret(ctx.config());
  options.webhook_secret = secret.value;
  if (secret.value.empty()) {
    ctx.info("zoomtrack: warning: no webhook secret (ZOOMTRACK_WEBHOOK_SECRET or --webhook-secret-file): "
             "POST /webhooks/zoom answers 503 until one is configured");
  } else {
    ctx.info("zoomtrack: webhook secret from " + secret.origin);
  }
  auto telegram = TelegramSender::if_configured(ctx);
  if (!telegram) {
    auto queued = ctx.store().count_queued_telegram_deliveries();
    if (queued > 0) {
      ctx.info(fmt::format("zoomtrack: warning: {} Telegram message(s) wait in the outbox, but there is no bot token "
                           "(ZOOMTRACK_TELEGRAM_TOKEN or --telegram-token-file)", queued));
    }
  }
  http::Server server(ctx.lessons(), options);
  int port = server.bind();
  if (server.max_connections() < options.max_connections) {
    ctx.info(fmt::format("zoomtrack: warning: at most {} connections (the open-file limit, ulimit -n, allows no more)",
                         server.max_connections()));
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread signal_thread([&] {
    for (;;) {
      int signal = 0;
      sigwait(&signals, &signal);
      if (signal == SIGHUP) {
        server.reload_tls();
        continue;
      }
      server.stop();
      return;
    }
  });
  ctx.info(fmt::format("zoomtrack: listening on {}://{}:{} (links on {}, database {})",
                       options.tls_cert.empty() ? "http" : "https", options.host, port,
                       ctx.config().get("base_url"), ctx.store().path()));
  SpoolReplayer replayer(ctx.lessons());
  std::optional<TelegramDrainer> drainer;
  if (telegram) drainer.emplace(*telegram, ctx.clock(), options.log_requests);
  bool ok = server.run();
  replayer.stop();
  if (drainer) drainer->stop();
  if (signal_thread.joinable()) {
    if (!ok) pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
  }
  if (!ok) throw Error(ErrorCode::runtime, "the server stopped unexpectedly");
  ctx.info("zoomtrack: stopped");
}

}  // namespace

void add_serve_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "serve tracking links, checkout links and Zoom webhooks");
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  cmd->add_option("--base-url", o->base_url, "public URL that links are built on (env ZOOMTRACK_BASE_URL)");
  cmd->add_option("--tls-cert", o->tls_cert, "PEM certificate chain: serve HTTPS (reloaded on SIGHUP)")->type_name("FILE");
  cmd->add_option("--tls-key", o->tls_key, "PEM private key for --tls-cert")->type_name("FILE");
  cmd->add_option("--trusted-proxy", o->trusted_proxy, "believe X-Forwarded-For only from this address");
  cmd->add_option("--log-format", o->log_format, "text or json request logs on stderr")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--webhook-secret-file", o->webhook_secret_file, "file with the Zoom webhook secret token")->type_name("FILE");
  cmd->add_option("--webhook-max-age", o->webhook_max_age, "oldest webhook timestamp accepted (default 2h)");
  cmd->add_option("--spool", o->spool, "clicks kept here while the database cannot write (env ZOOMTRACK_SPOOL)")
      ->type_name("FILE");
  cmd->add_option("--grace", o->grace, "a teacher who rejoins within this continues the lesson (default 10m)");
  cmd->add_option("--max-lesson", o->max_lesson, "a longer lesson goes to needs_review, never paid as is (default 6h)");
  add_telegram_token_flag(*cmd, o->telegram_token_file);
  cmd->add_option("--header-timeout", o->header_timeout,
                  "a client must send a request's headers, then its body, each within this in total (default 10s)");
  cmd->add_option("--max-connections", o->max_connections,
                  "open connections at most; past it the oldest idle one is closed (default 10000)")
      ->type_name("N");
  cmd->add_option("--max-connections-per-client", o->max_connections_per_client,
                  "open connections from one address at most, but the trusted proxy's (default 1000)")
      ->type_name("N");
  cmd->footer(
      "Examples:\n"
      "  ZOOMTRACK_WEBHOOK_SECRET=... zoomtrack serve --base-url https://lessons.example.org\n"
      "  zoomtrack serve --listen 0.0.0.0:443 --tls-cert fullchain.pem --tls-key privkey.pem");
  cmd->callback([&ctx, o] {
    ctx.allow_create_database();
    serve(ctx, *o);
  });
}

}  // namespace zt::cli
