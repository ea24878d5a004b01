// COCO keypoint JSON, both kinds:
//  * results (what detectors submit): a list of {image_id, category_id, keypoints [x, y, score] * K,
//    score, track_id?, bbox?}; frames are the distinct image ids in ascending order, 0,0,0 = missing.
//  * annotations (ground truth): {images, annotations, categories} with visibility flags
//    (0 = not labelled); frames are the images in id order. Read only.
// PoseTrack files share the annotation layout; posetrack_json.cpp handles those (sniffed apart by
// PoseTrack's head_bottom joint).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "io/format_factories.h"
#include "io/json_pose.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace kinepose {

using json_pose::Json;

namespace {

std::string entry_field(size_t i) { return "[" + std::to_string(i) + "]"; }

Tracks read_coco_results(const std::string& path, const ReadOptions& options) {
  json_pose::check_params(options, {}, path, "coco");
  const Json doc = json_pose::parse_file(path);
  if (!doc.is_array())
    throw Error(path, "expected a list of keypoint results, got a JSON " + json_pose::type_name(doc) +
                          (doc.is_object() && doc.contains("annotations") ? " (COCO annotations? use --format coco-annotations)" : ""));
  if (doc.empty()) throw Error(path, "empty list: no keypoint results (no frames)");

  // First pass: shapes, image ids, K.
  size_t K3 = 0;
  std::map<int64_t, int> frame_of;
  std::vector<int64_t> image_ids;
  for (size_t i = 0; i < doc.size(); ++i) {
    const Json& e = doc[i];
    const std::string field = entry_field(i);
    if (!e.is_object()) throw Error(path, field + ": expected an object, got " + json_pose::type_name(e));
    image_ids.push_back(json_pose::to_int(json_pose::member(e, "image_id", path, field), path, field + ".image_id"));
    frame_of.emplace(image_ids.back(), 0);
    const Json& kp = json_pose::member(e, "keypoints", path, field);
    if (!kp.is_array()) throw Error(path, field + ".keypoints: expected a list of numbers, got " + json_pose::type_name(kp));
    if (kp.empty() || kp.size() % 3 != 0)
      throw Error(path, field + ".keypoints: " + std::to_string(kp.size()) + " values is not [x, y, score] per joint");
    if (K3 == 0) K3 = kp.size();
    if (kp.size() != K3)
      throw Error(path, field + ".keypoints: " + std::to_string(kp.size()) + " values, but the first result has " +
                            std::to_string(K3));
  }
  int next = 0;
  for (auto& [id, frame] : frame_of) frame = next++;
  const int K = static_cast<int>(K3 / 3);
  const json_pose::JointLayout layout = json_pose::choose_layout(options, K, {}, path);
  const bool by_id = json_pose::uses_track_ids(doc, path, "results");

  std::vector<json_pose::Person> people;
  std::map<int, int64_t> count_in_frame;
  for (size_t i = 0; i < doc.size(); ++i) {
    const Json& e = doc[i];
    const std::string field = entry_field(i);
    json_pose::Person person;
    person.field = field;
    json_pose::read_flat_xyv(e["keypoints"], layout, json_pose::MissingRule::kAllZero, person, path, field + ".keypoints");
    person.frame = frame_of.at(image_ids[i]);
    person.track = by_id ? json_pose::to_int(e["track_id"], path, field + ".track_id") : count_in_frame[person.frame]++;
    if (auto it = e.find("bbox"); it != e.end() && !it->is_null())
      // The result's "score" rates the whole detection, not the box: the box carries none.
      person.box = json_pose::box_from_xywh(*it, std::numeric_limits<float>::quiet_NaN(), path, field + ".bbox");
    if (auto it = e.find("score"); it != e.end() && !it->is_null()) json_pose::to_float(*it, path, field + ".score");
    people.push_back(std::move(person));
  }
  Tracks tracks = json_pose::assemble_tracks(layout.skeleton, 2, static_cast<int>(frame_of.size()), people, path);
  for (auto& seq : tracks) {
    seq.fps = options.fps > 0 ? options.fps : 0.0;
    seq.name = stem_of(path);
    seq.validate(path);
  }
  return tracks;
}

void write_coco_results(const std::string& path, const Tracks& tracks, const WriteOptions&) {
  const int frames = json_pose::check_tracks_for_writing(tracks, path, "COCO keypoint results", false);
  const std::vector<int64_t> ids = json_pose::output_track_ids(tracks, path);
  Json out = Json::array();
  for (int t = 0; t < frames; ++t) {
    for (size_t i = 0; i < tracks.size(); ++i) {
      const PoseSequence& seq = tracks[i];
      if (!json_pose::person_present(seq, t)) continue;
      double sum = 0.0;
      int n = 0;
      for (int j = 0; j < seq.joints(); ++j)
        if (!seq.missing(t, j)) {
          sum += json_pose::output_score(seq, t, j);
          ++n;
        }
      Json e = Json::object();
      e["image_id"] = t;
      e["category_id"] = 1;
      e["keypoints"] = json_pose::flat_xyv(seq, t);
      e["score"] = json_pose::exact(n ? static_cast<float>(sum / n) : 0.0f);
      e["track_id"] = ids[i];
      if (seq.has_boxes() && json_pose::box_present(seq.boxes[t])) e["bbox"] = json_pose::box_xywh(seq.boxes[t]);
      out.push_back(std::move(e));
    }
  }
  json_pose::write_json(path, out);
}

bool sniff_coco_results(const std::string& path) {
  const json_pose::JsonShape shape = json_pose::sniff_shape(path);
  return shape.top == 'a' && shape.first == 'o' && shape.first_keys.count("keypoints");
}

Tracks read_coco_annotations(const std::string& path, const ReadOptions& options) {
  json_pose::check_params(options, {}, path, "coco-annotations");
  const Json doc = json_pose::parse_file(path);
  if (!doc.is_object()) throw Error(path, "expected a COCO annotation object {images, annotations, categories}, got a JSON " +
                                              json_pose::type_name(doc));
  const Json& images = json_pose::array_member(doc, "images", path, "file");
  const Json& anns = json_pose::array_member(doc, "annotations", path, "file");
  if (images.empty()) throw Error(path, "images: empty list (no frames)");

  // The person category: the one that names keypoints.
  std::optional<int64_t> category;
  const std::vector<std::string> names = json_pose::keypoint_category(doc, path, category);

  // Frames: images in id order.
  std::map<int64_t, size_t> image_index;  // id -> position in `images`
  std::optional<std::array<int, 2>> size;
  bool same_size = true;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string field = "images[" + std::to_string(i) + "]";
    const int64_t id = json_pose::to_int(json_pose::member(images[i], "id", path, field), path, field + ".id");
    if (!image_index.emplace(id, i).second) throw Error(path, field + ": duplicate image id " + std::to_string(id));
    if (images[i].contains("width") && images[i].contains("height")) {
      std::array<int, 2> wh{static_cast<int>(json_pose::to_int(images[i]["width"], path, field + ".width")),
                            static_cast<int>(json_pose::to_int(images[i]["height"], path, field + ".height"))};
      if (!size) size = wh;
      else if (*size != wh) same_size = false;
    } else {
      same_size = false;
    }
  }
  std::map<int64_t, int> frame_of;
  int next = 0;
  for (const auto& [id, i] : image_index) frame_of[id] = next++;

  // People: keypoint annotations of the person category, crowd regions left out.
  int K = -1;
  const std::vector<size_t> kept = json_pose::keypoint_annotations(anns, category, /*skip_crowd=*/true, K, path);
  const json_pose::JointLayout layout = json_pose::choose_layout(options, K, names, path);
  Json kept_json = Json::array();
  for (size_t a : kept) kept_json.push_back(anns[a]);
  const bool by_id = json_pose::uses_track_ids(kept_json, path, "annotations");

  std::vector<json_pose::Person> people;
  std::map<int, int64_t> count_in_frame;
  for (size_t a : kept) {
    const std::string field = "annotations[" + std::to_string(a) + "]";
    const Json& ann = anns[a];
    json_pose::Person person = json_pose::read_annotation(ann, layout, path, field);
    const int64_t image_id = json_pose::to_int(json_pose::member(ann, "image_id", path, field), path, field + ".image_id");
    auto f = frame_of.find(image_id);
    if (f == frame_of.end()) throw Error(path, field + ".image_id: no image with id " + std::to_string(image_id));
    person.frame = f->second;
    person.track = by_id ? json_pose::to_int(ann["track_id"], path, field + ".track_id") : count_in_frame[person.frame]++;
    people.push_back(std::move(person));
  }
  Tracks tracks = json_pose::assemble_tracks(layout.skeleton, 2, static_cast<int>(frame_of.size()), people, path);
  for (auto& seq : tracks) {
    seq.fps = options.fps > 0 ? options.fps : 0.0;
    seq.name = stem_of(path);
    if (size && same_size) seq.image_size = size;
    seq.validate(path);
  }
  return tracks;
}

bool sniff_coco_annotations(const std::string& path) {
  const json_pose::JsonShape shape = json_pose::sniff_shape(path);
  return shape.top == 'o' && shape.top_keys.count("images") && shape.top_keys.count("annotations") &&
         !json_pose::looks_like_posetrack(shape);
}

}  // namespace

Format coco_results_format() {
  Format f;
  f.name = "coco";
  f.description = "COCO keypoint results JSON: list of {image_id, keypoints, score, track_id?, bbox?}";
  f.extensions = {".json"};
  f.sniff = sniff_coco_results;
  f.read = read_coco_results;
  f.write = write_coco_results;
  return f;
}

Format coco_annotations_format() {
  Format f;
  f.name = "coco-annotations";
  f.description = "COCO keypoint annotation JSON {images, annotations, categories} (read only)";
  f.extensions = {".json"};
  f.sniff = sniff_coco_annotations;
  f.read = read_coco_annotations;
  return f;
}

}  // namespace kinepose
