#include <iostream>

#include "cli/commands.hpp"
#include "cli/completions.hpp"

namespace zt::cli {
namespace {

// Choices come from the IsMember check, which CLI11 shows in the type name: "TEXT:{a,b,c}".
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> choices;
  auto open = type_name.find('{');
  auto close = type_name.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return choices;
  std::string item;
  for (char c : type_name.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      choices.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  choices.push_back(item);
  return choices;
}

OptionSpec describe(const CLI::Option& option) {
  OptionSpec spec;
  for (const auto& name : option.get_snames()) spec.names.push_back("-" + name);
  for (const auto& name : option.get_lnames()) spec.names.push_back("--" + name);
  spec.positional = !option.nonpositional();
  if (spec.positional) spec.names.push_back(option.get_name());
  spec.help = option.get_description();
  spec.takes_value = option.get_items_expected_max() > 0;
  auto type = option.get_type_name();
  spec.file = type.find("FILE") != std::string::npos;
  spec.choices = choices_of(type);
  return spec;
}

CommandSpec describe(const CLI::App& app) {
  CommandSpec spec;
  spec.name = app.get_name();
  spec.aliases = app.get_aliases();
  spec.help = app.get_description();
  for (const auto* option : app.get_options()) spec.options.push_back(describe(*option));
  for (const auto* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); })) {
    spec.commands.push_back(describe(*sub));
  }
  return spec;
}

}  // namespace

CommandSpec command_tree() {
  GlobalOptions globals;
  Context ctx(globals);
  return describe(*make_app(globals, ctx));
}

void add_completions_command(CLI::App& app, Context&) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completions", "print a shell completion script");
  cmd->add_option("shell", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->footer(
      "Examples:\n"
      "  zoomtrack completions bash > ~/.local/share/bash-completion/completions/zoomtrack\n"
      "  zoomtrack completions zsh > ~/.zfunc/_zoomtrack\n"
      "  zoomtrack completions fish > ~/.config/fish/completions/zoomtrack.fish\n"
      "Installed packages ship these under share/ already.");
  cmd->callback([&app, shell] { std::cout << completion_script(*shell, describe(app)); });
}

}  // namespace zt::cli
