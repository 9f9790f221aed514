// Cost of classifying one User-Agent: zoomtrack's click filter (vendored crawler list + rules, RE2)
// against the hand-written substring filter it replaced, over the same corpus, alternating rounds.
//   classify_bench [--rounds N] FILE...   (one User-Agent a line, "#" lines skipped)
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/rules/click_filter.hpp"
#include "core/util/text.hpp"

namespace {

// The classifier before issue 9, kept as the baseline: 18 substrings and a "bot" token rule.
constexpr std::array old_preview_agents{
    "telegrambot", "twitterbot", "whatsapp",    "slackbot",  "slack-imgproxy", "discordbot",
    "facebookexternalhit", "facebookcatalog", "facebot", "skypeuripreview", "linkedinbot",
    "vkshare",     "viber",      "googlebot",   "bingbot",   "crawler",   "spider", "preview",
};

bool old_is_preview(std::string_view user_agent) {
  if (user_agent.empty()) return true;
  auto agent = zt::ascii_lower(user_agent);
  for (const char* name : old_preview_agents) {
    if (agent.find(name) != std::string::npos) return true;
  }
  for (size_t at = agent.find("bot"); at != std::string::npos; at = agent.find("bot", at + 1)) {
    size_t next = at + 3;
    if (next == agent.size() || std::string_view("/;),-_").find(agent[next]) != std::string_view::npos) return true;
  }
  return false;
}

bool new_is_preview(std::string_view user_agent) {
  return zt::classify_click(false, user_agent, false) == zt::ClickKind::preview;
}

template <class Classify>
double ns_per_agent(const std::vector<std::string>& agents, Classify classify, size_t& previews) {
  previews = 0;
  auto start = std::chrono::steady_clock::now();
  for (const auto& agent : agents) previews += classify(agent);
  std::chrono::duration<double, std::nano> spent = std::chrono::steady_clock::now() - start;
  return spent.count() / double(agents.size());
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::vector<std::string> agents;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
      continue;
    }
    std::ifstream in(arg);
    if (!in) {
      std::fprintf(stderr, "classify_bench: cannot read %s\n", arg.c_str());
      return 2;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') agents.push_back(line);
    }
  }
  if (agents.empty()) {
    std::fprintf(stderr, "usage: classify_bench [--rounds N] FILE...\n");
    return 2;
  }

  size_t previews = 0;
  auto start = std::chrono::steady_clock::now();
  new_is_preview("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36");  // compiles the matchers
  std::chrono::duration<double, std::milli> compile = std::chrono::steady_clock::now() - start;
  double first_pass = ns_per_agent(agents, new_is_preview, previews);  // fills RE2's DFA cache
  std::printf("%zu User-Agents; first use (compile) %.1f ms; first pass %.0f ns/UA\n", agents.size(),
              compile.count(), first_pass);
  std::printf("%-6s %14s %14s %8s\n", "round", "old_ns_per_ua", "new_ns_per_ua", "ratio");
  std::vector<double> new_ns, old_ns;
  size_t old_previews = 0;
  for (int r = 1; r <= rounds; ++r) {
    old_ns.push_back(ns_per_agent(agents, old_is_preview, old_previews));
    new_ns.push_back(ns_per_agent(agents, new_is_preview, previews));
    std::printf("%-6d %14.0f %14.0f %8.2f\n", r, old_ns.back(), new_ns.back(), new_ns.back() / old_ns.back());
  }
  std::sort(new_ns.begin(), new_ns.end());
  std::sort(old_ns.begin(), old_ns.end());
  double median_new = new_ns[new_ns.size() / 2], median_old = old_ns[old_ns.size() / 2];
  std::printf("classify median: %.0f ns/UA (%.2f us; budget 5 us), old substring filter %.0f ns/UA, ratio %.2fx; "
              "previews: new %zu, old %zu of %zu\n",
              median_new, median_new / 1000.0, median_old, median_new / median_old, previews, old_previews,
              agents.size());
  return median_new <= 5000.0 ? 0 : 1;
}
