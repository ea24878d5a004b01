// `kinepose bench <what>`: re-runnable benchmarks whose tables docs/benchmarks.md quotes.
//   bench filters   classic filters on Human3.6M detections, default vs tuned (src/evaluation/filter_benchmark.h)
//   bench hanet     HANet speed and memory per configuration (src/models/hanet/hanet_benchmark.h)
// This file only parses options and prints; the benchmark itself lives in the library.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "evaluation/filter_benchmark.h"
#include "models/hanet/hanet_benchmark.h"

namespace kinepose::cli {

namespace {

struct BenchFiltersArgs {
  FilterBenchmarkOptions options;
  bool json = false, markdown = false, no_progress = false;
};

void add_filters_subcommand(CLI::App& bench) {
  auto a = std::make_shared<BenchFiltersArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "filters",
      "Classic filters on Human3.6M detections vs projected ground truth: each at its default and at the setting of a "
      "small grid tuned on the tuning subjects (docs/benchmarks.md)");
  FilterBenchmarkOptions& o = a->options;
  cmd->add_option("--data", o.data_dir, "Human3.6M folder (h36m_sh layout)")->capture_default_str();
  cmd->add_option("--tune-subjects", o.tune_subjects, "Subjects the grid search sees")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--test-subjects", o.test_subjects, "Subjects the table is computed on")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--actions", o.actions, "Only these actions / trials (default: all), e.g. Walking,Eating_1")
      ->delimiter(',');
  cmd->add_option("--cameras", o.cameras, "Only these cameras (default: all four)")->delimiter(',');
  cmd->add_option("--filters", o.filters, "Only these filters (default: every registry filter)")->delimiter(',');
  cmd->add_option("--tune-stride", o.tune_stride,
                  "Tune on 1/N of the tuning sequences (one camera per trial for 4, cameras rotating)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--fps", o.fps, "Frame rate of the sequences")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--threads", o.threads, "Worker threads (default: one per core)");
  cmd->add_flag("--json", a->json, "Print one JSON object (rows and every grid point)");
  cmd->add_flag("--markdown", a->markdown, "Print the summary and tables as Markdown");
  cmd->add_flag("--no-progress", a->no_progress, "Never draw progress bars");
  cmd->callback([a] {
    FilterBenchmarkOptions o = a->options;
    o.progress = !a->no_progress;
    const FilterBenchmarkResult r = run_filter_benchmark(o);
    if (a->json) std::cout << filter_benchmark_json(r);
    else if (a->markdown) std::cout << filter_benchmark_markdown(r);
    else std::cout << filter_benchmark_text(r);
    std::cout.flush();
  });
}

struct BenchHanetArgs {
  hanet::HanetBenchmarkOptions options;
  bool json = false, markdown = false, no_train = false;
};

void add_hanet_subcommand(CLI::App& bench) {
  auto a = std::make_shared<BenchHanetArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "hanet",
      "HANet speed on this machine per configuration: parameters, windows/s and refined frames/s at batch 1 and a "
      "large batch, training steps/s, peak memory (docs/benchmarks.md)");
  hanet::HanetBenchmarkOptions& o = a->options;
  cmd->add_option("--configs", o.configs, "Configurations (compact, jhmdb_2d, h36m_3d)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Intra-op threads (default: one per core)");
  cmd->add_option("--seconds", o.seconds, "Time budget of each measurement")->capture_default_str();
  cmd->add_option("--batch", o.batch, "The large batch (inference and training)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the random models and windows")->capture_default_str();
  cmd->add_flag("--no-train", a->no_train, "Do not measure training steps");
  cmd->add_flag("--json", a->json, "Print one JSON object");
  cmd->add_flag("--markdown", a->markdown, "Print the table as Markdown");
  cmd->callback([a] {
    hanet::HanetBenchmarkOptions o = a->options;
    o.train = !a->no_train;
    o.progress = false;
    const hanet::HanetBenchmarkResult r = hanet::run_hanet_benchmark(o);
    if (a->json) std::cout << hanet::hanet_benchmark_json(r);
    else if (a->markdown) std::cout << hanet::hanet_benchmark_markdown(r);
    else std::cout << hanet::hanet_benchmark_text(r);
    std::cout.flush();
  });
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Re-runnable benchmarks (tables in docs/benchmarks.md)");
  bench->require_subcommand(1);
  add_filters_subcommand(*bench);
  add_hanet_subcommand(*bench);
}

}  // namespace kinepose::cli
