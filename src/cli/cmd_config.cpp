#include "cli/commands.hpp"

namespace zt::cli {

void add_config_command(CLI::App&, Context&) {}

}  // namespace zt::cli
