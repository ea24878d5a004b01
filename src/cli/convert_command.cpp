// `kinepose convert IN -o OUT [--to-skeleton NAME]`: any readable pose format to any writable one.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/input_options.h"
#include "kinepose/error.h"
#include "kinepose/io.h"

namespace kinepose::cli {

namespace {
struct ConvertArgs {
  std::string input, output, format, to_skeleton;
  InputOptions in;
  bool allow_missing = false, no_compress = false, quiet = false;
};
}  // namespace

void add_convert_command(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert between pose formats (and skeletons)");
  cmd->add_option("input", a->input, "Input pose file or folder")->required();
  cmd->add_option("-o,--output", a->output, "Output file or folder (format from the extension, or --format)")->required();
  cmd->add_option("--format", a->format, "Output format (npz, csv, coco, openpose, posetrack18, mmpose)");
  cmd->add_option("--to-skeleton", a->to_skeleton, "Convert joints to this skeleton (e.g. coco17, h36m17)");
  cmd->add_flag("--allow-missing", a->allow_missing, "With --to-skeleton: fill joints without a counterpart with NaN");
  cmd->add_flag("--no-compress", a->no_compress, "npz: store members uncompressed");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing on success");
  a->in.add_to(*cmd);
  cmd->callback([a] {
    Tracks tracks = read_poses(a->input, a->in.to_read_options());
    if (!a->to_skeleton.empty()) {
      SkeletonPtr to = get_skeleton(a->to_skeleton);
      for (auto& t : tracks) t = convert_skeleton(t, to, a->allow_missing);
    }
    WriteOptions w;
    w.format = a->format;
    w.compress = !a->no_compress;
    write_poses(a->output, tracks, w);
    if (!a->quiet) {
      int frames = 0;
      for (const auto& t : tracks) frames = std::max(frames, t.frames);
      fmt::print("wrote {} ({} track{}, {} frames, skeleton {})\n", a->output, tracks.size(),
                 tracks.size() == 1 ? "" : "s", frames,
                 tracks.front().skeleton->name.empty() ? "custom" : tracks.front().skeleton->name);
    }
  });
}

}  // namespace kinepose::cli
