// MMPose predictions JSON, two layouts:
//  (a) MMPose 1.x `--save-predictions`: {"meta_info": {...}, "instance_info": [{"frame_id": N,
//      "instances": [{"keypoints": [[x, y], ...], "keypoint_scores": [...], "bbox": [[x1, y1, x2, y2]],
//      "bbox_score": s, "track_id"?}]}]} (for a single image instance_info is the instance list);
//  (b) a plain per-frame list [[{track_id, keypoints, bbox, keypoint_scores?}, ...], ...].
// Keypoints are [[x, y]] or [[x, y, score]] or flat; [[x, y, z]] with keypoint_scores is 3D (the
// body3d demo). The writer writes (a) with track ids; missing joints go out as zeros with score 0.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "io/format_factories.h"
#include "io/json_pose.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace kinepose {

using json_pose::Json;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct RawInstance {
  const Json* json;
  int frame;
  std::string field;
};

// Joint count and coordinate layout of one instance's keypoints.
struct KeypointShape {
  int K = 0;
  int dims = 2;
  bool nested = true;
  bool inline_score = false;  // [x, y, score] per joint
};

KeypointShape shape_of(const Json& inst, const std::string& where, const std::string& field) {
  const Json& kp = json_pose::member(inst, "keypoints", where, field);
  if (!kp.is_array() || kp.empty())
    throw Error(where, field + ".keypoints: expected a non-empty list, got " +
                           (kp.is_array() ? std::string("an empty list") : json_pose::type_name(kp)));
  const Json* ks = inst.contains("keypoint_scores") ? &inst["keypoint_scores"] : nullptr;
  if (ks && !ks->is_array()) throw Error(where, field + ".keypoint_scores: expected a list of numbers, got " + json_pose::type_name(*ks));
  KeypointShape s;
  if (kp[0].is_array() || kp[0].is_null()) {
    s.K = static_cast<int>(kp.size());
    size_t L = 0;
    for (const auto& p : kp)
      if (p.is_array()) {
        L = p.size();
        break;
      }
    if (L == 0) L = 2;
    if (L == 2) {
      s.dims = 2;
    } else if (L == 3) {
      // With separate scores the third value is z (MMPose body3d); without, it is the confidence.
      s.dims = ks ? 3 : 2;
      s.inline_score = !ks;
    } else {
      throw Error(where, field + ".keypoints[0]: expected [x, y], [x, y, score] or [x, y, z], got " + std::to_string(L) + " values");
    }
  } else {
    s.nested = false;
    if (ks && kp.size() == 2 * ks->size()) {
      s.K = static_cast<int>(ks->size());
    } else if (kp.size() % 3 == 0) {
      s.K = static_cast<int>(kp.size() / 3);
      s.inline_score = true;
    } else {
      throw Error(where, field + ".keypoints: " + std::to_string(kp.size()) +
                             " flat values are neither [x, y] per keypoint_scores entry nor [x, y, score] per joint");
    }
  }
  if (ks && ks->size() != static_cast<size_t>(s.K))
    throw Error(where, field + ".keypoint_scores: " + std::to_string(ks->size()) + " scores for " + std::to_string(s.K) + " keypoints");
  return s;
}

json_pose::Person read_instance(const RawInstance& raw, const KeypointShape& shape, const json_pose::JointLayout& layout,
                                const std::string& where) {
  const Json& inst = *raw.json;
  const std::string& field = raw.field;
  const Json& kp = inst["keypoints"];
  const Json* ks = inst.contains("keypoint_scores") ? &inst["keypoint_scores"] : nullptr;
  const int K = shape.K, D = shape.dims;
  json_pose::Person person;
  person.frame = raw.frame;
  person.field = field;
  person.coords.assign(static_cast<size_t>(K) * D, kNaN);
  person.scores.assign(K, 0.0f);
  for (int k = 0; k < K; ++k) {
    const std::string kf = field + ".keypoints[" + std::to_string(k) + "]";
    float c[3] = {0, 0, 0};
    float score = 1.0f;
    bool null_coord = false;
    if (shape.nested) {
      const Json& p = kp[k];
      if (p.is_null()) {
        null_coord = true;
      } else {
        const size_t L = static_cast<size_t>(D + (shape.inline_score ? 1 : 0));
        if (!p.is_array() || p.size() != L)
          throw Error(where, kf + ": expected " + std::to_string(L) + " numbers, got " + p.dump().substr(0, 40));
        for (int d = 0; d < D; ++d) {
          if (p[d].is_null()) null_coord = true;
          else c[d] = json_pose::to_float(p[d], where, kf + "[" + std::to_string(d) + "]");
        }
        if (shape.inline_score) score = json_pose::to_float(p[D], where, kf + "[" + std::to_string(D) + "]");
      }
    } else {
      const int stride = shape.inline_score ? 3 : 2;
      for (int d = 0; d < 2; ++d) {
        const Json& v = kp[static_cast<size_t>(stride * k + d)];
        if (v.is_null()) null_coord = true;
        else c[d] = json_pose::to_float(v, where, field + ".keypoints[" + std::to_string(stride * k + d) + "]");
      }
      if (shape.inline_score)
        score = json_pose::to_float(kp[static_cast<size_t>(3 * k + 2)], where, field + ".keypoints[" + std::to_string(3 * k + 2) + "]");
    }
    if (ks) score = json_pose::to_float((*ks)[k], where, field + ".keypoint_scores[" + std::to_string(k) + "]");
    const bool all_zero = c[0] == 0.0f && c[1] == 0.0f && c[2] == 0.0f && score == 0.0f;
    if (null_coord || all_zero) continue;  // the writer's (and detectors') "no joint"
    const int j = layout.to_skeleton[k];
    for (int d = 0; d < D; ++d) person.coords[static_cast<size_t>(j) * D + d] = c[d];
    person.scores[j] = score;
  }
  if (auto it = inst.find("bbox"); it != inst.end() && !it->is_null()) {
    const Json* b = &*it;
    if (b->is_array() && b->size() == 1 && (*b)[0].is_array()) b = &(*b)[0];  // MMPose wraps it: [[x1, y1, x2, y2]]
    if (!b->is_array() || (b->size() != 4 && b->size() != 5))
      throw Error(where, field + ".bbox: expected [x1, y1, x2, y2] (or [[...]]), got " + it->dump().substr(0, 60));
    BoundingBox box{};
    float* v[4] = {&box.x1, &box.y1, &box.x2, &box.y2};
    for (int i = 0; i < 4; ++i) *v[i] = json_pose::to_float((*b)[i], where, field + ".bbox[" + std::to_string(i) + "]");
    box.score = b->size() == 5 ? json_pose::to_float((*b)[4], where, field + ".bbox[4]") : kNaN;
    if (auto sc = inst.find("bbox_score"); sc != inst.end() && !sc->is_null()) {
      const Json& s = (sc->is_array() && sc->size() == 1) ? (*sc)[0] : *sc;
      box.score = json_pose::to_float(s, where, field + ".bbox_score");
    }
    person.box = box;
  }
  return person;
}

Tracks read_mmpose(const std::string& path, const ReadOptions& options) {
  json_pose::check_params(options, {}, path, "mmpose");
  const Json doc = json_pose::parse_file(path);
  std::vector<RawInstance> raws;
  std::vector<std::string> names;
  std::string dataset;
  int frames = 0;
  if (doc.is_object()) {
    const Json& info = json_pose::array_member(doc, "instance_info", path, "file");
    if (info.empty()) throw Error(path, "instance_info: empty list (no frames)");
    if (auto meta = doc.find("meta_info"); meta != doc.end() && meta->is_object()) {
      if (auto dn = meta->find("dataset_name"); dn != meta->end() && dn->is_string()) dataset = dn->get<std::string>();
      if (auto id2n = meta->find("keypoint_id2name"); id2n != meta->end() && id2n->is_object()) {
        std::map<long, std::string> by_id;
        for (const auto& [key, value] : id2n->items()) {
          char* end = nullptr;
          const long id = std::strtol(key.c_str(), &end, 10);
          if (end == key.c_str() || *end || !value.is_string() || id < 0 || !by_id.emplace(id, value.get<std::string>()).second)
            throw Error(path, "meta_info.keypoint_id2name: bad entry \"" + key + "\"");
        }
        long expect = 0;
        for (const auto& [id, name] : by_id) {
          if (id != expect++) throw Error(path, "meta_info.keypoint_id2name: ids are not 0.." + std::to_string(by_id.size() - 1));
          names.push_back(name);
        }
      }
    }
    const bool per_frame = info[0].is_object() && info[0].contains("instances");
    if (per_frame) {
      // Frames are the entries in frame_id order (entries without instances are empty frames).
      std::vector<std::pair<int64_t, size_t>> order;
      for (size_t i = 0; i < info.size(); ++i) {
        const std::string field = "instance_info[" + std::to_string(i) + "]";
        if (!info[i].is_object()) throw Error(path, field + ": expected an object, got " + json_pose::type_name(info[i]));
        const int64_t fid = info[i].contains("frame_id") ? json_pose::to_int(info[i]["frame_id"], path, field + ".frame_id")
                                                         : static_cast<int64_t>(i);
        order.emplace_back(fid, i);
      }
      std::stable_sort(order.begin(), order.end());
      for (size_t t = 1; t < order.size(); ++t)
        if (order[t].first == order[t - 1].first)
          throw Error(path, "instance_info[" + std::to_string(order[t].second) + "]: duplicate frame_id " +
                                std::to_string(order[t].first));
      for (size_t t = 0; t < order.size(); ++t) {
        const std::string field = "instance_info[" + std::to_string(order[t].second) + "]";
        const Json& inst = json_pose::array_member(info[order[t].second], "instances", path, field);
        for (size_t k = 0; k < inst.size(); ++k)
          raws.push_back({&inst[k], static_cast<int>(t), field + ".instances[" + std::to_string(k) + "]"});
      }
      frames = static_cast<int>(order.size());
    } else {
      // Single-image output: instance_info is the instance list of one frame.
      for (size_t k = 0; k < info.size(); ++k) raws.push_back({&info[k], 0, "instance_info[" + std::to_string(k) + "]"});
      frames = 1;
    }
  } else if (doc.is_array()) {
    if (doc.empty()) throw Error(path, "empty list (no frames)");
    for (size_t t = 0; t < doc.size(); ++t) {
      const std::string field = "[" + std::to_string(t) + "]";
      if (!doc[t].is_array())
        throw Error(path, field + ": expected the list of people in frame " + std::to_string(t) + ", got " + json_pose::type_name(doc[t]));
      for (size_t k = 0; k < doc[t].size(); ++k)
        raws.push_back({&doc[t][k], static_cast<int>(t), field + "[" + std::to_string(k) + "]"});
    }
    frames = static_cast<int>(doc.size());
  } else {
    throw Error(path, "expected MMPose predictions (an object with instance_info, or a per-frame list), got a JSON " +
                          json_pose::type_name(doc));
  }
  if (raws.empty()) throw Error(path, "no instance in any of the " + std::to_string(frames) + " frames");

  KeypointShape shape;
  std::vector<KeypointShape> shapes;  // per instance: files may mix nested and flat keypoints
  size_t with_track = 0;
  for (size_t i = 0; i < raws.size(); ++i) {
    if (!raws[i].json->is_object())
      throw Error(path, raws[i].field + ": expected an instance object, got " + json_pose::type_name(*raws[i].json));
    const KeypointShape s = shape_of(*raws[i].json, path, raws[i].field);
    shapes.push_back(s);
    if (i == 0) shape = s;
    else if (s.K != shape.K || s.dims != shape.dims)
      throw Error(path, raws[i].field + ".keypoints: " + std::to_string(s.K) + " joints x " + std::to_string(s.dims) +
                            " values, but " + raws[0].field + " has " + std::to_string(shape.K) + " x " + std::to_string(shape.dims));
    if (raws[i].json->contains("track_id")) ++with_track;
  }
  if (with_track != 0 && with_track != raws.size())
    throw Error(path, std::to_string(with_track) + " of " + std::to_string(raws.size()) +
                          " instances have a track_id and the others none; cannot tell the tracks apart");
  const json_pose::JointLayout layout = json_pose::choose_layout(options, shape.K, names, path, lower(dataset));

  std::vector<json_pose::Person> people;
  std::map<int, int64_t> count_in_frame;
  for (size_t i = 0; i < raws.size(); ++i) {
    const RawInstance& raw = raws[i];
    json_pose::Person person = read_instance(raw, shapes[i], layout, path);
    person.track = with_track ? json_pose::to_int((*raw.json)["track_id"], path, raw.field + ".track_id")
                              : count_in_frame[raw.frame]++;
    people.push_back(std::move(person));
  }
  Tracks tracks = json_pose::assemble_tracks(layout.skeleton, shape.dims, frames, people, path);
  for (auto& seq : tracks) {
    seq.fps = options.fps > 0 ? options.fps : 0.0;
    seq.units = shape.dims == 2 ? "px" : "";
    seq.name = stem_of(path);
    seq.validate(path);
  }
  return tracks;
}

void write_mmpose(const std::string& path, const Tracks& tracks, const WriteOptions&) {
  const int frames = json_pose::check_tracks_for_writing(tracks, path, "MMPose JSON", true);
  const std::vector<int64_t> ids = json_pose::output_track_ids(tracks, path);
  const Skeleton& skel = *tracks[0].skeleton;
  const int D = tracks[0].dims;
  Json id2name = Json::object(), name2id = Json::object();
  for (int j = 0; j < skel.num_joints(); ++j) {
    id2name[std::to_string(j)] = skel.joints[j];
    name2id[skel.joints[j]] = j;
  }
  Json meta = Json::object();
  meta["dataset_name"] = skel.name;
  meta["num_keypoints"] = skel.num_joints();
  meta["keypoint_id2name"] = std::move(id2name);
  meta["keypoint_name2id"] = std::move(name2id);
  Json info = Json::array();
  for (int t = 0; t < frames; ++t) {
    Json instances = Json::array();
    for (size_t i = 0; i < tracks.size(); ++i) {
      const PoseSequence& seq = tracks[i];
      if (!json_pose::person_present(seq, t)) continue;
      Json kp = Json::array(), scores = Json::array();
      for (int j = 0; j < seq.joints(); ++j) {
        Json p = Json::array();
        const bool missing = seq.missing(t, j);
        for (int d = 0; d < D; ++d) p.push_back(missing ? Json(0) : Json(json_pose::exact(seq.at(t, j, d))));
        kp.push_back(std::move(p));
        scores.push_back(missing ? Json(0) : Json(json_pose::exact(json_pose::output_score(seq, t, j))));
      }
      Json inst = Json::object();
      inst["keypoints"] = std::move(kp);
      inst["keypoint_scores"] = std::move(scores);
      inst["track_id"] = ids[i];
      if (seq.has_boxes() && json_pose::box_present(seq.boxes[t])) {
        const BoundingBox& b = seq.boxes[t];
        inst["bbox"] = Json::array({Json::array({json_pose::exact(b.x1), json_pose::exact(b.y1), json_pose::exact(b.x2),
                                                 json_pose::exact(b.y2)})});
        if (std::isfinite(b.score)) inst["bbox_score"] = json_pose::exact(b.score);
      }
      instances.push_back(std::move(inst));
    }
    Json frame = Json::object();
    frame["frame_id"] = t;
    frame["instances"] = std::move(instances);
    info.push_back(std::move(frame));
  }
  Json doc = Json::object();
  doc["meta_info"] = std::move(meta);
  doc["instance_info"] = std::move(info);
  json_pose::write_json(path, doc);
}

bool sniff_mmpose(const std::string& path) {
  const json_pose::JsonShape shape = json_pose::sniff_shape(path);
  if (shape.top == 'o') return shape.top_keys.count("instance_info") > 0;
  return shape.top == 'a' && shape.first == 'a';
}

}  // namespace

Format mmpose_format() {
  Format f;
  f.name = "mmpose";
  f.description = "MMPose predictions JSON ({meta_info, instance_info} from --save-predictions, or a per-frame list)";
  f.extensions = {".json"};
  f.sniff = sniff_mmpose;
  f.read = read_mmpose;
  f.write = write_mmpose;
  return f;
}

}  // namespace kinepose
