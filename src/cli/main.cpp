#include "cli/cli.hpp"

int main(int argc, char** argv) { return zt::cli::run(argc, argv); }
