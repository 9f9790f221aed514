#include <catch2/catch.hpp>

#include "cli/completions.hpp"
#include "support/harness.hpp"

using namespace zt::cli;
using namespace zt::test;

namespace {

const std::vector<std::pair<std::string, std::string>> shipped{
    {"bash", "completions/zoomtrack.bash"}, {"zsh", "completions/_zoomtrack"}, {"fish", "completions/zoomtrack.fish"}};

std::string source_file(const std::string& relative) {
  return read_file(std::string(ZOOMTRACK_SOURCE_DIR) + "/" + relative);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// `word` stands on its own: "--to" is not found inside "--tooth", "init" not inside "initial".
bool has_word(const std::string& text, const std::string& word) {
  auto part_of_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    bool starts = at == 0 || !part_of_word(text[at - 1]);
    bool ends = at + word.size() == text.size() || !part_of_word(text[at + word.size()]);
    if (starts && ends) return true;
  }
  return false;
}

// bash's own completion machinery, driven by hand: what does TAB offer after `words`?
std::string bash_offers(const std::vector<std::string>& words) {
  std::string script = "source '" + std::string(ZOOMTRACK_SOURCE_DIR) + "/completions/zoomtrack.bash'\n"
                       "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _zoomtrack; echo \"${COMPREPLY[*]}\"\n";
  std::vector<std::string> argv{"bash", "-c", script, "bash"};
  argv.insert(argv.end(), words.begin(), words.end());
  auto r = run_program(argv);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, r.out.find('\n'));
}

std::string fish_short(const OptionSpec& option) {
  std::string out;
  for (const auto& name : option.names) {
    if (name.size() == 2) out += " -s " + name.substr(1);
  }
  return out;
}

bool have(const std::string& program) {
  return run_program({"sh", "-c", "command -v " + program}).exit_code == 0;
}

}  // namespace

TEST_CASE("the shipped completion files are what the binary generates", "[cli][completions]") {
  for (const auto& [shell, path] : shipped) {
    INFO(shell << ": run scripts/update-completions and commit " << path);
    auto r = run_zoomtrack({"completions", shell});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == source_file(path));
  }
  CHECK(run_zoomtrack({"completions", "powershell"}).exit_code == 2);
}

TEST_CASE("every command and long flag of the CLI11 tree is in every completion script", "[cli][completions]") {
  auto tree = command_tree();
  auto bash = completion_script("bash", tree);
  auto zsh = completion_script("zsh", tree);
  auto fish = completion_script("fish", tree);
  int flags = 0;
  for (const auto& [path, command] : all_commands(tree)) {
    std::string zsh_function = "_zoomtrack" + (path.empty() ? "" : "_" + path);
    std::replace(zsh_function.begin(), zsh_function.end(), ' ', '_');
    zsh_function += "() {";
    auto zsh_body = zsh.substr(zsh.find(zsh_function));
    zsh_body = zsh_body.substr(0, zsh_body.find("\n}\n"));
    auto bash_line = bash.substr(bash.find("        \"" + path + "\") flags="));
    bash_line = bash_line.substr(0, bash_line.find('\n'));
    for (const auto& sub : command->commands) {
      INFO(path << " " << sub.name);
      CHECK(has_word(bash_line, sub.name));
      CHECK(contains(zsh_body, "'" + sub.name + ":"));
      CHECK(contains(fish, "__zoomtrack_at '" + path + "'\" -a " + sub.name + " "));
    }
    for (const auto& option : command->options) {
      for (const auto& name : option.long_names()) {
        INFO(path << " " << name);
        ++flags;
        CHECK(has_word(bash_line, name));
        CHECK(has_word(zsh_body, name));
        CHECK(contains(fish, "__zoomtrack_at '" + path + "'\"" + fish_short(option) + " -l " + name.substr(2) + " "));
      }
    }
  }
  CHECK(flags > 40);
}

TEST_CASE("the bash completion is valid bash and completes commands, flags and choices", "[cli][completions]") {
  auto syntax = run_program({"bash", "-n", std::string(ZOOMTRACK_SOURCE_DIR) + "/completions/zoomtrack.bash"});
  INFO(syntax.err);
  REQUIRE(syntax.exit_code == 0);
  CHECK(bash_offers({"zoomtrack", ""}) ==
        "init link serve sessions lessons report backup period verify db reconcile webhook events config completions");
  CHECK(bash_offers({"zoomtrack", "--db", "x.db", "link", ""}) == "create send");
  CHECK(bash_offers({"zoomtrack", "lessons", "l"}) == "list");
  CHECK(bash_offers({"zoomtrack", "report", "--by", ""}) == "lesson teacher student day");
  CHECK(bash_offers({"zoomtrack", "report", "--minutes", "=", "f"}) == "floor");
  CHECK(bash_offers({"zoomtrack", "sessions", "list", "--st"}) == "--status --student");
  CHECK(bash_offers({"zoomtrack", "completions", "z"}) == "zsh");
}

TEST_CASE("the zsh and fish completions parse where those shells are installed", "[cli][completions]") {
  for (const auto& [shell, path] : shipped) {
    if (shell == "bash" || !have(shell)) continue;
    auto r = run_program({shell, "-n", std::string(ZOOMTRACK_SOURCE_DIR) + "/" + path});
    INFO(shell << ": " << r.err);
    CHECK(r.exit_code == 0);
  }
  // Without the shells, at least the files' first lines are what each shell looks for.
  CHECK(source_file("completions/_zoomtrack").rfind("#compdef zoomtrack\n", 0) == 0);
  CHECK(contains(source_file("completions/zoomtrack.fish"), "\ncomplete -c zoomtrack -f\n"));
}
