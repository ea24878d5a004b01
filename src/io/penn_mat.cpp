// Penn Action label files (Zhang, Zhu, Derpanis, ICCV 2013): one MATLAB v5 .mat per clip with
// x, y (frames x 13, pixels), visibility (frames x 13, 0/1), bbox (frames x 4, [x1 y1 x2 y2]),
// dimensions [H W frames], nframes, action and pose (camera view) strings. Read-only.
//
// Choices (to be listed in the user docs on formats):
//  - invisible joints (visibility 0) become missing (NaN): their coordinates are guesses, often 0.
//    ReadOptions param invisible=keep keeps them; scores carry the visibility either way (0/1).
//  - fps is not stored in the labels; 0 (unknown) unless ReadOptions.fps (the clips are ~30 fps).
//  - sequence name "<stem>__<action>__<pose>", e.g. "0002__baseball_pitch__back".
//  - some upstream clips have one bbox row fewer than frames: that frame gets a NaN box.
#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>

#include "io/format_factories.h"
#include "io/mat_file.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace kinepose {

namespace {

constexpr int kJoints = 13;
constexpr size_t kMaxFrames = 10'000'000;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Rows of a (frames, cols) variable; throws naming the file and variable when the shape is wrong.
size_t rows_of(const MatArray& a, const std::string& path, const std::string& name, size_t cols) {
  if (a.dims.size() != 2 || a.dims[1] != cols)
    throw Error(path, "variable '" + name + "' has shape " + a.shape_string() + ", expected (frames, " +
                          std::to_string(cols) + ")");
  return a.dims[0];
}

Tracks read_penn_mat(const std::string& path, const ReadOptions& options) {
  bool keep_invisible = false;
  for (const auto& [key, value] : options.params) {
    if (key == "invisible") {
      if (value == "keep") keep_invisible = true;
      else if (value == "missing" || value == "nan") keep_invisible = false;
      else throw Error(path, "option invisible=" + value + " not understood (use invisible=keep or invisible=missing)");
    } else {
      throw Error(path, "unknown option '" + key + "' for Penn Action .mat (known: invisible=keep|missing)");
    }
  }
  SkeletonPtr skeleton = get_skeleton("penn13");
  if (!options.skeleton.empty() && get_skeleton(options.skeleton)->name != skeleton->name)
    throw Error(path, "Penn Action labels are always the penn13 skeleton, not '" + options.skeleton + "'");

  MatFile mat(path);
  for (const char* v : {"x", "y", "visibility"})
    if (!mat.has(v))
      throw Error(path, std::string("variable '") + v + "' is missing: not a Penn Action label file (needs x, y, visibility)");

  const MatArray x = mat.numeric("x");
  const MatArray y = mat.numeric("y");
  const MatArray vis = mat.numeric("visibility");
  const size_t frames = rows_of(x, path, "x", kJoints);
  if (frames == 0) throw Error(path, "empty clip (variable 'x' has 0 frames)");
  if (frames > kMaxFrames) throw Error(path, "absurd frame count " + std::to_string(frames));
  if (rows_of(y, path, "y", kJoints) != frames)
    throw Error(path, "variable 'y' has " + std::to_string(y.dims[0]) + " frames but 'x' has " + std::to_string(frames));
  if (rows_of(vis, path, "visibility", kJoints) != frames)
    throw Error(path, "variable 'visibility' has " + std::to_string(vis.dims[0]) + " frames but 'x' has " +
                          std::to_string(frames));
  if (mat.has("nframes")) {
    const MatArray n = mat.numeric("nframes");
    if (n.size() != 1) throw Error(path, "variable 'nframes' has shape " + n.shape_string() + ", expected a scalar");
    if (n.data[0] != static_cast<double>(frames))
      throw Error(path, "nframes says " + std::to_string(n.data[0]) + " frames but x/y have " + std::to_string(frames));
  }

  PoseSequence seq(skeleton, static_cast<int>(frames), 2);
  seq.units = "px";
  seq.fps = options.fps > 0 ? options.fps : 0.0;
  seq.scores.assign(frames * kJoints, 0.0f);
  for (size_t t = 0; t < frames; ++t) {
    for (int j = 0; j < kJoints; ++j) {
      const double v = vis.at(t, j), px = x.at(t, j), py = y.at(t, j);
      if (v != 0.0 && v != 1.0)
        throw Error(path, "visibility at frame " + std::to_string(t) + ", joint " + skeleton->joints[j] + " is " +
                              std::to_string(v) + ", expected 0 or 1");
      if (std::isinf(px) || std::isinf(py))
        throw Error(path, "infinite coordinate at frame " + std::to_string(t) + ", joint " + skeleton->joints[j]);
      seq.score(static_cast<int>(t), j) = static_cast<float>(v);
      if (v == 0.0 && !keep_invisible) continue;  // stays NaN
      seq.at(static_cast<int>(t), j, 0) = static_cast<float>(px);
      seq.at(static_cast<int>(t), j, 1) = static_cast<float>(py);
    }
  }

  if (mat.has("dimensions")) {
    const MatArray d = mat.numeric("dimensions");
    if (d.size() != 2 && d.size() != 3)
      throw Error(path, "variable 'dimensions' has shape " + d.shape_string() + ", expected [H W nframes]");
    const double h = d.data[0], w = d.data[1];
    if (!(h >= 1 && w >= 1 && h <= 100000 && w <= 100000))
      throw Error(path, "variable 'dimensions' gives an absurd image size " + std::to_string(w) + "x" + std::to_string(h));
    if (d.size() == 3 && d.data[2] != static_cast<double>(frames))
      throw Error(path, "dimensions say " + std::to_string(d.data[2]) + " frames but x/y have " + std::to_string(frames));
    seq.image_size = std::array<int, 2>{static_cast<int>(w), static_cast<int>(h)};
  }

  if (mat.has("bbox")) {
    const MatArray b = mat.numeric("bbox");
    if (b.size() > 0) {
      const size_t rows = rows_of(b, path, "bbox", 4);
      if (rows != frames && rows + 1 != frames)
        throw Error(path, "variable 'bbox' has " + std::to_string(rows) + " rows for " + std::to_string(frames) +
                              " frames (expected frames or frames - 1)");
      seq.boxes.assign(frames, BoundingBox{kNaN, kNaN, kNaN, kNaN, kNaN});
      for (size_t t = 0; t < rows; ++t) {
        BoundingBox& box = seq.boxes[t];
        box.x1 = static_cast<float>(b.at(t, 0));
        box.y1 = static_cast<float>(b.at(t, 1));
        box.x2 = static_cast<float>(b.at(t, 2));
        box.y2 = static_cast<float>(b.at(t, 3));
      }
    }
  }

  const std::string action = mat.has("action") ? mat.text("action") : "";
  const std::string pose = mat.has("pose") ? mat.text("pose") : "";
  seq.name = stem_of(path);
  if (!action.empty()) seq.name += "__" + action;
  if (!pose.empty()) seq.name += "__" + pose;
  spdlog::debug("{}: Penn Action clip, action '{}', view '{}', {} frames", path, action, pose, frames);

  seq.validate(path);
  return {seq};
}

}  // namespace

Format penn_mat_format() {
  Format f;
  f.name = "penn_action";
  f.description = "Penn Action label .mat (x, y, visibility, bbox; 13 joints; read-only)";
  f.extensions = {".mat"};
  f.is_folder = false;
  f.sniff = [](const std::string& path) {
    return extension_of(path) == ".mat" && mat_has_variables(path, {"x", "y", "visibility"});
  };
  f.read = read_penn_mat;
  return f;
}

}  // namespace kinepose
