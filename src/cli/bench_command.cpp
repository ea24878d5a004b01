// `kinepose bench <what>`: re-runnable benchmarks whose tables docs/benchmarks.md quotes.
//   bench filters   classic filters on Human3.6M detections, default vs tuned (src/evaluation/filter_benchmark.h)
//   bench refiners  bench filters + learned models (HANet, SmoothNet, DeciWatch) in one table (src/training/refiner_benchmark.h)
//   bench hanet     HANet speed and memory per configuration (src/models/hanet/hanet_benchmark.h)
//   bench live      live-path latency vs One-Euro, fast vs reference frames/s (src/models/hanet/live_benchmark.h)
//   bench lifting   2D -> 3D lifters, + filters, + 3D refiners: MPJPE / PA-MPJPE / accel (src/training/lifting_benchmark.h)
// This file only parses options and prints; the benchmark itself lives in the library.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "evaluation/filter_benchmark.h"
#include "models/hanet/hanet_benchmark.h"
#include "models/hanet/live_benchmark.h"
#include "training/lifting_benchmark.h"
#include "training/refiner_benchmark.h"

namespace kinepose::cli {

namespace {

struct BenchFiltersArgs {
  FilterBenchmarkOptions options;
  bool json = false, markdown = false, no_progress = false;
};

// The options shared by `bench filters` and `bench refiners`.
void add_filter_options(CLI::App& cmd, FilterBenchmarkOptions& o) {
  cmd.add_option("--data", o.data_dir, "Human3.6M folder (h36m_sh layout)")->capture_default_str();
  cmd.add_option("--tune-subjects", o.tune_subjects, "Subjects the grid search sees")->delimiter(',')->capture_default_str();
  cmd.add_option("--test-subjects", o.test_subjects, "Subjects the table is computed on")
      ->delimiter(',')
      ->capture_default_str();
  cmd.add_option("--actions", o.actions, "Only these actions / trials (default: all), e.g. Walking,Eating_1")
      ->delimiter(',');
  cmd.add_option("--cameras", o.cameras, "Only these cameras (default: all four)")->delimiter(',');
  cmd.add_option("--filters", o.filters, "Only these filters (default: every registry filter)")->delimiter(',');
  cmd.add_option("--tune-stride", o.tune_stride,
                 "Tune on 1/N of the tuning sequences (one camera per trial for 4, cameras rotating)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--fps", o.fps, "Frame rate of the sequences")->capture_default_str()->check(CLI::PositiveNumber);
  cmd.add_option("--threads", o.threads, "Worker threads of the filter rows (default: one per core)");
}

void print_result(const FilterBenchmarkResult& r, bool json, bool markdown) {
  if (json) std::cout << filter_benchmark_json(r);
  else if (markdown) std::cout << filter_benchmark_markdown(r);
  else std::cout << filter_benchmark_text(r);
  std::cout.flush();
}

void add_filters_subcommand(CLI::App& bench) {
  auto a = std::make_shared<BenchFiltersArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "filters",
      "Classic filters on Human3.6M detections vs projected ground truth: each at its default and at the setting of a "
      "small grid tuned on the tuning subjects (docs/benchmarks.md)");
  add_filter_options(*cmd, a->options);
  cmd->add_flag("--json", a->json, "Print one JSON object (rows and every grid point)");
  cmd->add_flag("--markdown", a->markdown, "Print the summary and tables as Markdown");
  cmd->add_flag("--no-progress", a->no_progress, "Never draw progress bars");
  cmd->callback([a] {
    FilterBenchmarkOptions o = a->options;
    o.progress = !a->no_progress;
    print_result(run_filter_benchmark(o), a->json, a->markdown);
  });
}

struct BenchRefinersArgs {
  RefinerBenchmarkOptions options;
  bool json = false, markdown = false, no_progress = false;
};

void add_refiners_subcommand(CLI::App& bench) {
  auto a = std::make_shared<BenchRefinersArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "refiners",
      "One table on Human3.6M detections: raw, every classic filter (default and tuned), and learned models (HANet, "
      "SmoothNet, DeciWatch weights) on the same test sequences (docs/benchmarks.md)");
  add_filter_options(*cmd, a->options.filters);
  cmd->add_option("--models", a->options.models, "Weights files of learned 2D mpii16 models, one row each")
      ->delimiter(',')
      ->check(CLI::ExistingFile);
  cmd->add_option("--model-threads", a->options.model_threads, "LibTorch threads of the learned rows (default: one per core)");
  cmd->add_option("--stride", a->options.stride, "Window stride of every model (default: each model's own)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--skip-filters", a->options.skip_filters, "Only raw detections and the models (no filter tuning)");
  cmd->add_flag("--json", a->json, "Print one JSON object");
  cmd->add_flag("--markdown", a->markdown, "Print the summary and tables as Markdown");
  cmd->add_flag("--no-progress", a->no_progress, "Never draw progress bars");
  cmd->callback([a] {
    RefinerBenchmarkOptions o = a->options;
    o.filters.progress = !a->no_progress;
    print_result(run_refiner_benchmark(o), a->json, a->markdown);
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

struct BenchLiveArgs {
  hanet::LiveBenchmarkOptions options;
  bool json = false, markdown = false, no_live = false, no_offline = false;
};

void add_live_subcommand(CLI::App& bench) {
  auto a = std::make_shared<BenchLiveArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "live",
      "Live HANet path: per-frame latency (median, p99) at K = 0, 2, 5 with 1 and 8 tracks vs streaming One-Euro; "
      "offline refined frames/s of the fast path vs the reference forward, memory_mask additive vs masked "
      "(docs/benchmarks.md)");
  hanet::LiveBenchmarkOptions& o = a->options;
  cmd->add_option("--model", o.model, "Live rows: weights file (default: a random model of --live-config)");
  cmd->add_option("--live-config", o.live_config, "Preset of the random live model")->capture_default_str();
  cmd->add_option("--latencies", o.latencies, "Latencies K of the live rows")->delimiter(',')->capture_default_str();
  cmd->add_option("--tracks", o.tracks, "Concurrent tracks of the live rows")->delimiter(',')->capture_default_str();
  cmd->add_option("--frames", o.frames, "Timed frames per live row")->capture_default_str();
  cmd->add_option("--configs", o.configs, "Offline rows: configurations (compact, h36m_3d, jhmdb_2d)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--batches", o.batches, "Offline rows: batch sizes")->delimiter(',')->capture_default_str();
  cmd->add_option("--seconds", o.seconds, "Time budget of each offline measurement")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Intra-op threads (0 = one per core)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the random models and inputs")->capture_default_str();
  cmd->add_flag("--no-live", a->no_live, "Skip the live rows");
  cmd->add_flag("--no-offline", a->no_offline, "Skip the offline rows");
  cmd->add_flag("--json", a->json, "Print one JSON object");
  cmd->add_flag("--markdown", a->markdown, "Print the tables as Markdown");
  cmd->callback([a] {
    hanet::LiveBenchmarkOptions o = a->options;
    o.live = !a->no_live;
    o.offline = !a->no_offline;
    const hanet::LiveBenchmarkResult r = hanet::run_live_benchmark(o);
    if (a->json) std::cout << hanet::live_benchmark_json(r);
    else if (a->markdown) std::cout << hanet::live_benchmark_markdown(r);
    else std::cout << hanet::live_benchmark_text(r);
    std::cout.flush();
  });
}

}  // namespace

struct BenchLiftingArgs {
  LiftingBenchmarkOptions options;
  bool json = false, no_progress = false;
};

void add_lifting_subcommand(CLI::App& bench) {
  auto a = std::make_shared<BenchLiftingArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "lifting",
      "The 3D protocol table: Human3.6M detections lifted to 3D (FCN, DG-Net), + classic filters tuned on the tuning "
      "subjects, + learned 3D refiners; MPJPE, PA-MPJPE, acceleration error on the test subjects (docs/benchmarks.md)");
  LiftingBenchmarkOptions& o = a->options;
  cmd->add_option("--data", o.data, "Human3.6M folder (h36m_sh layout)")->capture_default_str();
  cmd->add_option("--lifters", o.lifters, "Lifter weights, a row each; the first feeds the filter rows")
      ->delimiter(',')
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--refiners", o.refiners, "3D h36m17 refiners (HANet, SmoothNet, DeciWatch) on the first lifter's output; HANet ones on every lifter's")
      ->delimiter(',')
      ->check(CLI::ExistingFile);
  cmd->add_option("--filters", o.filters, "Filters tuned on the first lifter's output ('none': no filter rows)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_flag("--flip-rows", o.flip_rows,
                "Also score every lifter with the other test-time flip averaging setting (docs/lifting.md)");
  cmd->add_option("--test-subjects", o.test_subjects, "Subjects of the table")->delimiter(',')->capture_default_str();
  cmd->add_option("--tune-subjects", o.tune_subjects, "Subjects the filter grids are tuned on")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--cameras", o.cameras, "Only these cameras (default: all four)")->delimiter(',');
  cmd->add_option("--actions", o.actions, "Only these actions / trials (default: all)")->delimiter(',');
  cmd->add_option("--threads", o.threads, "LibTorch threads and filter workers (default: one per core)");
  cmd->add_flag("--json", a->json, "Print one JSON object instead of Markdown");
  cmd->add_flag("--no-progress", a->no_progress, "Never draw progress bars");
  cmd->callback([a] {
    LiftingBenchmarkOptions o = a->options;
    o.progress = !a->no_progress;
    if (o.filters == std::vector<std::string>{"none"}) o.filters.clear();
    const LiftingBenchmarkResult r = run_lifting_benchmark(o);
    std::cout << (a->json ? lifting_benchmark_json(r) : lifting_benchmark_markdown(r, o));
    std::cout.flush();
  });
}

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Re-runnable benchmarks (tables in docs/benchmarks.md)");
  bench->require_subcommand(1);
  add_filters_subcommand(*bench);
  add_refiners_subcommand(*bench);
  add_hanet_subcommand(*bench);
  add_live_subcommand(*bench);
  add_lifting_subcommand(*bench);
}

}  // namespace kinepose::cli
