// Health and metrics for whoever runs zoomtrack.
#include <fmt/format.h>

#include "http/server_impl.hpp"

namespace zt::http {

void register_ops_routes(Server::Impl& impl) {
  // "ok" only when the database takes a write now and no click waits in the spool.
  impl.get("/healthz", "/healthz", [&impl](const auto&, auto& res) {
    auto health = impl.lessons.check_storage();
    bool ok = health.takes_writes && health.spooled_clicks == 0;
    res.status = ok ? 200 : 503;
    auto why = health.takes_writes ? std::string("replaying spooled clicks") : health.problem;
    res.set_content(ok ? "ok\n" : fmt::format("degraded: {}; {} clicks spooled\n", why, health.spooled_clicks),
                    "text/plain");
  });
  impl.get("/metrics", "/metrics", [&impl](const auto&, auto& res) {
    res.set_content(impl.metrics.render(impl.lessons.store().count_lessons_by_status(),
                                        impl.lessons.spooled_clicks()),
                    "text/plain; version=0.0.4");
  });
}

}  // namespace zt::http
