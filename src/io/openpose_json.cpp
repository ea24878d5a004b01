// OpenPose --write_json output: a folder with one JSON file per frame ("people" list, each person a
// flat pose_keypoints_2d [x, y, c] * 25 for BODY_25). OpenPose has no identities, so people become
// tracks by their index within the frame (exact round trip) or, with tracking=greedy, by nearest
// mean keypoint distance to each track's last pose.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "io/format_factories.h"
#include "io/json_pose.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace fs = std::filesystem;

namespace kinepose {

using json_pose::Json;

namespace {

struct FrameFile {
  std::string path;
  std::string name;
  bool numbered = false;
  unsigned long long number = 0;
};

// The frame number is the last run of digits in the file stem: "000.json" -> 0,
// "video_000000000012_keypoints.json" -> 12.
FrameFile describe(const fs::path& p) {
  FrameFile f;
  f.path = p.string();
  f.name = p.filename().string();
  const std::string stem = p.stem().string();
  size_t end = stem.find_last_of("0123456789");
  if (end != std::string::npos) {
    size_t begin = end;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(stem[begin - 1]))) --begin;
    const std::string digits = stem.substr(begin, end - begin + 1);
    if (digits.size() <= 18) {
      f.numbered = true;
      f.number = std::stoull(digits);
    }
  }
  return f;
}

// *.json files of the folder in frame order (by number when every name has one, else by name).
std::vector<FrameFile> list_frames(const std::string& folder) {
  require_folder(folder);
  std::vector<FrameFile> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    if (lower(entry.path().extension().string()) != ".json") continue;
    files.push_back(describe(entry.path()));
  }
  if (ec) throw Error(folder, "cannot list folder: " + ec.message());
  const bool all_numbered = std::all_of(files.begin(), files.end(), [](const FrameFile& f) { return f.numbered; });
  std::sort(files.begin(), files.end(), [&](const FrameFile& a, const FrameFile& b) {
    if (all_numbered && a.number != b.number) return a.number < b.number;
    return a.name < b.name;
  });
  return files;
}

SkeletonPtr skeleton_for_count(size_t values, const std::string& where, const std::string& field) {
  if (values == 75) return get_skeleton("body25");
  if (values == 54) {
    // OpenPose's COCO model (18 joints: COCO-17 plus neck, in OpenPose order).
    if (has_skeleton("openpose18")) return get_skeleton("openpose18");
    throw Error(where, field + ": 54 values = OpenPose COCO-18 model, which kinepose has no skeleton for; "
                               "run OpenPose with --model_pose BODY_25");
  }
  throw Error(where, field + ": expected 75 values ([x, y, c] for 25 BODY_25 joints), got " + std::to_string(values));
}

// Mean distance over joints present in both poses; infinity when they share none.
double pose_distance(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  int n = 0;
  for (size_t j = 0; j + 1 < a.size(); j += 2) {
    if (std::isnan(a[j]) || std::isnan(b[j])) continue;
    sum += std::hypot(static_cast<double>(a[j]) - b[j], static_cast<double>(a[j + 1]) - b[j + 1]);
    ++n;
  }
  return n ? sum / n : std::numeric_limits<double>::infinity();
}

// Greedy association: repeatedly join the closest (person, track) pair; leftovers open new tracks.
void assign_greedy(std::vector<json_pose::Person>& people, int frames, double max_distance) {
  std::vector<std::vector<float>> last;  // last pose of each track
  size_t begin = 0;
  for (int t = 0; t < frames; ++t) {
    size_t end = begin;
    while (end < people.size() && people[end].frame == t) ++end;
    struct Pair {
      double d;
      size_t p;
      size_t k;
    };
    std::vector<Pair> pairs;
    for (size_t p = begin; p < end; ++p)
      for (size_t k = 0; k < last.size(); ++k) {
        const double d = pose_distance(people[p].coords, last[k]);
        if (d <= max_distance) pairs.push_back({d, p, k});
      }
    std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.d < b.d; });
    std::vector<bool> person_done(end - begin, false), track_done(last.size(), false);
    for (const auto& pr : pairs) {
      if (person_done[pr.p - begin] || track_done[pr.k]) continue;
      person_done[pr.p - begin] = track_done[pr.k] = true;
      people[pr.p].track = static_cast<int64_t>(pr.k);
    }
    for (size_t p = begin; p < end; ++p) {
      if (!person_done[p - begin]) {
        people[p].track = static_cast<int64_t>(last.size());
        last.push_back({});
      }
      // Keep the last seen position of each joint, so a briefly missing joint still counts.
      auto& pose = last[people[p].track];
      if (pose.empty()) pose = people[p].coords;
      for (size_t i = 0; i < pose.size(); ++i)
        if (!std::isnan(people[p].coords[i])) pose[i] = people[p].coords[i];
    }
    begin = end;
  }
}

Tracks read_openpose(const std::string& path, const ReadOptions& options) {
  json_pose::check_params(options, {"tracking", "max_distance"}, path, "openpose");
  std::string tracking = "index";
  double max_distance = std::numeric_limits<double>::infinity();
  if (auto it = options.params.find("tracking"); it != options.params.end()) {
    tracking = lower(it->second);
    if (tracking != "index" && tracking != "greedy")
      throw Error(path, "tracking=" + it->second + ": expected 'index' (person k of each frame -> track k) or 'greedy'");
  }
  if (auto it = options.params.find("max_distance"); it != options.params.end()) {
    char* end = nullptr;
    max_distance = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0' || !(max_distance > 0))
      throw Error(path, "max_distance=" + it->second + ": expected a positive number of pixels");
  }

  const std::vector<FrameFile> files = list_frames(path);
  if (files.empty()) throw Error(path, "no .json frame files in the folder (expected OpenPose --write_json output)");
  if (files.size() > 10'000'000) throw Error(path, "absurd number of frame files: " + std::to_string(files.size()));

  SkeletonPtr skeleton;
  std::string skeleton_source;
  std::vector<json_pose::Person> people;
  for (size_t t = 0; t < files.size(); ++t) {
    const std::string& where = files[t].path;
    const Json doc = json_pose::parse_file(where);
    if (!doc.is_object()) throw Error(where, "expected a JSON object with a \"people\" list, got " + json_pose::type_name(doc));
    const Json& list = json_pose::array_member(doc, "people", where, "frame");
    for (size_t k = 0; k < list.size(); ++k) {
      const std::string field = "people[" + std::to_string(k) + "]";
      const Json& kp = json_pose::member(list[k], "pose_keypoints_2d", where, field);
      const std::string kp_field = field + ".pose_keypoints_2d";
      if (!kp.is_array()) throw Error(where, kp_field + ": expected a list of numbers, got " + json_pose::type_name(kp));
      if (!skeleton) {
        skeleton = skeleton_for_count(kp.size(), where, kp_field);
        skeleton_source = files[t].name;
      } else if (kp.size() != static_cast<size_t>(skeleton->num_joints()) * 3) {
        throw Error(where, kp_field + ": " + std::to_string(kp.size()) + " values, but " + skeleton_source + " has " +
                               std::to_string(skeleton->num_joints() * 3) + " (" + skeleton->name + ")");
      }
      json_pose::JointLayout layout{skeleton, {}};
      for (int j = 0; j < skeleton->num_joints(); ++j) layout.to_skeleton.push_back(j);
      json_pose::Person person;
      person.frame = static_cast<int>(t);
      person.track = static_cast<int64_t>(k);
      person.field = files[t].name + " " + field;
      json_pose::read_flat_xyv(kp, layout, json_pose::MissingRule::kAllZero, person, where, kp_field);
      people.push_back(std::move(person));
    }
  }
  if (people.empty())
    throw Error(path, "no person detected in any of the " + std::to_string(files.size()) + " frames");
  const int frames = static_cast<int>(files.size());
  if (tracking == "greedy") assign_greedy(people, frames, max_distance);
  Tracks tracks = json_pose::assemble_tracks(skeleton, 2, frames, people, path);
  for (auto& seq : tracks) {
    seq.fps = options.fps > 0 ? options.fps : 0.0;
    seq.units = "px";
    seq.name = stem_of(path);
    seq.validate(path);
  }
  return tracks;
}

void write_openpose(const std::string& path, const Tracks& tracks, const WriteOptions&) {
  const int frames = json_pose::check_tracks_for_writing(tracks, path, "OpenPose JSON", false);
  const SkeletonPtr& skel = tracks[0].skeleton;
  if (skel->name != "body25" && skel->name != "openpose18")
    throw Error(path, "OpenPose JSON holds BODY_25 keypoints; the poses use the " + skel->name +
                          " skeleton (convert them to body25 first)");
  write_folder_atomically(path, [&](const std::string& dir) {
    for (int t = 0; t < frames; ++t) {
      Json people = Json::array();
      for (const auto& seq : tracks) {
        if (!json_pose::person_present(seq, t)) continue;  // OpenPose lists only the people it saw
        Json person = Json::object();
        person["person_id"] = Json::array({-1});
        person["pose_keypoints_2d"] = json_pose::flat_xyv(seq, t);
        for (const char* key : {"face_keypoints_2d", "hand_left_keypoints_2d", "hand_right_keypoints_2d",
                                "pose_keypoints_3d", "face_keypoints_3d", "hand_left_keypoints_3d",
                                "hand_right_keypoints_3d"})
          person[key] = Json::array();
        people.push_back(std::move(person));
      }
      Json doc = Json::object();
      doc["version"] = 1.3;
      doc["people"] = std::move(people);
      char name[64];
      std::snprintf(name, sizeof(name), "%06d_keypoints.json", t);
      json_pose::write_json((fs::path(dir) / name).string(), doc);
    }
  });
}

bool sniff_openpose(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return false;
  std::vector<FrameFile> files;
  try {
    files = list_frames(path);
  } catch (const Error&) {
    return false;
  }
  if (files.empty()) return false;
  const json_pose::JsonShape shape = json_pose::sniff_shape(files.front().path);
  return shape.top == 'o' && shape.top_keys.count("people");
}

}  // namespace

Format openpose_format() {
  Format f;
  f.name = "openpose";
  f.description = "OpenPose --write_json folder: one JSON per frame, BODY_25 people (params: tracking=index|greedy, max_distance=px)";
  f.extensions = {};
  f.is_folder = true;
  f.sniff = sniff_openpose;
  f.read = read_openpose;
  f.write = write_openpose;
  return f;
}

}  // namespace kinepose
