#pragma once
// The command tree as plain data, taken from the CLI11 App that make_app() builds, so that the
// shell completions (and the tests that check the man page) cannot drift from the real flags.
#include <string>
#include <vector>

namespace zt::cli {

struct OptionSpec {
  std::vector<std::string> names;    // "-q", "--quiet"; a positional has its name only ("id")
  std::string help;
  bool takes_value = false;
  bool positional = false;
  bool file = false;                 // the value is a path (type FILE)
  std::vector<std::string> choices;  // from CLI::IsMember
  std::vector<std::string> long_names() const;
};

struct CommandSpec {
  std::string name;                  // "create"; the root is "zoomtrack"
  std::vector<std::string> aliases;  // "lessons" for "sessions"
  std::string help;
  std::vector<OptionSpec> options;    // in CLI11's order, help first
  std::vector<CommandSpec> commands;  // subcommands
};

// The tree of `zoomtrack` as this binary parses it.
CommandSpec command_tree();

// Every command with its path from the root ("link create"), parents before children; the root is "".
struct CommandAtPath {
  std::string path;
  const CommandSpec* command;
};
std::vector<CommandAtPath> all_commands(const CommandSpec& root);

// Throws Error(invalid_argument) for a shell other than bash, zsh or fish.
std::string completion_script(const std::string& shell, const CommandSpec& root);

}  // namespace zt::cli
