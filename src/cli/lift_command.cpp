// `kinepose lift IN -o OUT [--model PATH]`: 2D keypoint tracks -> root-relative 3D (camera frame) with
// a trained lifter (FCN or DG-Net; docs/lifting.md). Without --model: the shipped default lifter
// (MPII-16 2D -> H36M-17 3D in mm, trained on Human3.6M).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/input_options.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "models/hanet/hanet_refiner.h"
#include "models/lifting/pose_lifter.h"
#include "util/model_paths.h"

namespace kinepose::cli {

namespace {

struct LiftArgs {
  std::string input, model, image_size;
  OutputOptions out;
  InputOptions in;
  int stride = 0, threads = 0;
  bool flip_test = false;
};

}  // namespace

void add_lift_command(CLI::App& app) {
  auto a = std::make_shared<LiftArgs>();
  CLI::App* cmd = app.add_subcommand("lift", "Lift 2D keypoint tracks to 3D (root-relative, camera frame)");
  cmd->footer(
      "Every track is lifted on its own; missing joints are filled by interpolation in time first. Output: the "
      "lifter's 3D skeleton (default h36m17, mm) with the root joint at the origin. Refine it with `kinepose refine`.");
  cmd->add_option("input", a->input, "Input 2D pose file or folder (pixels, with the image size)")->required();
  a->out.add_to(*cmd);
  cmd->add_option("--model", a->model,
                  "Lifter weights (.safetensors from `kinepose train` with \"task\": \"lift\"). Default: models/" +
                      default_lifter_file());
  cmd->add_option("--image-size", a->image_size, "WIDTHxHEIGHT (or W,H) of the video, for input files that do not record it");
  cmd->add_option("--stride", a->stride, "DG-Net window stride in frames (default: a third of the window)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", a->threads, "CPU threads (default: all cores)")->check(CLI::PositiveNumber);
  CLI::Option* flip = cmd->add_flag("--flip-test,!--no-flip-test", a->flip_test,
                                    "Average with the lift of the mirrored input (default: as the weights file says)");
  a->in.add_to(*cmd);

  cmd->callback([a, flip] {
    hanet::set_threads(a->threads);
    const std::optional<std::array<int, 2>> size = parse_image_size(a->image_size);
    const std::string model_path = a->model.empty() ? find_model_file(default_lifter_file()) : a->model;
    PoseLifter lifter(model_path);  // fails before the input is read
    if (flip->count() > 0) lifter.set_flip_test(a->flip_test);
    if (a->model.empty() && !a->out.quiet) fmt::print("model: {} (default lifter)\n", model_path);
    Tracks tracks = read_poses(a->input, a->in.to_read_options());
    if (tracks.empty()) throw Error(a->input, "no pose sequences");
    LiftReport report;
    Tracks out;
    for (size_t i = 0; i < tracks.size(); ++i) {
      const std::string where = tracks.size() == 1 ? a->input : fmt::format("{} (track {})", a->input, i);
      if (size) tracks[i].image_size = size;
      out.push_back(lifter.lift(tracks[i], where, &report, a->stride));
    }
    const LifterConfig& c = lifter.config();
    a->out.write(out, fmt::format("{} lifter, {} {}D -> {} 3D {}", c.arch, c.in_skeleton, 2, c.out_skeleton, c.units));
    if (!a->out.quiet && report.filled_entries > 0)
      fmt::print("filled {} missing joint entries before lifting\n", report.filled_entries);
  });
}

}  // namespace kinepose::cli
