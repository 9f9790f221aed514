#include "core/rules/zoom_api.hpp"

#include <fmt/format.h>

namespace zt {
namespace {

// A meeting started this long after the student's click still counts as the lesson's.
constexpr Seconds instance_start_slack{15 * 60};

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string percent_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (is_unreserved(c)) out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string zoom_meeting_path_segment(const std::string& meeting) {
  bool twice = meeting.starts_with('/') || meeting.find("//") != std::string::npos;
  return twice ? percent_encode(percent_encode(meeting)) : percent_encode(meeting);
}

std::optional<ZoomMeetingInstance> instance_for_lesson(const std::vector<ZoomMeetingInstance>& instances,
                                                       TimePoint lesson_start) {
  const ZoomMeetingInstance* latest_before = nullptr;
  const ZoomMeetingInstance* earliest = nullptr;
  for (const auto& instance : instances) {
    if (instance.start_time <= lesson_start + instance_start_slack &&
        (!latest_before || instance.start_time > latest_before->start_time)) {
      latest_before = &instance;
    }
    if (!earliest || instance.start_time < earliest->start_time) earliest = &instance;
  }
  if (latest_before) return *latest_before;
  if (earliest) return *earliest;
  return std::nullopt;
}

}  // namespace zt
