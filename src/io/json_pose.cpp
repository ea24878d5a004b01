#include "io/json_pose.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/skeleton.h"

namespace kinepose::json_pose {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// Tracks x frames x joints x dims beyond this (1 GiB of float32) means a corrupt or hostile file.
constexpr double kMaxValues = 256.0 * 1024 * 1024;

std::string strip_nlohmann_prefix(const std::string& msg) {
  // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ..."
  if (!msg.empty() && msg[0] == '[') {
    auto close = msg.find("] ");
    if (close != std::string::npos) return msg.substr(close + 2);
  }
  return msg;
}

}  // namespace

Json parse_file(const std::string& path) {
  const std::string text = read_text_file(path);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw Error(path, "empty file, expected JSON");
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw Error(path, "invalid JSON (garbled or truncated): " + strip_nlohmann_prefix(e.what()));
  }
}

double exact(float f) {
  if (!std::isfinite(f)) return static_cast<double>(f);
  char buf[48];
  auto res = std::to_chars(buf, buf + sizeof(buf), f);  // shortest decimal that reads back as f
  double d = 0.0;
  auto parsed = std::from_chars(buf, res.ptr, d);
  // Double rounding (decimal -> double -> float) can in rare cases miss f; the double holding f
  // itself always round-trips, only less prettily.
  if (parsed.ec != std::errc() || static_cast<float>(d) != f) d = static_cast<double>(f);
  return d;
}

std::string type_name(const Json& v) {
  if (v.is_number()) return "number";
  return v.type_name();
}

std::vector<std::string> keypoint_category(const Json& doc, const std::string& where, std::optional<int64_t>& category) {
  std::vector<std::string> names;
  auto it = doc.find("categories");
  if (it == doc.end() || !it->is_array()) return names;
  for (size_t c = 0; c < it->size(); ++c) {
    const Json& cat = (*it)[c];
    if (!cat.is_object() || !cat.contains("keypoints")) continue;
    const std::string field = "categories[" + std::to_string(c) + "]";
    const Json& kn = cat["keypoints"];
    if (!kn.is_array()) throw Error(where, field + ".keypoints: expected a list of names");
    for (size_t k = 0; k < kn.size(); ++k) {
      if (!kn[k].is_string()) throw Error(where, field + ".keypoints[" + std::to_string(k) + "]: expected a name");
      names.push_back(kn[k].get<std::string>());
    }
    if (cat.contains("id")) category = to_int(cat["id"], where, field + ".id");
    break;
  }
  return names;
}

std::vector<size_t> keypoint_annotations(const Json& anns, const std::optional<int64_t>& category, bool skip_crowd,
                                         int& K, const std::string& where) {
  std::vector<size_t> kept;
  for (size_t a = 0; a < anns.size(); ++a) {
    const std::string field = "annotations[" + std::to_string(a) + "]";
    const Json& ann = anns[a];
    if (!ann.is_object()) throw Error(where, field + ": expected an object, got " + type_name(ann));
    if (category && ann.contains("category_id") && to_int(ann["category_id"], where, field + ".category_id") != *category)
      continue;
    if (skip_crowd) {
      auto it = ann.find("iscrowd");
      if (it != ann.end() && ((it->is_boolean() && it->get<bool>()) || (it->is_number() && it->get<double>() != 0)))
        continue;
    }
    check_xyv_array(member(ann, "keypoints", where, field), K, where, field);
    kept.push_back(a);
  }
  if (kept.empty()) throw Error(where, "no person annotation with keypoints");
  return kept;
}

void check_xyv_array(const Json& kp, int& K, const std::string& where, const std::string& field) {
  if (!kp.is_array() || kp.empty() || kp.size() % 3 != 0)
    throw Error(where, field + ".keypoints: expected [x, y, visibility] per joint, got " +
                           (kp.is_array() ? std::to_string(kp.size()) + " values" : type_name(kp)));
  if (K < 0) K = static_cast<int>(kp.size() / 3);
  if (kp.size() != static_cast<size_t>(K) * 3)
    throw Error(where, field + ".keypoints: " + std::to_string(kp.size()) + " values, but earlier annotations have " +
                           std::to_string(K * 3));
}

float to_float(const Json& v, const std::string& where, const std::string& field) {
  if (!v.is_number()) throw Error(where, field + ": expected a number, got " + type_name(v));
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max()))
    throw Error(where, field + ": number " + v.dump() + " out of float32 range");
  return static_cast<float>(d);
}

int64_t to_int(const Json& v, const std::string& where, const std::string& field) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw Error(where, field + ": integer " + v.dump() + " too large");
    return v.get<int64_t>();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
    throw Error(where, field + ": expected an integer, got " + v.dump());
  }
  throw Error(where, field + ": expected an integer, got " + type_name(v));
}

const Json& member(const Json& obj, const char* key, const std::string& where, const std::string& field) {
  if (!obj.is_object()) throw Error(where, field + ": expected an object, got " + type_name(obj));
  auto it = obj.find(key);
  if (it == obj.end()) throw Error(where, field + ": missing \"" + key + "\"");
  return *it;
}

const Json& array_member(const Json& obj, const char* key, const std::string& where, const std::string& field) {
  const Json& v = member(obj, key, where, field);
  if (!v.is_array())
    throw Error(where, field + "." + key + ": expected a list, got " + type_name(v));
  return v;
}

void write_json(const std::string& path, const Json& j) {
  // replace: a sequence name with invalid UTF-8 must not abort the write half-way.
  write_text_file(path, j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
}

void check_params(const ReadOptions& options, const std::set<std::string>& known, const std::string& where,
                  const std::string& format) {
  for (const auto& [key, value] : options.params) {
    if (known.count(key)) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error(where, "unknown option '" + key + "' for format " + format +
                           (list.empty() ? " (it takes none)" : " (known: " + list + ")"));
  }
}

SkeletonPtr posetrack17_skeleton() {
  if (has_skeleton("posetrack17")) return get_skeleton("posetrack17");
  static const SkeletonPtr own = [] {
    auto s = std::make_shared<Skeleton>();
    s->name = "posetrack17";
    s->description = "PoseTrack 2017/2018: COCO-17 with head_bottom/head_top in place of the eyes";
    s->joints = {"nose",       "head_bottom", "head_top",       "left_ear",   "right_ear",   "left_shoulder",
                 "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
                 "right_hip",  "left_knee",   "right_knee",     "left_ankle", "right_ankle"};
    // Rooted at head_bottom (the neck point PoseTrack annotates): head up, arms and legs down.
    s->parents = {1, -1, 1, 2, 2, 1, 1, 5, 6, 7, 8, 5, 6, 11, 12, 13, 14};
    s->symmetry = {{3, 4}, {5, 6}, {7, 8}, {9, 10}, {11, 12}, {13, 14}, {15, 16}};
    return SkeletonPtr(s);
  }();
  return own;
}

std::string normalise_joint_name(const std::string& name) {
  std::string s;
  int paren = 0;
  for (char c : lower(name)) {
    if (c == '(') { ++paren; continue; }
    if (c == ')') { paren = std::max(0, paren - 1); continue; }
    if (paren) continue;
    s += (c == ' ' || c == '-' || c == '.') ? '_' : c;
  }
  while (!s.empty() && s.back() == '_') s.pop_back();
  while (!s.empty() && s.front() == '_') s.erase(s.begin());
  return s;
}

namespace {

// Names a dataset file may use for a joint of the shared vocabulary, tried after the exact name
// (so "head" is H36M's head where that exists and JHMDB's face / Halpe's head_top elsewhere).
const std::vector<std::string>& synonyms(const std::string& n) {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"root", {"pelvis", "mid_hip", "smpl_pelvis"}},
      {"hip", {"pelvis", "mid_hip"}},
      {"pelvis", {"mid_hip", "smpl_pelvis"}},
      {"mid_hip", {"pelvis"}},
      {"midhip", {"mid_hip", "pelvis"}},
      {"left_foot", {"left_ankle"}},
      {"right_foot", {"right_ankle"}},
      {"neck_base", {"neck"}},
      {"neck", {"neck_base", "upper_neck"}},
      {"upper_neck", {"neck"}},
      {"head", {"face", "head_top", "penn_head"}},
      {"headtop", {"head_top"}},
      {"head_top", {"head"}},
  };
  static const std::vector<std::string> none;
  auto it = table.find(n);
  return it == table.end() ? none : it->second;
}

}  // namespace

namespace {

// file joint k -> skeleton index by name; empty when some name is unknown or two names collide.
std::vector<int> match_by_name(const Skeleton& skel, const std::vector<std::string>& file_names) {
  std::map<std::string, int> index;
  for (int j = 0; j < skel.num_joints(); ++j) index.emplace(normalise_joint_name(skel.joints[j]), j);
  std::vector<int> map;
  std::vector<bool> used(skel.joints.size(), false);
  for (const auto& name : file_names) {
    const std::string n = normalise_joint_name(name);
    std::vector<std::string> tries{n};
    for (const auto& s : synonyms(n)) tries.push_back(s);
    int found = -1;
    for (const auto& t : tries) {
      auto it = index.find(t);
      if (it != index.end() && !used[it->second]) {
        found = it->second;
        break;
      }
    }
    if (found < 0) return {};
    used[found] = true;
    map.push_back(found);
  }
  return map;
}

std::vector<int> identity(int K) {
  std::vector<int> v(K);
  for (int k = 0; k < K; ++k) v[k] = k;
  return v;
}

}  // namespace

JointLayout choose_layout(const ReadOptions& options, int K, const std::vector<std::string>& file_names,
                          const std::string& where, const std::string& hint) {
  if (!options.skeleton.empty()) {
    SkeletonPtr s = get_skeleton(options.skeleton);
    if (s->num_joints() != K)
      throw Error(where, "skeleton '" + options.skeleton + "' has " + std::to_string(s->num_joints()) +
                             " joints but the file has " + std::to_string(K) + " keypoints per person");
    return {s, identity(K)};
  }
  if (!file_names.empty()) {
    if (static_cast<int>(file_names.size()) != K)
      throw Error(where, "the file names " + std::to_string(file_names.size()) + " keypoints but its people have " +
                             std::to_string(K));
    std::vector<SkeletonPtr> candidates;
    if (!hint.empty() && has_skeleton(hint)) candidates.push_back(get_skeleton(hint));
    for (const auto& n : skeleton_names()) candidates.push_back(get_skeleton(n));
    if (K == 17) candidates.push_back(posetrack17_skeleton());
    JointLayout best;
    for (const auto& s : candidates) {
      if (s->num_joints() != K) continue;
      std::vector<int> map = match_by_name(*s, file_names);
      if (map.empty()) continue;
      if (map == identity(K)) return {s, map};  // names in the skeleton's own order: done
      if (!best.skeleton) best = {s, map};
    }
    if (best.skeleton) return best;
  }
  if (!hint.empty() && has_skeleton(hint)) {
    SkeletonPtr s = get_skeleton(hint);
    if (s->num_joints() == K) return {s, identity(K)};
  }
  if (hint == "posetrack17" && K == 17) return {posetrack17_skeleton(), identity(K)};
  static const std::map<int, std::string> by_count = {{17, "coco17"},  {25, "body25"}, {26, "halpe26"},
                                                      {15, "jhmdb15"}, {16, "mpii16"}, {13, "penn13"},
                                                      {14, "lsp14"}};
  auto it = by_count.find(K);
  if (it == by_count.end())
    throw Error(where, std::to_string(K) +
                           " keypoints per person matches no known skeleton (17 coco17, 25 body25, 26 halpe26, "
                           "15 jhmdb15, 16 mpii16, 13 penn13, 14 lsp14); name one with --skeleton");
  return {get_skeleton(it->second), identity(K)};
}

void read_flat_xyv(const Json& arr, const JointLayout& layout, MissingRule rule, Person& person,
                   const std::string& where, const std::string& field) {
  const int K = layout.skeleton->num_joints();
  if (!arr.is_array()) throw Error(where, field + ": expected a list of numbers, got " + type_name(arr));
  if (arr.size() != static_cast<size_t>(K) * 3)
    throw Error(where, field + ": expected " + std::to_string(K * 3) + " values ([x, y, v] for " + std::to_string(K) +
                           " " + layout.skeleton->name + " joints), got " + std::to_string(arr.size()));
  person.coords.assign(static_cast<size_t>(K) * 2, kNaN);
  person.scores.assign(K, 0.0f);
  for (int k = 0; k < K; ++k) {
    const float x = to_float(arr[3 * k], where, field + "[" + std::to_string(3 * k) + "]");
    const float y = to_float(arr[3 * k + 1], where, field + "[" + std::to_string(3 * k + 1) + "]");
    const float v = to_float(arr[3 * k + 2], where, field + "[" + std::to_string(3 * k + 2) + "]");
    const int j = layout.to_skeleton[k];
    if (rule == MissingRule::kAllZero) {
      if (x == 0.0f && y == 0.0f && v == 0.0f) continue;
      person.scores[j] = v;
    } else {
      if (v == 0.0f) continue;
      person.scores[j] = 1.0f;
    }
    person.coords[2 * j] = x;
    person.coords[2 * j + 1] = y;
  }
}

Tracks assemble_tracks(const SkeletonPtr& skeleton, int dims, int frames, std::vector<Person>& people,
                       const std::string& where) {
  std::map<int64_t, int> slot;
  bool any_box = false;
  for (const auto& p : people) {
    slot.emplace(p.track, 0);
    any_box = any_box || p.box.has_value();
  }
  const int K = skeleton->num_joints();
  if (static_cast<double>(slot.size()) * frames * K * dims > kMaxValues)
    throw Error(where, "absurd size: " + std::to_string(slot.size()) + " tracks x " + std::to_string(frames) +
                           " frames");
  Tracks tracks;
  for (auto& [id, index] : slot) {
    index = static_cast<int>(tracks.size());
    PoseSequence seq(skeleton, frames, dims);
    seq.scores.assign(static_cast<size_t>(frames) * K, 0.0f);
    seq.track_id = id;
    seq.units = "px";
    if (any_box) seq.boxes.assign(frames, BoundingBox{kNaN, kNaN, kNaN, kNaN, kNaN});
    tracks.push_back(std::move(seq));
  }
  std::vector<std::vector<bool>> seen(tracks.size(), std::vector<bool>(frames, false));
  for (const auto& p : people) {
    const int i = slot[p.track];
    if (p.frame < 0 || p.frame >= frames) throw Error(where, p.field + ": frame index out of range");
    if (seen[i][p.frame])
      throw Error(where, p.field + ": a second person with track id " + std::to_string(p.track) + " in the same frame");
    seen[i][p.frame] = true;
    PoseSequence& seq = tracks[i];
    std::copy(p.coords.begin(), p.coords.end(), seq.keypoints.begin() + static_cast<size_t>(p.frame) * K * dims);
    std::copy(p.scores.begin(), p.scores.end(), seq.scores.begin() + static_cast<size_t>(p.frame) * K);
    if (p.box) seq.boxes[p.frame] = *p.box;
  }
  return tracks;
}

int check_tracks_for_writing(const Tracks& tracks, const std::string& path, const std::string& format,
                             bool allow_3d) {
  if (tracks.empty()) throw Error(path, "nothing to write (no pose sequence)");
  int frames = 0;
  for (size_t i = 0; i < tracks.size(); ++i) {
    const PoseSequence& seq = tracks[i];
    seq.validate(path);
    if (seq.skeleton->joints != tracks[0].skeleton->joints)
      throw Error(path, format + " needs one skeleton for all tracks; track " + std::to_string(i) + " is " +
                            seq.skeleton->name + ", track 0 is " + tracks[0].skeleton->name);
    if (seq.dims != 2 && !(allow_3d && seq.dims == 3))
      throw Error(path, format + " holds 2D keypoints; track " + std::to_string(i) + " is 3D");
    if (seq.dims != tracks[0].dims) throw Error(path, format + ": tracks mix 2D and 3D keypoints");
    frames = std::max(frames, seq.frames);
  }
  return frames;
}

bool box_present(const BoundingBox& b) {
  return std::isfinite(b.x1) && std::isfinite(b.y1) && std::isfinite(b.x2) && std::isfinite(b.y2);
}

bool person_present(const PoseSequence& seq, int t) {
  if (t >= seq.frames) return false;
  for (int j = 0; j < seq.joints(); ++j)
    if (!seq.missing(t, j)) return true;
  return seq.has_boxes() && box_present(seq.boxes[t]);
}

float output_score(const PoseSequence& seq, int t, int j) { return seq.has_scores() ? seq.score(t, j) : 1.0f; }

std::vector<int64_t> output_track_ids(const Tracks& tracks, const std::string& path) {
  std::vector<int64_t> ids;
  std::set<int64_t> seen;
  for (size_t i = 0; i < tracks.size(); ++i) {
    const int64_t id = tracks[i].track_id.value_or(static_cast<int64_t>(i));
    if (!seen.insert(id).second)
      throw Error(path, "two tracks share track id " + std::to_string(id) + "; give them distinct ids");
    ids.push_back(id);
  }
  return ids;
}

Json flat_xyv(const PoseSequence& seq, int t) {
  Json arr = Json::array();
  for (int j = 0; j < seq.joints(); ++j) {
    if (seq.missing(t, j)) {
      arr.push_back(0);
      arr.push_back(0);
      arr.push_back(0);
    } else {
      arr.push_back(exact(seq.at(t, j, 0)));
      arr.push_back(exact(seq.at(t, j, 1)));
      arr.push_back(exact(output_score(seq, t, j)));
    }
  }
  return arr;
}

Json box_xywh(const BoundingBox& b) {
  return Json::array({exact(b.x1), exact(b.y1), static_cast<double>(b.x2) - static_cast<double>(b.x1),
                      static_cast<double>(b.y2) - static_cast<double>(b.y1)});
}

}  // namespace kinepose::json_pose

namespace kinepose::json_pose {

BoundingBox box_from_xywh(const Json& arr, float score, const std::string& where, const std::string& field) {
  if (!arr.is_array() || arr.size() < 4)
    throw Error(where, field + ": expected [x, y, width, height], got " + arr.dump().substr(0, 60));
  const float x = to_float(arr[0], where, field + "[0]");
  const float y = to_float(arr[1], where, field + "[1]");
  const float w = to_float(arr[2], where, field + "[2]");
  const float h = to_float(arr[3], where, field + "[3]");
  // Sum in double from the parsed doubles: box_xywh writes w = x2 - x1 exactly in double.
  const double x2 = arr[0].get<double>() + arr[2].get<double>();
  const double y2 = arr[1].get<double>() + arr[3].get<double>();
  (void)w;
  (void)h;
  return BoundingBox{x, y, static_cast<float>(x2), static_cast<float>(y2), score};
}

namespace {

// SAX handler that records only the outline JsonShape needs.
class ShapeSax : public nlohmann::json_sax<Json> {
 public:
  explicit ShapeSax(JsonShape& shape) : shape_(shape) {}

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t) override { return scalar(); }
  bool number_unsigned(number_unsigned_t) override { return scalar(); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t& s) override {
    enter();
    // categories[0].keypoints[i]
    if (path_.size() == 5 && path_[1] == "categories" && path_[2] == "#0" && path_[3] == "keypoints")
      shape_.category_keypoints.push_back(s);
    path_.pop_back();
    return true;
  }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override {
    enter();
    if (path_.size() == 1) shape_.top = 'o';
    if (path_.size() == 2 && path_[1] == "#0" && shape_.top == 'a') shape_.first = 'o';
    stack_.push_back({true, "", 0});
    return true;
  }
  bool key(string_t& k) override {
    stack_.back().key = k;
    const size_t depth = path_.size();  // path of the object holding this key
    if (depth == 1 && shape_.top == 'o') shape_.top_keys.insert(k);
    if (shape_.top == 'a' && ((depth == 2 && path_[1] == "#0") || (depth == 3 && path_[1] == "#0" && path_[2] == "#0")))
      shape_.first_keys.insert(k);
    if (depth == 3 && path_[1] == "images" && path_[2] == "#0") shape_.image_keys.insert(k);
    return true;
  }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override {
    enter();
    if (path_.size() == 1) shape_.top = 'a';
    if (path_.size() == 2 && path_[1] == "#0" && shape_.top == 'a') shape_.first = 'a';
    stack_.push_back({false, "", 0});
    return true;
  }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  struct Frame {
    bool object;
    std::string key;
    size_t count;
  };
  // Pushes the path token of the value that starts now ("" for the root, "#i" in lists).
  void enter() {
    if (stack_.empty()) path_.push_back("");
    else if (stack_.back().object) path_.push_back(stack_.back().key);
    else path_.push_back("#" + std::to_string(stack_.back().count++));
  }
  bool scalar() {
    enter();
    path_.pop_back();
    return true;
  }
  bool leave() {
    stack_.pop_back();
    path_.pop_back();
    // A top-level list is recognised by its first element: stop reading there.
    return !(shape_.top == 'a' && path_.size() == 1);
  }

  JsonShape& shape_;
  std::vector<Frame> stack_;
  std::vector<std::string> path_;  // the root's token first
};

}  // namespace

JsonShape sniff_shape(const std::string& path) {
  JsonShape shape;
  std::ifstream in(path, std::ios::binary);
  if (!in) return shape;
  ShapeSax sax(shape);
  try {
    Json::sax_parse(in, &sax);
  } catch (const std::exception&) {
    // Keep whatever outline was seen.
  }
  return shape;
}

bool looks_like_posetrack(const JsonShape& shape) {
  if (shape.top != 'o' || !shape.top_keys.count("images") || !shape.top_keys.count("annotations")) return false;
  const auto& names = shape.category_keypoints;
  if (!names.empty()) return std::find(names.begin(), names.end(), "head_bottom") != names.end();
  return shape.image_keys.count("vid_id") > 0;
}

Person read_annotation(const Json& ann, const JointLayout& layout, const std::string& where, const std::string& field) {
  Person person;
  person.field = field;
  read_flat_xyv(member(ann, "keypoints", where, field), layout, MissingRule::kVisibilityFlag, person, where,
                field + ".keypoints");
  const int K = layout.skeleton->num_joints();
  if (auto it = ann.find("scores"); it != ann.end() && it->is_array() && !it->empty()) {
    if (it->size() != static_cast<size_t>(K))
      throw Error(where, field + ".scores: expected " + std::to_string(K) + " joint scores, got " +
                             std::to_string(it->size()));
    for (int k = 0; k < K; ++k) {
      const int j = layout.to_skeleton[k];
      const float s = to_float((*it)[k], where, field + ".scores[" + std::to_string(k) + "]");
      if (!std::isnan(person.coords[2 * j])) person.scores[j] = s;
    }
  }
  if (auto it = ann.find("bbox"); it != ann.end() && !it->is_null()) {
    float score = kNaN;
    if (auto sc = ann.find("score"); sc != ann.end() && sc->is_number()) score = to_float(*sc, where, field + ".score");
    person.box = box_from_xywh(*it, score, where, field + ".bbox");
  }
  return person;
}

bool uses_track_ids(const Json& entries, const std::string& where, const std::string& what) {
  size_t with = 0;
  for (const auto& e : entries)
    if (e.is_object() && e.contains("track_id")) ++with;
  if (with != 0 && with != entries.size())
    throw Error(where, std::to_string(with) + " of " + std::to_string(entries.size()) + " " + what +
                           " have a track_id and the others none; cannot tell the tracks apart");
  return with != 0;
}

}  // namespace kinepose::json_pose
