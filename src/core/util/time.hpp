#pragma once
// Time in zoomtrack: whole seconds, UTC. Storage, JSON and CSV use YYYY-MM-DDTHH:MM:SSZ, the
// shape Zoom sends. Parsing and formatting live here and in time_zone.cpp only.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace zt {

using TimePoint = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

// "2026-11-25T09:00:00Z"
std::string format_utc(TimePoint t);
std::string format_utc(const std::optional<TimePoint>& t);  // "" for none

// Strict UTC as stored and as Zoom sends it; fractional seconds are accepted and dropped.
std::optional<TimePoint> parse_utc(std::string_view text);

// A time from the command line: "2026-11-25T09:00:00Z", "2026-11-25T12:00:00+03:00", or a date
// "2026-11-25" meaning its start in `tz`. Throws Error(invalid_argument).
TimePoint parse_time_arg(std::string_view text, const std::string& tz = "UTC");
// The end of a period (exclusive) from the command line: a time as parse_time_arg reads it, but
// a date "2026-11-30" means the whole of that day, so the period ends where the next day starts
// in `tz`. Throws Error(invalid_argument).
TimePoint parse_period_end_arg(std::string_view text, const std::string& tz = "UTC");

struct Period {
  TimePoint from;  // inclusive
  TimePoint to;    // exclusive
};
// "2026-11": from the month's first midnight in `tz` to the next month's. Throws
// Error(invalid_argument).
Period parse_month_arg(std::string_view text, const std::string& tz = "UTC");

// "90s", "10m", "4h", "2d". Throws Error(invalid_argument).
Seconds parse_duration(std::string_view text);
// "2026-11-25T09:00:00" followed by `suffix` ("Z", "+03:00"): the one formatter of calendar times.
std::string format_calendar(std::chrono::sys_days day, Seconds time_of_day, const char* suffix);
std::string format_duration(Seconds d);  // the shortest exact form: "600s" -> "10m"

// Core never reads the system clock directly: it is handed a Clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t) : t_(t) {}
  TimePoint now() const override { return t_; }
  void set(TimePoint t) { t_ = t; }
  void advance(Seconds d) { t_ += d; }

 private:
  TimePoint t_;
};

}  // namespace zt
