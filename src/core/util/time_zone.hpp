#pragma once
// Local calendar arithmetic for reports and date arguments, on the system's tz database.
#include <string>

#include "core/util/time.hpp"

namespace zt {

// Throws Error(invalid_argument) for a zone the tz database does not know.
void check_time_zone(const std::string& tz);

// The UTC instant at which the calendar day `ymd` ("2026-11-25") starts in `tz`.
TimePoint start_of_local_day(const std::string& ymd, const std::string& tz);

struct LocalTime {
  std::string date;      // "2026-11-25"
  std::string iso;       // "2026-11-25T12:00:00+03:00"
};
LocalTime to_local(TimePoint t, const std::string& tz);

}  // namespace zt
