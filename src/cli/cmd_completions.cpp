#include "cli/commands.hpp"

namespace zt::cli {

void add_completions_command(CLI::App&, Context&) {}

}  // namespace zt::cli
