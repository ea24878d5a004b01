// Shipped models: search folders and the default-model table (see model_paths.h).
#include "util/model_paths.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "kinepose/error.h"

namespace kinepose {

namespace fs = std::filesystem;

const std::vector<DefaultModel>& default_models() {
  static const std::vector<DefaultModel> table{
      {"mpii16", 2, false, "hanet_2d_mpii16_h36m.safetensors",
       "HANet, 2D MPII-16 keypoints (trained on Human3.6M Stacked-Hourglass detections)"},
      {"mpii16", 2, true, "hanet_live_2d_mpii16_h36m.safetensors",
       "HANet live (K = 2 frames of look-ahead), 2D MPII-16 keypoints (Human3.6M Stacked-Hourglass detections)"},
      {"h36m17", 3, false, "hanet_3d_h36m17.safetensors",
       "HANet 3D, H36M-17 root-relative joints in mm (trained on FCN-lifted Human3.6M detections)"},
  };
  return table;
}

std::string default_lifter_file() { return "lifter_fcn_mpii16_h36m17.safetensors"; }

std::vector<std::string> model_search_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("KINEPOSE_MODELS"); env && *env) dirs.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path d = exe.parent_path();
    dirs.push_back((d / ".." / "models").lexically_normal().string());
    dirs.push_back((d / "models").lexically_normal().string());
    dirs.push_back((d / ".." / "share" / "kinepose" / "models").lexically_normal().string());
  }
  dirs.emplace_back("models");
  return dirs;
}

std::string find_model_file(const std::string& file_name) {
  const std::vector<std::string> dirs = model_search_dirs();
  for (const std::string& d : dirs) {
    const fs::path p = fs::path(d) / file_name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  throw Error(file_name, fmt::format("shipped model not found in {} (set KINEPOSE_MODELS to the models folder)",
                                     fmt::join(dirs, ", ")));
}

std::string default_model_path(const std::string& skeleton, int dims, bool live, const std::string& where) {
  std::vector<std::string> have;
  for (const DefaultModel& m : default_models()) {
    if (m.live != live) continue;
    if (m.skeleton == skeleton && m.dims == dims) return find_model_file(m.file);
    have.push_back(fmt::format("{} {}D", m.skeleton, m.dims));
  }
  const std::string kind = live ? "live default model" : "default model";
  std::string hint;
  if (dims == 2)
    hint = " — convert the input first (`kinepose convert IN -o OUT.npz --skeleton mpii16`, joints it lacks need "
           "--allow-missing) or pass --model with weights trained for " + skeleton + " (`kinepose train`)";
  else
    hint = " — pass --model with weights trained for " + skeleton + " " + std::to_string(dims) + "D (`kinepose train`)";
  throw Error(where, fmt::format("no {} for {} {}D poses (defaults exist for: {}){}", kind, skeleton, dims,
                                 have.empty() ? "none" : fmt::format("{}", fmt::join(have, ", ")), hint));
}

}  // namespace kinepose
