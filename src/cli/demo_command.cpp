// `kinepose demo`: the whole pipeline on built-in data, no downloads — synthesise a 2D MPII-16
// motion at 50 fps, add detector noise drawn from the noise model fitted to real Stacked-Hourglass
// residuals (models/noise/h36m_sh_mpii16.json, docs/datasets.md), refine it with the shipped
// default model (models/hanet_2d_mpii16_h36m.safetensors, docs/models.md), write the sequences and a
// trajectory plot, and print how much the refinement reduced position error and jitter next to
// the best classic filter on the same input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "kinepose/error.h"
#include "kinepose/filters.h"
#include "kinepose/fileutil.h"
#include "kinepose/io.h"
#include "kinepose/metrics.h"
#include "models/hanet/hanet_refiner.h"
#include "synthetic/motion.h"
#include "synthetic/noise_model.h"
#include "util/model_paths.h"
#include "visualization/trajectory_plot.h"

namespace kinepose::cli {

namespace {

struct DemoArgs {
  std::string output = "kinepose-demo";
  int frames = 300;
  uint64_t seed = 0;
  std::string motion = "walk";
  int threads = 0;
};

// The comparison row: on the demo clips the offline constant-acceleration Kalman smoother (RTS)
// at its defaults has the lowest error of the classic filters (compare with `kinepose smooth` +
// `kinepose eval` on input.npz), and it fills missing joints by prediction.
constexpr const char* kDemoFilter = "kalman_ca_rts";
constexpr const char* kNoiseModel = "noise/h36m_sh_mpii16.json";

std::string fmt_metric(double v) { return std::isfinite(v) ? fmt::format("{:12.2f}", v) : fmt::format("{:>12}", "-"); }

void run_demo(const DemoArgs& a) {
  if (a.frames < 3 || a.frames > 1'000'000)
    throw Error("--frames", "must be in [3, 1000000], got " + std::to_string(a.frames));

  // The shipped model and noise model first: a broken installation fails before any work.
  const std::string model_path = default_model_path("mpii16", 2, false, "kinepose demo");
  hanet::set_threads(a.threads);
  const hanet::HanetRefiner refiner(model_path);
  const NoiseModel noise = load_noise_model(find_model_file(kNoiseModel));

  SynthOptions synth;
  synth.frames = a.frames;
  synth.fps = refiner.config().fps > 0 ? refiner.config().fps : 50.0;
  synth.seed = a.seed;
  synth.skeleton = "mpii16";
  synth.motion = a.motion;
  synth.image_width = synth.image_height = 1000;  // the Human3.6M cameras' frame size
  PoseSequence truth = synth_motion_2d(synth);
  PoseSequence input = apply_noise(truth, noise, a.seed);

  PoseSequence refined = refiner.refine(input, {}, nullptr, "kinepose demo");
  const PoseSequence filtered = make_filter(kDemoFilter)->apply(input);

  // Everything that depends on the data (metrics, the plot) is done before the first write, so a
  // failure there leaves no half-written demo folder.
  const MetricsReport before = evaluate(input, truth), after = evaluate(refined, truth);
  const double accel_truth = jitter(truth).value;
  const double error_input = before.get("error_2d").value, accel_input = jitter(input).value;
  const double error_refined = after.get("error_2d").value, accel_refined = jitter(refined).value;
  const double accel_err_input = before.get("accel_error").value, accel_err_refined = after.get("accel_error").value;
  const MetricsReport filt = evaluate(filtered, truth);
  const std::string model_name = std::filesystem::path(model_path).filename().string();

  const std::string motion = a.motion.empty() ? "random" : a.motion;
  TrajectoryPlotOptions plot;
  plot.title = fmt::format("kinepose demo: {} ({} frames, seed {}), refined with {}", motion, a.frames, a.seed,
                           model_name);
  const std::vector<uint8_t> png = render_trajectory_plot({{"ground truth", &truth, {0, 0, 0}, 2},
                                                           {"noisy input", &input, {0, 0, 0}, 1},
                                                           {"refined", &refined, {0, 0, 0}, 2}},
                                                          plot);

  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(a.output, ec) && !fs::is_directory(a.output, ec))
    throw Error(a.output, "exists and is not a folder");
  fs::create_directories(a.output, ec);
  if (ec) throw Error(a.output, "cannot create folder: " + ec.message());

  const fs::path dir(a.output);
  const std::string gt_path = (dir / "ground_truth.npz").string();
  const std::string in_path = (dir / "input.npz").string();
  const std::string out_path = (dir / "refined.npz").string();
  const std::string png_path = (dir / "trajectories.png").string();
  truth.name = "ground_truth";
  input.name = "input";
  refined.name = "refined";
  write_poses(gt_path, {truth});
  write_poses(in_path, {input});
  write_poses(out_path, {refined});
  write_atomically(png_path, [&](const std::string& tmp) {
    std::ofstream f(tmp, std::ios::binary);
    f.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
    f.close();
    if (!f) throw Error(png_path, "cannot write file");
  });

  fmt::print("kinepose demo: {} motion, {} frames at {} fps, skeleton {}, seed {}\n", motion, truth.frames, truth.fps,
             truth.skeleton->name, a.seed);
  fmt::print("{:<24} {:>12} {:>12} {:>12}\n", "", "error px", "accel err", "jitter");
  fmt::print("{:<24} {} {} {}\n", "ground truth", fmt_metric(NAN), fmt_metric(NAN), fmt_metric(accel_truth));
  fmt::print("{:<24} {} {} {}\n", "input (noisy)", fmt_metric(error_input), fmt_metric(accel_err_input),
             fmt_metric(accel_input));
  fmt::print("{:<24} {} {} {}\n", fmt::format("filtered ({})", kDemoFilter), fmt_metric(filt.get("error_2d").value),
             fmt_metric(filt.get("accel_error").value), fmt_metric(jitter(filtered).value));
  fmt::print("{:<24} {} {} {}\n", "refined (HANet)", fmt_metric(error_refined), fmt_metric(accel_err_refined),
             fmt_metric(accel_refined));
  fmt::print("(model: {}; noise: {} fitted to real detector residuals)\n", model_path, kNoiseModel);
  fmt::print("(error: mean joint distance to ground truth; accel err: acceleration error vs ground truth, "
             "px/frame^2; jitter: mean |second difference|, px/frame^2 — definitions in docs/metrics.md)\n");
  fmt::print("wrote {}\nwrote {}\nwrote {}\nwrote {}\n", gt_path, in_path, out_path, png_path);
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Run the pipeline on built-in synthetic data: ground truth, noisy input, refined output and a plot");
  cmd->add_option("-o,--output", args->output, "Output folder (created if absent)")->capture_default_str();
  cmd->add_option("--frames", args->frames, "Number of frames (at the model's 50 fps)")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed for the motion and the noise")->capture_default_str();
  cmd->add_option("--threads", args->threads, "CPU threads of the model (default: all cores)")->check(CLI::PositiveNumber);
  cmd->add_option("--motion", args->motion, "Synthetic motion")
      ->check(CLI::IsMember({"walk", "squat", "wave"}))
      ->capture_default_str();
  cmd->callback([args] { run_demo(*args); });
}

}  // namespace kinepose::cli
