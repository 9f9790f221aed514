#include "http/metrics.hpp"

#include <fmt/format.h>

namespace zt::http {

void Metrics::record_request(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  auto& h = latency_[route];
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (seconds <= buckets[i]) ++h.counts[i];
  }
  ++h.total;
  h.sum += seconds;
}

void Metrics::record_click(const std::string& kind) {
  std::lock_guard lock(mutex_);
  ++clicks_[kind];
}

void Metrics::record_webhook(const std::string& outcome) {
  std::lock_guard lock(mutex_);
  ++webhooks_[outcome];
}

std::string Metrics::render(const std::vector<LessonCount>& lessons, const SpoolCounts& spool,
                            const ConnectionGauges& connections) {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP zoomtrack_spooled_clicks Clicks waiting in the spool (or in memory) for the database to take writes.\n";
  out += "# TYPE zoomtrack_spooled_clicks gauge\n";
  out += fmt::format("zoomtrack_spooled_clicks {}\n", spool.spooled);
  out += "# HELP zoomtrack_held_clicks Clicks held in memory: not even the spool could be written (disk full).\n";
  out += "# TYPE zoomtrack_held_clicks gauge\n";
  out += fmt::format("zoomtrack_held_clicks {}\n", spool.held);
  out += "# HELP zoomtrack_rejected_spool_lines Spooled clicks that could not be stored, kept in {spool}.rejected.\n";
  out += "# TYPE zoomtrack_rejected_spool_lines gauge\n";
  out += fmt::format("zoomtrack_rejected_spool_lines {}\n", spool.rejected);
  out += "# HELP zoomtrack_open_connections Connections open now: idle (waiting for a request head) or active.\n";
  out += "# TYPE zoomtrack_open_connections gauge\n";
  out += fmt::format("zoomtrack_open_connections{{state=\"idle\"}} {}\n", connections.idle);
  out += fmt::format("zoomtrack_open_connections{{state=\"active\"}} {}\n", connections.active);
  out += "# HELP zoomtrack_http_requests_total HTTP requests by route template and status.\n";
  out += "# TYPE zoomtrack_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += fmt::format("zoomtrack_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                       std::get<0>(key), std::get<1>(key), n);
  }
  out += "# HELP zoomtrack_http_request_duration_seconds Time to answer, by route template.\n";
  out += "# TYPE zoomtrack_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < buckets.size(); ++i) {
      out += fmt::format("zoomtrack_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         route, buckets[i], h.counts[i]);
    }
    out += fmt::format("zoomtrack_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       route, h.total);
    out += fmt::format("zoomtrack_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("zoomtrack_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.total);
  }
  out += "# HELP zoomtrack_clicks_total Requests to tracking links, by kind (real or preview).\n";
  out += "# TYPE zoomtrack_clicks_total counter\n";
  for (const auto& [kind, n] : clicks_) {
    out += fmt::format("zoomtrack_clicks_total{{kind=\"{}\"}} {}\n", kind, n);
  }
  out += "# HELP zoomtrack_webhook_events_total Zoom webhook deliveries, by outcome.\n";
  out += "# TYPE zoomtrack_webhook_events_total counter\n";
  for (const auto& [outcome, n] : webhooks_) {
    out += fmt::format("zoomtrack_webhook_events_total{{outcome=\"{}\"}} {}\n", outcome, n);
  }
  out += "# HELP zoomtrack_lessons Lessons in the database, by status.\n";
  out += "# TYPE zoomtrack_lessons gauge\n";
  for (const auto& c : lessons) {
    out += fmt::format("zoomtrack_lessons{{status=\"{}\"}} {}\n", c.status, c.count);
  }
  return out;
}

}  // namespace zt::http
