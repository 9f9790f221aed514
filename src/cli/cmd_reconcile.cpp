#include "cli/commands.hpp"

namespace zt::cli {

void add_reconcile_command(CLI::App&, Context&) {}

}  // namespace zt::cli
