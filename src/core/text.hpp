#pragma once
// Small text helpers shared by core.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace zt {

// ASCII lower case: host names, User-Agents, emails and Zoom's leave reasons compare this way.
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace zt
