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
  std::string input, to_skeleton;
  InputOptions in;
  OutputOptions out;
  bool allow_missing = false;
};
}  // namespace

void add_convert_command(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert between pose formats (and skeletons)");
  cmd->add_option("input", a->input, "Input pose file or folder")->required();
  a->out.add_to(*cmd);
  cmd->add_option("--to-skeleton", a->to_skeleton, "Convert joints to this skeleton (e.g. coco17, h36m17)");
  cmd->add_flag("--allow-missing", a->allow_missing, "With --to-skeleton: fill joints without a counterpart with NaN");
  a->in.add_to(*cmd);
  cmd->callback([a] {
    Tracks tracks = read_poses(a->input, a->in.to_read_options());
    if (!a->to_skeleton.empty()) {
      SkeletonPtr to = get_skeleton(a->to_skeleton);
      for (auto& t : tracks) t = convert_skeleton(t, to, a->allow_missing);
    }
    const std::string& skel = tracks.front().skeleton->name;
    a->out.write(tracks, "skeleton " + (skel.empty() ? std::string("custom") : skel));
  });
}

}  // namespace kinepose::cli
