// POST /webhooks/zoom (and the seed's /api/zoom/webhook): a thin adapter over WebhookIngest.
// Errors are answered as short plain text: Zoom and operators read them, not people in browsers.
#include <memory>

#include "core/services/webhook.hpp"
#include "http/server_impl.hpp"
#include "core/util/json_limits.hpp"

namespace zt::http {
namespace {

void receive(Server::Impl& impl, WebhookIngest& ingest, const httplib::Request& req, httplib::Response& res) {
  try {
    // req.body holds the bytes as received: they are hashed as they are, never re-serialised.
    auto result = ingest.receive({req.body, req.get_header_value("x-zm-request-timestamp"),
                                  req.get_header_value("x-zm-signature")});
    impl.metrics.record_webhook(result.outcome);
    res.status = result.status;
    res.set_content(json_text(result.body), "application/json");
  } catch (const Error& e) {
    // Refused deliveries store nothing; only this counter remembers them.
    if (e.code() == ErrorCode::unauthorized) impl.metrics.record_webhook("rejected");
    if (e.code() == ErrorCode::invalid_argument || e.code() == ErrorCode::too_large) {
      impl.metrics.record_webhook("invalid");
    }
    res.status = status_for(e.code());
    res.set_content(std::string(e.what()) + "\n", "text/plain; charset=utf-8");
  }
}

}  // namespace

void register_webhook_routes(Server::Impl& impl) {
  auto ingest = std::make_shared<WebhookIngest>(
      impl.lessons, WebhookOptions{impl.options.webhook_secret, impl.options.webhook_max_age});
  for (const char* path : {"/webhooks/zoom", "/api/zoom/webhook"}) {
    impl.post(path, path, [&impl, ingest](const auto& req, auto& res) { receive(impl, *ingest, req, res); });
  }
}

}  // namespace zt::http
