#pragma once
// The one place that decides whether a request to a tracking URL is a person or a preview bot.
#include <string_view>

namespace zt {

enum class ClickKind { real, preview };

const char* to_string(ClickKind kind);

// HEAD requests and link-preview fetchers (Telegram, WhatsApp, Slack, ...) are previews; a GET
// with `explicit_open` (the preview page's "Join the lesson" link) is always real.
ClickKind classify_click(bool is_head, std::string_view user_agent, bool explicit_open);

}  // namespace zt
