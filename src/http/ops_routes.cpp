// Health and metrics for whoever runs zoomtrack.
#include "http/server_impl.hpp"

namespace zt::http {

void register_ops_routes(Server::Impl& impl) {
  impl.get("/healthz", "/healthz", [&impl](const auto&, auto& res) {
    bool ok = impl.lessons.store().healthy();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ok\n" : "database unavailable\n", "text/plain");
  });
  impl.get("/metrics", "/metrics", [&impl](const auto&, auto& res) {
    res.set_content(impl.metrics.render(impl.lessons.store().count_lessons_by_status()),
                    "text/plain; version=0.0.4");
  });
}

}  // namespace zt::http
