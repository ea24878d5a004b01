// kinepose command-line entry point: registers the subcommands and dispatches. Nothing else.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "kinepose/error.h"
#include "kinepose/version.h"

int main(int argc, char** argv) {
  CLI::App app{"kinepose — accurate, smooth human pose trajectories from per-frame estimates"};
  app.set_version_flag("--version", std::string(kinepose::kVersion));
  app.require_subcommand(1);
  app.fallthrough();
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "More log output");
  app.parse_complete_callback([&] { spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn); });

  kinepose::cli::add_info_command(app);
  kinepose::cli::add_convert_command(app);
  kinepose::cli::add_demo_command(app);
  kinepose::cli::add_eval_command(app);
  kinepose::cli::add_smooth_command(app);
  kinepose::cli::add_refine_command(app);
  kinepose::cli::add_lift_command(app);
  kinepose::cli::add_bench_command(app);
  kinepose::cli::add_train_command(app);
  kinepose::cli::add_dataset_command(app);
  kinepose::cli::add_model_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const kinepose::Error& e) {
    std::fprintf(stderr, "kinepose: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kinepose: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
