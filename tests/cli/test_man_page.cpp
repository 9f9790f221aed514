#include <catch2/catch.hpp>

#include "cli/completions.hpp"
#include "core/util/config.hpp"
#include "support/harness.hpp"

using namespace zt::cli;
using namespace zt::test;

namespace {

std::string man_source() { return read_file(std::string(ZOOMTRACK_SOURCE_DIR) + "/man/zoomtrack.1"); }

// The text from a heading line (".SS \"link create\"", ".SH OPTIONS") to the next heading.
std::string section(const std::string& man, const std::string& heading) {
  auto begin = man.find("\n" + heading + "\n");
  if (begin == std::string::npos) return "";
  begin += heading.size() + 2;
  auto end = man.find("\n.S", begin);
  return man.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// How roff spells a flag: every '-' escaped.
std::string roff(const std::string& flag) {
  std::string out;
  for (char c : flag) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

}  // namespace

TEST_CASE("the man page documents every command and every long flag of the CLI11 tree", "[cli][man]") {
  auto man = man_source();
  auto tree = command_tree();
  int checked = 0;
  for (const auto& [path, command] : all_commands(tree)) {
    if (!command->commands.empty() && !path.empty()) continue;  // "link", "sessions": only groups
    auto text = path.empty() ? section(man, ".SH OPTIONS") : section(man, ".SS \"" + path + "\"");
    INFO("man/zoomtrack.1 needs a section .SS \"" << path << "\" listing its flags");
    REQUIRE(!text.empty());
    for (const auto& option : command->options) {
      for (const auto& name : option.long_names()) {
        if (name == "--help" && !path.empty()) continue;  // documented once, under OPTIONS
        INFO(path << " " << name);
        CHECK(text.find(roff(name)) != std::string::npos);
        ++checked;
      }
    }
  }
  CHECK(checked > 40);
}

TEST_CASE("the man page documents SPEC's commands, every environment variable and the exit codes", "[cli][man]") {
  auto man = man_source();
  for (const char* command : {"init", "link create", "serve", "sessions list", "sessions show", "sessions end",
                              "sessions void", "sessions start", "sessions restore", "report",
                              "period close", "period list", "period reopen", "verify", "reconcile", "webhook send", "events list",
                              "config show", "completions"}) {
    INFO(command);
    CHECK(!section(man, ".SS \"" + std::string(command) + "\"").empty());
  }
  auto environment = section(man, ".SH ENVIRONMENT");
  CHECK(environment.find(".B ZOOMTRACK_CONFIG\n") != std::string::npos);
  for (const auto& d : zt::setting_definitions()) {
    if (!d.env) continue;
    INFO(d.env);
    CHECK(environment.find(".B " + std::string(d.env) + "\n") != std::string::npos);
  }
  auto files = section(man, ".SH FILES");
  CHECK(files.find("/etc/zoomtrack/config") != std::string::npos);
  CHECK(files.find("./zoomtrack.db") != std::string::npos);
  auto exit_status = section(man, ".SH EXIT STATUS");
  for (const char* code : {"0", "1", "2", "3", "4"}) CHECK(exit_status.find(".B " + std::string(code) + "\n") != std::string::npos);
  for (const char* heading : {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH COMMANDS", ".SH EXAMPLES",
                              ".SH SEE ALSO"}) {
    INFO(heading);
    CHECK(man.find("\n" + std::string(heading) + "\n") != std::string::npos);
  }
}

TEST_CASE("groff formats the man page without a single warning", "[cli][man]") {
  auto r = run_program({"groff", "-ww", "-z", "-man", "-Tutf8", std::string(ZOOMTRACK_SOURCE_DIR) + "/man/zoomtrack.1"});
  INFO("groff is in scripts/install-deps --test; stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
}

TEST_CASE("every command's --help ends with examples", "[cli][man]") {
  auto tree = command_tree();
  for (const auto& [path, command] : all_commands(tree)) {
    std::vector<std::string> args;
    std::string word;
    for (char c : path + " ") {
      if (c != ' ') word += c;
      else if (!word.empty()) args.push_back(std::exchange(word, ""));
    }
    args.push_back("--help");
    auto r = run_zoomtrack(args);
    INFO("zoomtrack " << path << " --help");
    CHECK(r.exit_code == 0);
    auto examples = r.out.find("Example");
    REQUIRE(examples != std::string::npos);
    // A footer inherited from the parent would show the parent's examples, not this command's.
    if (!path.empty()) CHECK(r.out.find("zoomtrack " + path, examples) != std::string::npos);
  }
}
