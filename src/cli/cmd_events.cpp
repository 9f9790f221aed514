#include "cli/commands.hpp"

namespace zt::cli {

void add_events_command(CLI::App&, Context&) {}

}  // namespace zt::cli
