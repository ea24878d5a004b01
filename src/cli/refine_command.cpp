// `kinepose refine IN -o OUT --model PATH [--stride S] [--threads N]`: refines every track of a pose
// file with a learned HANet model (weights in safetensors), written in any format.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/input_options.h"
#include "cli/live_refine.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "models/hanet/hanet_refiner.h"
#include "util/model_paths.h"

namespace kinepose::cli {

namespace {

struct RefineArgs {
  std::string input, model;
  OutputOptions out;
  InputOptions in;
  int stride = 0, threads = 0, batch_size = 256;
  LiveOptions live;
};

}  // namespace

void add_refine_command(CLI::App& app) {
  auto a = std::make_shared<RefineArgs>();
  CLI::App* cmd = app.add_subcommand("refine", "Refine pose trajectories with a learned model (HANet)");
  cmd->footer(
      "Every track is refined separately. Missing joints are filled by linear interpolation in time before the model; "
      "coordinates are normalised as the model's metadata says (none, image_size, person_box, root_relative).");
  cmd->add_option("input", a->input, "Input pose file or folder")->required();
  a->out.add_to(*cmd);
  cmd->add_option("--model", a->model,
                  "Weights (.safetensors with the hyper-parameters in its metadata; HANet, SmoothNet or DeciWatch). "
                  "Default: the shipped model for the input's skeleton (2D mpii16: models/hanet_2d_mpii16_h36m.safetensors)");
  cmd->add_option("--stride", a->stride, "Window stride in frames, 1..L (default: the model's sample interval N)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", a->threads, "CPU threads (default: all cores)")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", a->batch_size, "Windows per forward pass (default 256)")->check(CLI::PositiveNumber);
  a->in.add_to(*cmd);
  add_live_options(*cmd, a->live);
  cmd->get_option("--output")->required(false);  // not with `--live -` (stdout); checked below otherwise

  cmd->callback([a] {
    hanet::set_threads(a->threads);
    if (a->live.live) {
      run_live_refine(a->input, a->model, a->live, a->in, a->out);
      return;
    }
    if (a->live.latency >= 0) throw Error("--latency", "only with --live");
    if (a->out.path.empty()) throw Error("--output", "is required");
    std::unique_ptr<hanet::HanetRefiner> given;
    if (!a->model.empty()) given = std::make_unique<hanet::HanetRefiner>(a->model);  // fails before the input is read
    Tracks tracks = read_poses(a->input, a->in.to_read_options());
    if (tracks.empty()) throw Error(a->input, "no pose sequences");
    if (!given) {
      const PoseSequence& first = tracks.front();
      const std::string model_path = default_model_path(first.skeleton ? first.skeleton->name : "", first.dims, false, a->input);
      given = std::make_unique<hanet::HanetRefiner>(model_path);
      if (!a->out.quiet) fmt::print("model: {} (default for {} {}D)\n", model_path, first.skeleton->name, first.dims);
    }
    const hanet::HanetRefiner& refiner = *given;
    hanet::RefineOptions opts;
    opts.stride = a->stride;
    opts.batch_size = a->batch_size;
    hanet::RefineReport report;
    for (size_t i = 0; i < tracks.size(); ++i) {
      const std::string where = tracks.size() == 1 ? a->input : fmt::format("{} (track {})", a->input, i);
      tracks[i] = refiner.refine(tracks[i], opts, &report, where);
    }
    a->out.write(tracks, fmt::format("{} windows of {} frames", report.windows, refiner.config().window()));
    if (!a->out.quiet) {
      if (report.filled_entries > 0)
        fmt::print("filled {} missing joint entries before refinement\n", report.filled_entries);
      if (!report.never_seen_joints.empty())
        fmt::print("joints missing in every frame (left missing): {}\n", fmt::join(report.never_seen_joints, ", "));
    }
  });
}

}  // namespace kinepose::cli
