#pragma once
// The few HTML pages people see. Every value shown is escaped here.
#include <string>
#include <string_view>

namespace zt::http {

std::string html_escape(std::string_view text);

// What a chat app's link preview sees: Open Graph tags and a link that always counts as a click,
// never the Zoom URL (its password must not land in a preview cache).
std::string preview_page(const std::string& open_href);
std::string leave_page(const std::string& heading, const std::string& message);
std::string message_page(const std::string& title, const std::string& message);

}  // namespace zt::http
