// `kinepose refine --live` (see live_refine.h).
#include "cli/live_refine.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <iostream>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kinepose/error.h"
#include "kinepose/io.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet_stream.h"
#include "util/model_paths.h"

namespace kinepose::cli {

namespace {

using Json = nlohmann::json;

std::string model_skeleton_name(const HanetConfig& c) {
  return has_skeleton(c.skeleton) ? get_skeleton(c.skeleton)->name : c.skeleton;
}

void check_track(const PoseSequence& seq, const HanetConfig& c, const std::string& where) {
  if (!seq.skeleton) throw Error(where, "sequence has no skeleton");
  if (!c.skeleton.empty() && seq.skeleton->name != model_skeleton_name(c)) {
    const std::string want = model_skeleton_name(c);
    throw Error(where, "skeleton '" + seq.skeleton->name + "' does not match the model's '" + want +
                           "' (convert the input to " + want + " first)");
  }
  if (seq.joints() != c.joints)
    throw Error(where, fmt::format("{} joints per frame, the model expects {}", seq.joints(), c.joints));
  if (seq.dims != c.dims) throw Error(where, fmt::format("{}D poses, the model expects {}D", seq.dims, c.dims));
}

// One coordinate of a stdin line: a number or null (NaN).
float coordinate(const Json& v, const std::string& where) {
  if (v.is_null()) return NAN;
  if (!v.is_number()) throw Error(where, "keypoints: coordinates must be numbers or null, got " + v.dump());
  const double x = v.get<double>();
  if (!std::isfinite(x)) throw Error(where, "keypoints: non-finite coordinate");
  return static_cast<float>(x);
}

// Parses "keypoints" into joints*dims values; returns false for "no detection".
bool parse_keypoints(const Json& kp, int J, int D, std::vector<float>& out, const std::string& where) {
  if (kp.is_null() || (kp.is_array() && kp.empty())) return false;
  if (!kp.is_array()) throw Error(where, "keypoints: expected an array, got " + std::string(kp.type_name()));
  out.assign(static_cast<size_t>(J * D), NAN);
  if (static_cast<int>(kp.size()) == J) {  // [[x, y], ...]
    for (int j = 0; j < J; ++j) {
      const Json& p = kp[static_cast<size_t>(j)];
      if (p.is_null()) continue;
      if (!p.is_array() || static_cast<int>(p.size()) < D || static_cast<int>(p.size()) > D + 1)
        throw Error(where, fmt::format("keypoints: joint {} must be [{}] (or null), got {}", j,
                                       D == 2 ? "x, y" : "x, y, z", p.dump()));
      for (int d = 0; d < D; ++d) out[static_cast<size_t>(j * D + d)] = coordinate(p[static_cast<size_t>(d)], where);
    }
    return true;
  }
  if (static_cast<int>(kp.size()) != J * D)
    throw Error(where, fmt::format("keypoints: {} entries, the model expects {} joints ([{}] each) or {} numbers",
                                   kp.size(), J, D == 2 ? "x, y" : "x, y, z", J * D));
  for (int k = 0; k < J * D; ++k) out[static_cast<size_t>(k)] = coordinate(kp[static_cast<size_t>(k)], where);
  return true;
}

int64_t integer_field(const Json& obj, const char* name, const std::string& where) {
  const Json& v = obj.at(name);
  if (!v.is_number_integer()) throw Error(where, fmt::format("\"{}\" must be an integer, got {}", name, v.dump()));
  return v.get<int64_t>();
}

std::string output_line(const hanet::StreamOutput& o, int J, int D) {
  nlohmann::ordered_json kps = nlohmann::ordered_json::array();
  for (int j = 0; j < J; ++j) {
    nlohmann::ordered_json p = nlohmann::ordered_json::array();
    bool any = true;
    for (int d = 0; d < D; ++d) any = any && std::isfinite(o.keypoints[static_cast<size_t>(j * D + d)]);
    if (!any) {
      kps.push_back(nullptr);
      continue;
    }
    for (int d = 0; d < D; ++d) p.push_back(o.keypoints[static_cast<size_t>(j * D + d)]);
    kps.push_back(std::move(p));
  }
  nlohmann::ordered_json line = {{"frame", o.frame}, {"track", o.track}, {"keypoints", std::move(kps)}};
  if (!o.detected) line["detected"] = false;
  return line.dump();
}

}  // namespace

void add_live_options(CLI::App& cmd, LiveOptions& o) {
  cmd.add_flag("--live", o.live,
               "Streaming (causal) refinement: frame t is refined from frames up to t+K (--latency). Input '-' reads "
               "one JSON object per line on stdin and writes one per line on stdout");
  cmd.add_option("--latency", o.latency, "--live: frames of look-ahead K, 0..L-1 (default: the K the model was trained for, else 0)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-gap", o.max_gap, "--live: frames without detection after which a track restarts (default 10)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--image-size", o.image_size, "--live with stdin input: WIDTHxHEIGHT, for image-size-normalised models");
}

int64_t run_live_json_lines(hanet::StreamRefiner& refiner, std::istream& in, std::ostream& out,
                            const std::string& skeleton) {
  const HanetConfig& c = refiner.config();
  const int J = refiner.joints(), D = refiner.dims();
  if (!skeleton.empty() && !c.skeleton.empty()) {
    const std::string given = has_skeleton(skeleton) ? get_skeleton(skeleton)->name : skeleton;
    if (given != model_skeleton_name(c))
      throw Error("--skeleton", "'" + given + "' does not match the model's '" + model_skeleton_name(c) + "'");
  }
  int64_t written = 0;
  auto emit = [&](const std::vector<hanet::StreamOutput>& outs) {
    for (const auto& o : outs) {
      out << output_line(o, J, D) << '\n';
      ++written;
    }
    out.flush();
  };
  std::string line;
  int64_t n = 0;
  std::vector<float> kp;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = fmt::format("stdin line {}", n);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const Json obj = Json::parse(line, nullptr, false);
    if (obj.is_discarded()) throw Error(where, "not valid JSON");
    if (!obj.is_object()) throw Error(where, "expected a JSON object {\"frame\": t, \"keypoints\": [...]}");
    if (!obj.contains("frame")) throw Error(where, "missing \"frame\"");
    if (!obj.contains("keypoints")) throw Error(where, "missing \"keypoints\"");
    const int64_t frame = integer_field(obj, "frame", where);
    if (frame < 0) throw Error(where, "\"frame\" must be >= 0");
    const int64_t track = obj.contains("track") ? integer_field(obj, "track", where) : 0;
    const bool detected = parse_keypoints(obj.at("keypoints"), J, D, kp, where);
    try {
      emit(refiner.push(track, frame, detected ? kp.data() : nullptr));
    } catch (const Error& e) {
      throw Error(where, e.detail());
    }
  }
  emit(refiner.flush());
  return written;
}

void run_live_refine(const std::string& input, const std::string& model, const LiveOptions& live,
                     const InputOptions& in, const OutputOptions& out) {
  hanet::StreamOptions so;
  so.latency = live.latency;
  so.max_gap = live.max_gap;
  so.image_size = parse_image_size(live.image_size);

  if (input == "-") {
    if (!out.path.empty() && out.path != "-")
      throw Error("-o", "with stdin input ('-') the refined frames go to stdout; drop -o");
    std::string path = model;
    if (path.empty()) {
      path = default_model_path(in.skeleton.empty() ? "mpii16" : in.skeleton, 2, /*live=*/true, "stdin");
      if (!out.quiet) fmt::print(stderr, "model: {} (live default)\n", path);
    }
    hanet::StreamRefiner refiner(path, so);
    run_live_json_lines(refiner, std::cin, std::cout, in.skeleton);
    return;
  }

  if (out.path.empty()) throw Error("--output", "is required");
  std::unique_ptr<hanet::StreamRefiner> refiner;
  if (!model.empty()) refiner = std::make_unique<hanet::StreamRefiner>(model, so);  // fails before reading
  Tracks tracks = read_poses(input, in.to_read_options());
  if (tracks.empty()) throw Error(input, "no pose sequences");
  if (!so.image_size) so.image_size = tracks.front().image_size;
  if (!refiner) {
    const PoseSequence& first = tracks.front();
    const std::string path =
        default_model_path(first.skeleton ? first.skeleton->name : "", first.dims, /*live=*/true, input);
    if (!out.quiet) fmt::print("model: {} (live default for {} {}D)\n", path, first.skeleton->name, first.dims);
    refiner = std::make_unique<hanet::StreamRefiner>(path, so);
  } else if (!refiner->options().image_size && so.image_size) {
    refiner = std::make_unique<hanet::StreamRefiner>(model, so);
  }
  const HanetConfig& c = refiner->config();
  for (size_t i = 0; i < tracks.size(); ++i)
    check_track(tracks[i], c, tracks.size() == 1 ? input : fmt::format("{} (track {})", input, i));
  int64_t refined = 0;
  const Tracks result = hanet::stream_refine_tracks(*refiner, tracks, &refined);
  out.write(result, fmt::format("live, latency {} of window {}, {} refined frames", refiner->options().latency, c.window(),
                                refined));
}

}  // namespace kinepose::cli
