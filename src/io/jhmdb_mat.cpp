// JHMDB joint annotations (Jhuang et al., ICCV 2013): one joint_positions.mat per clip holding
// pos_img (2 x 15 x frames, pixels in the 320x240 video) and pos_world (2 x 15 x frames, JHMDB's
// normalised person-centred coordinates), optionally scale and viewpoint. Read-only.
//
// Choices (to be listed in the user docs on formats):
//  - default coordinates: pos_img, units "px", image_size 320x240 (every JHMDB video is 320x240;
//    an image_size or dimensions variable [H W] in the file overrides it). ReadOptions param
//    coords=world reads pos_world instead (units "", no image size).
//  - fps 30 (the JHMDB videos are 30 fps) unless ReadOptions.fps.
//  - sequence name: the clip folder (the file is always called joint_positions.mat), else the stem.
#include <cmath>
#include <filesystem>

#include "io/format_factories.h"
#include "io/mat_file.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace fs = std::filesystem;

namespace kinepose {

namespace {

constexpr int kJoints = 15;
constexpr double kDefaultFps = 30.0;
constexpr int kWidth = 320, kHeight = 240;
constexpr size_t kMaxFrames = 10'000'000;

Tracks read_jhmdb_mat(const std::string& path, const ReadOptions& options) {
  bool world = false;
  for (const auto& [key, value] : options.params) {
    if (key == "coords") {
      if (value == "world") world = true;
      else if (value == "pixels" || value == "img" || value == "image") world = false;
      else throw Error(path, "option coords=" + value + " not understood (use coords=pixels or coords=world)");
    } else {
      throw Error(path, "unknown option '" + key + "' for JHMDB .mat (known: coords=pixels|world)");
    }
  }
  SkeletonPtr skeleton = get_skeleton("jhmdb15");
  if (!options.skeleton.empty() && get_skeleton(options.skeleton)->name != skeleton->name)
    throw Error(path, "JHMDB joint positions are always the jhmdb15 skeleton, not '" + options.skeleton + "'");

  MatFile mat(path);
  const std::string var = world ? "pos_world" : "pos_img";
  if (!mat.has(var)) {
    if (!mat.has("pos_img") && !mat.has("pos_world"))
      throw Error(path, "variables 'pos_img' / 'pos_world' are missing: not a JHMDB joint_positions.mat");
    throw Error(path, "variable '" + var + "' is missing (this file has only " + (world ? "pos_img" : "pos_world") + ")");
  }
  const MatArray pos = mat.numeric(var);
  // MATLAB drops a trailing singleton dimension, so a one-frame clip is stored as 2 x 15.
  const bool shape_ok = (pos.dims.size() == 3 || pos.dims.size() == 2) && pos.dim(0) == 2 && pos.dim(1) == kJoints;
  if (!shape_ok) throw Error(path, "variable '" + var + "' has shape " + pos.shape_string() + ", expected 2x15xframes");
  const size_t frames = pos.dim(2);
  if (frames == 0) throw Error(path, "empty clip (variable '" + var + "' has 0 frames)");
  if (frames > kMaxFrames) throw Error(path, "absurd frame count " + std::to_string(frames));

  PoseSequence seq(skeleton, static_cast<int>(frames), 2);
  for (size_t t = 0; t < frames; ++t)
    for (int j = 0; j < kJoints; ++j)
      for (int d = 0; d < 2; ++d) {
        const double v = pos.at(d, j, t);
        if (std::isinf(v))
          throw Error(path, "infinite coordinate in '" + var + "' at frame " + std::to_string(t) + ", joint " + skeleton->joints[j]);
        seq.at(static_cast<int>(t), j, d) = static_cast<float>(v);
      }

  seq.fps = options.fps > 0 ? options.fps : kDefaultFps;
  if (world) {
    seq.units = "";
  } else {
    seq.units = "px";
    seq.image_size = std::array<int, 2>{kWidth, kHeight};
    for (const char* size_var : {"image_size", "dimensions"}) {
      if (!mat.has(size_var)) continue;
      const MatArray d = mat.numeric(size_var);
      if (d.size() < 2 || d.size() > 3 || !(d.data[0] >= 1 && d.data[1] >= 1 && d.data[0] <= 100000 && d.data[1] <= 100000))
        throw Error(path, std::string("variable '") + size_var + "' has shape " + d.shape_string() +
                              " or absurd values, expected [H W]");
      seq.image_size = std::array<int, 2>{static_cast<int>(d.data[1]), static_cast<int>(d.data[0])};
      break;
    }
  }
  const fs::path p(path);
  const std::string folder = p.parent_path().filename().string();
  seq.name = (p.stem() == "joint_positions" && !folder.empty() && folder != "." && folder != "..") ? folder : stem_of(path);

  seq.validate(path);
  return {seq};
}

}  // namespace

Format jhmdb_mat_format() {
  Format f;
  f.name = "jhmdb";
  f.description = "JHMDB joint_positions.mat (pos_img pixels or pos_world; 15 joints; read-only)";
  f.extensions = {".mat"};
  f.is_folder = false;
  f.sniff = [](const std::string& path) {
    return extension_of(path) == ".mat" &&
           (mat_has_variables(path, {"pos_img"}) || mat_has_variables(path, {"pos_world"}));
  };
  f.read = read_jhmdb_mat;
  return f;
}

}  // namespace kinepose
