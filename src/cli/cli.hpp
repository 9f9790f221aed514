#pragma once

namespace zt::cli {

// Parses the command line, runs one subcommand, and maps errors to SPEC.md's exit codes:
// 0 ok, 1 runtime failure, 2 usage, 3 not found, 4 conflict or invalid state.
int run(int argc, char** argv);

}  // namespace zt::cli
