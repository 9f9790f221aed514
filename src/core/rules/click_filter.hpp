#pragma once
// The one place that decides whether a request to a tracking or checkout URL comes from a person or
// from a link-preview fetcher (chat unfurlers, crawlers, scanners, HTTP libraries, headless browsers).
// No other file decides this.
#include <span>
#include <string>
#include <string_view>

namespace zt {

enum class ClickKind { real, preview };

const char* to_string(ClickKind kind);

// What a request says of itself beside its User-Agent. Browsers send Fetch Metadata (Sec-Fetch-*) with every
// request to a secure origin, and prefetches say what they are in a purpose header.
struct RequestSignals {
  std::string fetch_mode;      // Sec-Fetch-Mode: "navigate" when a browser opens a page
  std::string fetch_dest;      // Sec-Fetch-Dest: "document" for a page of its own, "iframe" inside another page
  std::string purpose;         // Sec-Purpose, Purpose, X-Purpose or X-Moz: "prefetch", "prerender", "preview"
  bool secure_origin = false;  // the link is https: browsers send Sec-Fetch-* only to secure origins
};

// HEAD requests and link-preview fetchers (Telegram, WhatsApp, Slack, ...) are previews; a GET
// with `explicit_open` (the preview page's "Join the lesson" link) is always real. A prefetch is a preview too, and so
// is, on a secure origin, a current browser's string that comes without a navigation's Fetch Metadata: a script's
// copy of it (a mail scanner's, a downloader's), or a page that loads the link in an image or a frame.
ClickKind classify_click(bool is_head, std::string_view user_agent, bool explicit_open,
                         const RequestSignals& signals = {});

// Why a User-Agent alone is a person or a fetcher, in the order the rules are tried.
enum class AgentReason {
  empty,              // fetcher: browsers always send a User-Agent
  in_app_browser,     // person: a chat or social app's own browser (FBAV, Instagram, Viber, "; wv)", ...)
  no_browser_engine,  // fetcher: no Mozilla/, WebKit, Gecko, Trident, Presto, Chrome, Opera, ... token, or a
                      // "Mozilla/5.0 (...)" comment that names no platform ("(compatible; Thing/1.0)")
  fetcher_rule,       // fetcher: a URL or e-mail inside, an HTTP library, a headless browser, bot/crawler/...
  crawler_list,       // fetcher: a pattern of the vendored crawler-user-agents list
  browser,            // person: none of the above
};

const char* to_string(AgentReason reason);
AgentReason classify_user_agent(std::string_view user_agent);

// The vendored crawler-user-agents patterns compiled in (third_party/crawler-user-agents), in order.
std::span<const char* const> crawler_list_patterns();

}  // namespace zt
