// `kinepose info FILE`: what a pose file holds — per track: frames, joints, skeleton, fps, image
// size, units, missing fraction and a per-joint confidence summary.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/input_options.h"
#include "kinepose/io.h"

namespace kinepose::cli {

namespace {

struct InfoArgs {
  std::string input;
  InputOptions in;
  bool json = false;
  bool per_joint = true;
};

struct JointStats {
  double missing = 0, score_mean = NAN, score_min = NAN, score_low = NAN;  // low = fraction < 0.3
};

std::vector<JointStats> joint_stats(const PoseSequence& s) {
  std::vector<JointStats> out(s.joints());
  for (int j = 0; j < s.joints(); ++j) {
    int miss = 0, low = 0;
    double sum = 0, mn = INFINITY;
    for (int t = 0; t < s.frames; ++t) {
      miss += s.missing(t, j) ? 1 : 0;
      if (s.has_scores()) {
        float c = s.score(t, j);
        sum += c;
        mn = std::min(mn, static_cast<double>(c));
        low += c < 0.3f ? 1 : 0;
      }
    }
    out[j].missing = static_cast<double>(miss) / s.frames;
    if (s.has_scores()) {
      out[j].score_mean = sum / s.frames;
      out[j].score_min = mn;
      out[j].score_low = static_cast<double>(low) / s.frames;
    }
  }
  return out;
}

nlohmann::json to_json(const PoseSequence& s) {
  nlohmann::json j;
  j["name"] = s.name;
  j["track_id"] = s.track_id ? nlohmann::json(*s.track_id) : nlohmann::json(nullptr);
  j["frames"] = s.frames;
  j["joints"] = s.joints();
  j["dims"] = s.dims;
  j["skeleton"] = s.skeleton->name.empty() ? "custom" : s.skeleton->name;
  j["fps"] = s.fps;
  j["duration_s"] = s.fps > 0 ? nlohmann::json(s.frames / s.fps) : nlohmann::json(nullptr);
  j["image_size"] = s.image_size ? nlohmann::json{(*s.image_size)[0], (*s.image_size)[1]} : nlohmann::json(nullptr);
  j["units"] = s.units;
  j["missing_fraction"] = s.missing_fraction();
  j["has_scores"] = s.has_scores();
  j["has_boxes"] = s.has_boxes();
  auto stats = joint_stats(s);
  nlohmann::json joints = nlohmann::json::array();
  for (int k = 0; k < s.joints(); ++k) {
    nlohmann::json e{{"joint", s.skeleton->joints[k]}, {"missing_fraction", stats[k].missing}};
    if (s.has_scores()) {
      e["score_mean"] = stats[k].score_mean;
      e["score_min"] = stats[k].score_min;
      e["low_score_fraction"] = stats[k].score_low;
    }
    joints.push_back(e);
  }
  j["per_joint"] = joints;
  return j;
}

void print_text(const std::string& path, const Tracks& tracks, bool per_joint) {
  fmt::print("{}: {} track{}\n", path, tracks.size(), tracks.size() == 1 ? "" : "s");
  for (const auto& s : tracks) {
    std::string id = s.track_id ? fmt::format("track {}", *s.track_id) : std::string("track");
    if (!s.name.empty()) id += " '" + s.name + "'";
    fmt::print("{}: {} frames x {} joints x {}D, skeleton {}, fps {}{}, units {}, missing {:.1f}%{}\n", id,
               s.frames, s.joints(), s.dims, s.skeleton->name.empty() ? "custom" : s.skeleton->name,
               s.fps > 0 ? fmt::format("{:g}", s.fps) : "unknown",
               s.image_size ? fmt::format(", image {}x{}", (*s.image_size)[0], (*s.image_size)[1]) : "",
               s.units.empty() ? "unknown" : s.units, 100.0 * s.missing_fraction(), s.has_boxes() ? ", boxes" : "");
    if (!per_joint) continue;
    auto stats = joint_stats(s);
    fmt::print("  {:<18} {:>8}{}\n", "joint", "missing", s.has_scores() ? "   score mean    min  <0.3" : "  (no confidence scores)");
    for (int j = 0; j < s.joints(); ++j) {
      fmt::print("  {:<18} {:>7.1f}%", s.skeleton->joints[j], 100 * stats[j].missing);
      if (s.has_scores())
        fmt::print("   {:>10.3f} {:>6.3f} {:>4.0f}%", stats[j].score_mean, stats[j].score_min, 100 * stats[j].score_low);
      fmt::print("\n");
    }
  }
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "Summarise a pose file: frames, joints, skeleton, fps, missing joints, confidence");
  cmd->add_option("input", args->input, "Pose file or folder (any readable format)")->required();
  args->in.add_to(*cmd);
  cmd->add_flag("--json", args->json, "Print one machine-readable JSON object");
  cmd->add_flag("!--no-joints", args->per_joint, "Omit the per-joint table");
  cmd->callback([args] {
    Tracks tracks = read_poses(args->input, args->in.to_read_options());
    if (args->json) {
      nlohmann::json j{{"file", args->input}, {"tracks", nlohmann::json::array()}};
      for (const auto& s : tracks) j["tracks"].push_back(to_json(s));
      std::cout << j.dump(2) << "\n";
    } else {
      print_text(args->input, tracks, args->per_joint);
    }
  });
}

}  // namespace kinepose::cli
