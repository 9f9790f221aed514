#include "core/click_filter.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "core/text.hpp"

namespace zt {
namespace {

// Lower-case substrings of the User-Agents that chat apps and crawlers send when they unfurl a
// link. Telegram's is "TelegramBot (like TwitterBot)".
constexpr std::array preview_agents{
    "telegrambot", "twitterbot", "whatsapp",    "slackbot",  "slack-imgproxy", "discordbot",
    "facebookexternalhit", "facebookcatalog", "facebot", "skypeuripreview", "linkedinbot",
    "vkshare",     "viber",      "googlebot",   "bingbot",   "crawler",   "spider", "preview",
};

// "bot" ending a product token ("SomeBot/1.0", "AdsBot-Google", "bot;"), so that a phone model
// such as "CUBOT X19" stays a person.
bool has_bot_token(const std::string& agent) {
  for (size_t at = agent.find("bot"); at != std::string::npos; at = agent.find("bot", at + 1)) {
    size_t next = at + 3;
    if (next == agent.size() || std::string_view("/;),-_").find(agent[next]) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* to_string(ClickKind kind) { return kind == ClickKind::real ? "real" : "preview"; }

ClickKind classify_click(bool is_head, std::string_view user_agent, bool explicit_open) {
  if (is_head) return ClickKind::preview;
  if (explicit_open) return ClickKind::real;
  // Browsers always send a User-Agent; a bare fetch without one is a tool, not a student.
  if (user_agent.empty()) return ClickKind::preview;
  auto agent = ascii_lower(user_agent);
  bool known = std::any_of(preview_agents.begin(), preview_agents.end(),
                           [&](const char* name) { return agent.find(name) != std::string::npos; });
  return known || has_bot_token(agent) ? ClickKind::preview : ClickKind::real;
}

}  // namespace zt
