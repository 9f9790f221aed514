#pragma once
// Counters for /metrics, in Prometheus' text format. Thread-safe.
#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/store/store.hpp"

namespace zt::http {

class Metrics {
 public:
  void record_request(const std::string& route, int status, double seconds);
  void record_click(const std::string& kind);
  void record_webhook(const std::string& outcome);
  // Lesson counts come from the store at scrape time, so they are never stale.
  // So are the spool's: clicks waiting in it (or held in memory), lines in its rejected file.
  struct SpoolCounts {
    size_t spooled = 0;
    size_t held = 0;
    size_t rejected = 0;
  };
  // And the connections open now (plain HTTP): waiting in the epoll loop, being answered.
  struct ConnectionGauges {
    size_t idle = 0;
    size_t active = 0;
  };
  std::string render(const std::vector<LessonCount>& lessons, const SpoolCounts& spool,
                     const ConnectionGauges& connections);

 private:
  static constexpr std::array<double, 10> buckets{0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,  0.1,    0.25,  0.5,  1.0};
  struct Histogram {
    std::array<uint64_t, buckets.size()> counts{};
    uint64_t total = 0;
    double sum = 0;
  };

  std::mutex mutex_;
  std::map<std::tuple<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, uint64_t> clicks_;
  std::map<std::string, uint64_t> webhooks_;
};

}  // namespace zt::http
