#include "cli/commands.hpp"

namespace zt::cli {

void add_webhook_command(CLI::App&, Context&) {}

}  // namespace zt::cli
