// PoseTrack 2018 JSON: COCO-style {images, annotations, categories} where images carry vid_id /
// frame_id / nframes and annotations a track_id; 17 joints with head_bottom/head_top in place of
// COCO's eyes (skeleton "posetrack17"). One file may hold several videos: every track of every video
// becomes a PoseSequence named after its video. The writer writes one video.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include "io/format_factories.h"
#include "io/json_pose.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace fs = std::filesystem;

namespace kinepose {

using json_pose::Json;

namespace {

struct Image {
  int64_t id = 0;
  std::optional<int64_t> frame_id;
  std::optional<std::array<int, 2>> size;
};

struct Video {
  std::string name;
  std::vector<Image> images;
  std::map<int64_t, int> frame_of;  // image id -> frame
  std::vector<json_pose::Person> people;
};

// The video an image belongs to: vid_id, else the folder of file_name ("images/val/012834_mpii_test/
// 000000.jpg" -> "012834_mpii_test"), else one anonymous video.
std::string video_key(const Json& img) {
  if (auto it = img.find("vid_id"); it != img.end()) {
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  }
  if (auto it = img.find("file_name"); it != img.end() && it->is_string())
    return fs::path(it->get<std::string>()).parent_path().filename().string();
  return "";
}

Tracks read_posetrack(const std::string& path, const ReadOptions& options) {
  json_pose::check_params(options, {}, path, "posetrack18");
  const Json doc = json_pose::parse_file(path);
  if (!doc.is_object())
    throw Error(path, "expected a PoseTrack object {images, annotations, categories}, got a JSON " + json_pose::type_name(doc));
  const Json& images = json_pose::array_member(doc, "images", path, "file");
  const Json& anns = json_pose::array_member(doc, "annotations", path, "file");
  if (images.empty()) throw Error(path, "images: empty list (no frames)");

  std::optional<int64_t> category;
  const std::vector<std::string> names = json_pose::keypoint_category(doc, path, category);

  // Videos in order of first appearance; frames by frame_id (else image id) within each.
  std::vector<Video> videos;
  std::map<std::string, size_t> video_index;
  std::map<int64_t, size_t> video_of_image;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string field = "images[" + std::to_string(i) + "]";
    const Json& img = images[i];
    Image im;
    im.id = json_pose::to_int(json_pose::member(img, "id", path, field), path, field + ".id");
    if (img.contains("frame_id")) im.frame_id = json_pose::to_int(img["frame_id"], path, field + ".frame_id");
    if (img.contains("width") && img.contains("height"))
      im.size = std::array<int, 2>{static_cast<int>(json_pose::to_int(img["width"], path, field + ".width")),
                                   static_cast<int>(json_pose::to_int(img["height"], path, field + ".height"))};
    const std::string key = video_key(img);
    auto [it, added] = video_index.emplace(key, videos.size());
    if (added) videos.push_back(Video{key, {}, {}, {}});
    if (!video_of_image.emplace(im.id, it->second).second)
      throw Error(path, field + ": duplicate image id " + std::to_string(im.id));
    videos[it->second].images.push_back(im);
  }
  for (auto& v : videos) {
    const bool by_frame_id = std::all_of(v.images.begin(), v.images.end(), [](const Image& im) { return im.frame_id.has_value(); });
    std::stable_sort(v.images.begin(), v.images.end(), [&](const Image& a, const Image& b) {
      return by_frame_id ? *a.frame_id < *b.frame_id : a.id < b.id;
    });
    for (size_t t = 0; t < v.images.size(); ++t) v.frame_of[v.images[t].id] = static_cast<int>(t);
  }

  int K = -1;
  const std::vector<size_t> kept = json_pose::keypoint_annotations(anns, category, /*skip_crowd=*/false, K, path);
  const json_pose::JointLayout layout = json_pose::choose_layout(options, K, names, path, "posetrack17");
  Json kept_json = Json::array();
  for (size_t a : kept) kept_json.push_back(anns[a]);
  const bool by_id = json_pose::uses_track_ids(kept_json, path, "annotations");

  std::map<int64_t, int64_t> count_in_image;
  for (size_t a : kept) {
    const std::string field = "annotations[" + std::to_string(a) + "]";
    const Json& ann = anns[a];
    json_pose::Person person = json_pose::read_annotation(ann, layout, path, field);
    const int64_t image_id = json_pose::to_int(json_pose::member(ann, "image_id", path, field), path, field + ".image_id");
    auto v = video_of_image.find(image_id);
    if (v == video_of_image.end()) throw Error(path, field + ".image_id: no image with id " + std::to_string(image_id));
    Video& video = videos[v->second];
    person.frame = video.frame_of.at(image_id);
    person.track = by_id ? json_pose::to_int(ann["track_id"], path, field + ".track_id") : count_in_image[image_id]++;
    video.people.push_back(std::move(person));
  }

  Tracks all;
  for (auto& v : videos) {
    if (v.people.empty()) continue;  // an unlabelled video has no track to give
    Tracks tracks = json_pose::assemble_tracks(layout.skeleton, 2, static_cast<int>(v.images.size()), v.people, path);
    std::optional<std::array<int, 2>> size = v.images.front().size;
    for (const auto& im : v.images)
      if (im.size != size) size.reset();
    for (auto& seq : tracks) {
      seq.fps = options.fps > 0 ? options.fps : 0.0;
      seq.name = v.name.empty() ? stem_of(path) : v.name;
      seq.image_size = size;
      seq.validate(path);
      all.push_back(std::move(seq));
    }
  }
  return all;
}

void write_posetrack(const std::string& path, const Tracks& tracks, const WriteOptions&) {
  const int frames = json_pose::check_tracks_for_writing(tracks, path, "PoseTrack JSON", false);
  const std::vector<int64_t> ids = json_pose::output_track_ids(tracks, path);
  std::string video = tracks[0].name;
  for (const auto& seq : tracks)
    if (seq.name != video)
      throw Error(path, "a PoseTrack file holds one video here, but the tracks come from '" + video + "' and '" +
                            seq.name + "'; write each video to its own file");
  if (video.empty()) video = stem_of(path);
  const Skeleton& skel = *tracks[0].skeleton;
  // PoseTrack's own id scheme (1 + 6-digit video + 4-digit frame) when the video name allows it.
  const bool numeric = !video.empty() && video.size() <= 6 &&
                       std::all_of(video.begin(), video.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  auto image_id = [&](int t) -> int64_t {
    if (numeric && frames <= 10000) return 10000000000LL + std::stoll(video) * 10000 + t;
    return t;
  };
  std::optional<std::array<int, 2>> size = tracks[0].image_size;
  for (const auto& seq : tracks)
    if (seq.image_size != size) size.reset();

  Json images = Json::array();
  for (int t = 0; t < frames; ++t) {
    char file[64];
    std::snprintf(file, sizeof(file), "/%06d.jpg", t);
    Json img = Json::object();
    img["id"] = image_id(t);
    img["frame_id"] = image_id(t);
    img["vid_id"] = video;
    img["file_name"] = "images/" + video + file;
    img["nframes"] = frames;
    img["is_labeled"] = true;
    if (size) {
      img["width"] = (*size)[0];
      img["height"] = (*size)[1];
    }
    images.push_back(std::move(img));
  }
  Json anns = Json::array();
  int64_t next_id = 0;
  for (int t = 0; t < frames; ++t) {
    for (size_t i = 0; i < tracks.size(); ++i) {
      const PoseSequence& seq = tracks[i];
      if (!json_pose::person_present(seq, t)) continue;
      Json kp = Json::array(), scores = Json::array();
      int labelled = 0;
      for (int j = 0; j < seq.joints(); ++j) {
        if (seq.missing(t, j)) {
          kp.insert(kp.end(), {0, 0, 0});
          scores.push_back(0);
        } else {
          kp.insert(kp.end(), {Json(json_pose::exact(seq.at(t, j, 0))), Json(json_pose::exact(seq.at(t, j, 1))), Json(1)});
          scores.push_back(json_pose::exact(json_pose::output_score(seq, t, j)));
          ++labelled;
        }
      }
      Json ann = Json::object();
      ann["id"] = next_id++;
      ann["image_id"] = image_id(t);
      ann["category_id"] = 1;
      ann["track_id"] = ids[i];
      ann["keypoints"] = std::move(kp);
      ann["scores"] = std::move(scores);
      ann["num_keypoints"] = labelled;
      ann["iscrowd"] = false;
      if (seq.has_boxes() && json_pose::box_present(seq.boxes[t])) {
        ann["bbox"] = json_pose::box_xywh(seq.boxes[t]);
        if (std::isfinite(seq.boxes[t].score)) ann["score"] = json_pose::exact(seq.boxes[t].score);
      }
      anns.push_back(std::move(ann));
    }
  }
  Json links = Json::array();
  for (int j = 0; j < skel.num_joints(); ++j)
    if (skel.parents[j] >= 0) links.push_back(Json::array({skel.parents[j] + 1, j + 1}));  // 1-based, as PoseTrack
  Json category = Json::object();
  category["supercategory"] = "person";
  category["id"] = 1;
  category["name"] = "person";
  category["keypoints"] = skel.joints;
  category["skeleton"] = std::move(links);
  Json doc = Json::object();
  doc["images"] = std::move(images);
  doc["annotations"] = std::move(anns);
  doc["categories"] = Json::array({std::move(category)});
  json_pose::write_json(path, doc);
}

bool sniff_posetrack(const std::string& path) { return json_pose::looks_like_posetrack(json_pose::sniff_shape(path)); }

}  // namespace

Format posetrack18_format() {
  Format f;
  f.name = "posetrack18";
  f.description = "PoseTrack18 JSON {images (vid_id, frame_id), annotations (track_id), categories}";
  f.extensions = {".json"};
  f.sniff = sniff_posetrack;
  f.read = read_posetrack;
  f.write = write_posetrack;
  return f;
}

}  // namespace kinepose
