// Health and metrics for whoever runs zoomtrack.
#include <fmt/format.h>

#include "http/connection.hpp"
#include "http/server_impl.hpp"

namespace zt::http {

void register_ops_routes(Server::Impl& impl) {
  // "ok" only when the database takes a write now, no click waits in the spool or in memory, and
  // the spool's reserve is allocated: whenever a write fails, it says so.
  impl.get("/healthz", "/healthz", [&impl](const auto&, auto& res) {
    auto health = impl.lessons.check_storage();
    res.status = health.ok() ? 200 : 503;
    if (health.ok()) {
      res.set_content("ok\n", "text/plain");
      return;
    }
    auto why = !health.takes_writes ? health.problem
               : health.spooled_clicks > 0 ? std::string("replaying spooled clicks")
                                           : std::string("the spool's disk reserve cannot be allocated (disk full?)");
    auto text = fmt::format("degraded: {}; {} clicks spooled", why, health.spooled_clicks);
    if (health.held_clicks > 0) text += fmt::format(" ({} held in memory: the disk is full)", health.held_clicks);
    res.set_content(text + "\n", "text/plain");
  });
  impl.get("/metrics", "/metrics", [&impl](const auto&, auto& res) {
    Metrics::SpoolCounts spool{impl.lessons.spooled_clicks(), impl.lessons.held_clicks(),
                               impl.lessons.rejected_spool_lines()};
    auto open = connection_counts(*impl.server);
    res.set_content(impl.metrics.render(impl.lessons.store().count_lessons_by_status(), spool, {open.idle, open.active}),
                    "text/plain; version=0.0.4");
  });
}

}  // namespace zt::http
