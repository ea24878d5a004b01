// `kinepose smooth IN -o OUT --filter NAME [filter options]`: temporal smoothing of every track of a
// pose file with one of the classic filters (include/kinepose/filters.h), written in any format.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/input_options.h"
#include "kinepose/error.h"
#include "kinepose/filters.h"
#include "kinepose/io.h"

namespace kinepose::cli {

namespace {

struct SmoothArgs {
  std::string input, filter;
  OutputOptions out;
  InputOptions in;
  FilterParams params;
  bool no_scale_invariance = false;
  // Filter-specific options given on the command line, checked against the chosen filter.
  std::vector<std::pair<CLI::Option*, std::set<std::string>>> specific;
};

std::string filter_list() {
  std::string s;
  for (const auto& f : filter_infos()) s += fmt::format("\n  {:<14} {}", f.name, f.description);
  return s;
}

}  // namespace

void add_smooth_command(CLI::App& app) {
  auto a = std::make_shared<SmoothArgs>();
  const FilterParams d;
  CLI::App* cmd = app.add_subcommand("smooth", "Smooth pose trajectories over time with a classic filter");
  cmd->footer("Filters:" + filter_list() +
              "\nEvery track is filtered separately; see docs/filters.md for the defaults and their sources.\n");
  cmd->add_option("input", a->input, "Input pose file or folder")->required();
  a->out.add_to(*cmd);
  cmd->add_option("--filter", a->filter, "Filter name (one_euro, savgol, gaussian, kalman_cv, kalman_ca, kalman_cv_rts, kalman_ca_rts)")
      ->required();

  const std::set<std::string> one_euro{"one_euro"}, windowed{"savgol", "gaussian"}, savgol{"savgol"},
      gaussian{"gaussian"}, kalman{"kalman_cv", "kalman_ca", "kalman_cv_rts", "kalman_ca_rts"};
  auto opt = [&](const char* name, auto& value, const std::string& help, const std::set<std::string>& filters) {
    CLI::Option* o = cmd->add_option(name, value, help);
    a->specific.emplace_back(o, filters);
    return o;
  };
  opt("--min-cutoff", a->params.min_cutoff, fmt::format("one_euro: cutoff at zero speed, Hz (default {})", d.min_cutoff), one_euro);
  opt("--beta", a->params.beta, fmt::format("one_euro: cutoff slope per unit of speed (default {})", d.beta), one_euro);
  opt("--d-cutoff", a->params.d_cutoff, fmt::format("one_euro: cutoff of the speed estimate, Hz (default {})", d.d_cutoff), one_euro);
  a->specific.emplace_back(
      cmd->add_flag("--no-scale-invariance", a->no_scale_invariance,
                    "one_euro: measure speed in coordinate units / s instead of person sizes / s"),
      one_euro);
  opt("--window", a->params.window, fmt::format("savgol/gaussian: window length in frames, odd (default {})", d.window), windowed);
  opt("--order", a->params.order, fmt::format("savgol: polynomial order (default {})", d.order), savgol);
  opt("--sigma", a->params.sigma, fmt::format("gaussian: kernel std in frames (default {})", d.sigma), gaussian);
  opt("--median-window", a->params.median_window,
      fmt::format("gaussian: median pre-filter length, odd; 0 = off (default {})", d.median_window), gaussian);
  opt("--process-noise", a->params.process_noise,
      fmt::format("kalman: std of the velocity (CV) / acceleration (CA) change per frame (default {})", d.process_noise), kalman);
  opt("--measurement-noise", a->params.measurement_noise,
      fmt::format("kalman: std of a full-confidence measurement (default {})", d.measurement_noise), kalman);
  opt("--max-gap", a->params.max_gap,
      fmt::format("kalman: fill missing frames within this many frames of an observation (default {})", d.max_gap), kalman);
  cmd->add_option("--min-score", a->params.min_score,
                  "Joints with a lower confidence are not used as measurements (default 0 = all used)");
  a->in.add_to(*cmd);  // --in-format, --skeleton, --fps (also the frame rate One-Euro runs at), --param

  cmd->callback([a] {
    const FilterInfo& info = filter_info(a->filter);
    for (const auto& [o, filters] : a->specific)
      if (o->count() > 0 && !filters.count(info.name))
        throw Error(o->get_name(), "does not apply to filter " + info.name);
    FilterParams p = a->params;
    p.scale_invariant = !a->no_scale_invariance;
    p.fps = 0.0;  // --fps already overrides the file's rate on reading
    std::unique_ptr<SequenceFilter> filter = make_filter(info.name, p);  // rejects bad parameters first

    Tracks tracks = read_poses(a->input, a->in.to_read_options());
    if (info.needs_fps)
      for (const auto& t : tracks)
        if (!(t.fps > 0.0))
          throw Error(a->input, "frame rate unknown; filter " + info.name + " needs it: pass --fps");
    for (auto& t : tracks) t = filter->apply(t);

    a->out.write(tracks, "filter " + info.name);
  });
}

}  // namespace kinepose::cli
