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

// A character that may not appear raw in a URL (RFC 3986): space and controls, non-ASCII, and
// " < > \\ ^ ` { | }. Such a URL would be sent back in a Location header or an HTML page.
inline bool is_illegal_url_char(unsigned char c) {
  return c <= 0x20 || c >= 0x7f || std::string_view("\"<>\\^`{|}").find(static_cast<char>(c)) != std::string_view::npos;
}

inline bool has_illegal_url_char(std::string_view url) {
  return std::any_of(url.begin(), url.end(), [](unsigned char c) { return is_illegal_url_char(c); });
}

// something@domain.tld: one '@', no spaces or controls, a dot inside the domain.
inline bool is_email_syntax(std::string_view email) {
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) return false;
  if (std::any_of(email.begin(), email.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) return false;
  auto domain = email.substr(at + 1);
  auto dot = domain.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() && domain.find("..") == std::string_view::npos &&
         domain.front() != '.';
}

// The length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF), or 0 when it does not start with one.
inline size_t utf8_sequence_length(std::string_view text) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xc0) == 0x80; };
  unsigned char c = byte(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return continuation(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!continuation(1) || !continuation(2)) return 0;
    if ((c == 0xe0 && byte(1) < 0xa0) || (c == 0xed && byte(1) > 0x9f)) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if ((c == 0xf0 && byte(1) < 0x90) || (c == 0xf4 && byte(1) > 0x8f)) return 0;
    return 4;
  }
  return 0;
}

inline bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) ++i;
    else if (auto n = utf8_sequence_length(text.substr(i))) i += n;
    else return false;
  }
  return true;
}

// Text from outside (User-Agents, names in Zoom payloads) is stored as received, and may not be
// UTF-8. Shown in JSON, CSV, pages or a terminal, each byte that does not start a well-formed
// sequence becomes U+FFFD, as a browser shows it; valid text is returned unchanged.
inline std::string valid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    auto n = utf8_sequence_length(text.substr(i));
    if (n > 0) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// Text for HTML, as our pages and Telegram's HTML parse mode read it: & < > " ' become entities
// (Telegram accepts the numeric &#39;), so a name cannot open a tag or leave an attribute.
inline std::string html_escape(std::string_view raw) {
  auto text = valid_utf8(raw);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// At most `max_chars` (> 0) characters (code points) of valid UTF-8 text, the last one "…" when
// it had to be shortened.
inline std::string shorten_utf8(std::string_view text, size_t max_chars) {
  auto advance = [&](size_t at) { return at + std::max<size_t>(1, utf8_sequence_length(text.substr(at))); };
  size_t cut = 0;
  for (size_t chars = 0; chars + 1 < max_chars && cut < text.size(); ++chars) cut = advance(cut);
  if (cut >= text.size() || advance(cut) >= text.size()) return std::string(text);
  return std::string(text.substr(0, cut)) + "\u2026";
}

// Untrusted text (Zoom display names, User-Agents, leave reasons) made safe for a terminal:
// control characters, ESC above all, become \xNN, so a name cannot move the cursor or recolour
// the screen. UTF-8 passes unchanged; what is not UTF-8 becomes U+FFFD.
inline std::string terminal_safe(std::string_view raw) {
  static constexpr char hex[] = "0123456789abcdef";
  auto text = valid_utf8(raw);
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace zt
