// Plumbing shared by the JSON pose formats (OpenPose, COCO, PoseTrack, MMPose): parsing with
// one-line errors, float32-exact number output, choosing a skeleton from a joint count or the
// file's joint names, and assembling per-frame person observations into tracks. Internal to src/io.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kinepose/io.h"
#include "kinepose/pose.h"

namespace kinepose::json_pose {

using Json = nlohmann::json;

// Whole-file parse; throws Error(path, "invalid JSON: ... line L, column C ...") for garbled or
// truncated files, and the fileutil errors for missing ones.
Json parse_file(const std::string& path);

// The value nlohmann writes as the shortest decimal that reads back as exactly `f` (so float32
// keypoints survive a write/read round trip bit for bit).
double exact(float f);

// Checked accessors: "where" names the file, "field" the JSON path (e.g. "annotations[3].bbox").
float to_float(const Json& v, const std::string& where, const std::string& field);
int64_t to_int(const Json& v, const std::string& where, const std::string& field);
const Json& member(const Json& obj, const char* key, const std::string& where, const std::string& field);
const Json& array_member(const Json& obj, const char* key, const std::string& where, const std::string& field);
std::string type_name(const Json& v);
// Checks that `kp` is a flat [x, y, v] * K array; K < 0 on entry = take it from this array (all later
// arrays must have the same K). Throws Error(where, "<field>.keypoints: ...").
// The person category of a COCO-style document: the first entry of `categories` that lists keypoint
// names. Returns its names (empty when none) and sets `category` to its id when it has one.
std::vector<std::string> keypoint_category(const Json& doc, const std::string& where, std::optional<int64_t>& category);
// Indices of the person annotations with keypoints: those of `category` (when set), crowd regions
// left out when skip_crowd; checks every keypoint array and sets K (joints). Throws Error when an
// entry is malformed or none is left.
std::vector<size_t> keypoint_annotations(const Json& anns, const std::optional<int64_t>& category, bool skip_crowd,
                                         int& K, const std::string& where);
void check_xyv_array(const Json& kp, int& K, const std::string& where, const std::string& field);

// Box from a COCO [x, y, w, h] list (x2 = x + w in double, matching box_xywh).
BoundingBox box_from_xywh(const Json& arr, float score, const std::string& where, const std::string& field);

// The outline of a JSON file, for sniffing without building the whole document: the top-level
// kind and keys, the keys of the first list element, images[0]'s keys and categories[0].keypoints.
// Streams the file and stops early for top-level lists; a garbled file keeps what was seen before
// the error (so the matching reader, not the sniffer, reports the error with its position).
struct JsonShape {
  char top = 0;  // 'o' object, 'a' list, 0 unreadable / other
  std::set<std::string> top_keys;
  char first = 0;                      // kind of top[0]: 'o', 'a' or 0
  std::set<std::string> first_keys;    // keys of top[0], or of top[0][0] for a list of lists
  std::set<std::string> image_keys;    // keys of images[0]
  std::vector<std::string> category_keypoints;  // categories[0].keypoints
};
JsonShape sniff_shape(const std::string& path);
// PoseTrack vs plain COCO annotations (both {images, annotations, categories}): PoseTrack's joint
// names include head_bottom; without names, PoseTrack images carry a vid_id.
bool looks_like_posetrack(const JsonShape& shape);

// Writes `j` compactly (plus a final newline) through write_atomically.
void write_json(const std::string& path, const Json& j);

// Throws when options.params holds keys this format does not know.
void check_params(const ReadOptions& options, const std::set<std::string>& known, const std::string& where,
                  const std::string& format);

// The skeleton for K joints per person and where each file joint goes (file joint k -> skeleton
// joint to_skeleton[k]).
struct JointLayout {
  SkeletonPtr skeleton;
  std::vector<int> to_skeleton;
};

// PoseTrack's 17 joints (head_bottom/head_top instead of COCO's eyes): the registry's "posetrack17"
// when it has one, else kinepose's own definition.
SkeletonPtr posetrack17_skeleton();

// Skeleton choice, in order: options.skeleton (the caller asserts the file's order); the registry
// skeleton with K joints whose names match all of `file_names` (mapped by name, so a file listing
// its joints in another order still lands right); `hint` when it names a K-joint skeleton; the
// default by count (17 coco17, 25 body25, 26 halpe26, 15 jhmdb15, 16 mpii16, 13 penn13, 14 lsp14).
JointLayout choose_layout(const ReadOptions& options, int K, const std::vector<std::string>& file_names,
                          const std::string& where, const std::string& hint = "");

// Lower case, "_" for spaces/dashes, parenthesised remarks dropped ("Root (pelvis)" -> "root").
std::string normalise_joint_name(const std::string& name);

// One person in one frame, already in skeleton order.
struct Person {
  int frame = 0;
  int64_t track = 0;
  std::vector<float> coords;  // K * dims, NaN = missing
  std::vector<float> scores;  // K, 0 where missing
  std::optional<BoundingBox> box;
  std::string field;          // JSON location, for duplicate errors
};

// How a flat [x, y, v] * K array marks a missing joint.
enum class MissingRule {
  kAllZero,         // detector output: 0,0,0 = missing, v = confidence
  kVisibilityFlag,  // annotations: v == 0 = not labelled; labelled joints get score 1
};

// Fills person.coords/scores from a flat [x, y, v] * K array (K = layout size).
void read_flat_xyv(const Json& arr, const JointLayout& layout, MissingRule rule, Person& person,
                   const std::string& where, const std::string& field);

// A COCO / PoseTrack ground-truth annotation -> person (track and frame left to the caller):
// keypoints [x, y, visibility] (0 = not labelled), optional per-joint "scores" (PoseTrack
// predictions) replacing the labelled joints' score 1, optional bbox [x, y, w, h].
Person read_annotation(const Json& ann, const JointLayout& layout, const std::string& where, const std::string& field);

// Track keys by "track_id" when every entry has one, by index within the frame when none has;
// throws when only some have. Returns true when track ids are used.
bool uses_track_ids(const Json& entries, const std::string& where, const std::string& what);

// Builds one PoseSequence per distinct track key (ascending), `frames` long, all-NaN / score 0
// where a track has no person. Boxes are kept when any person has one. Throws on a duplicate
// (frame, track) or an absurd size.
Tracks assemble_tracks(const SkeletonPtr& skeleton, int dims, int frames, std::vector<Person>& people,
                       const std::string& where);

// Writer side: common checks (non-empty, one skeleton, dims allowed) -> the longest frame count.
int check_tracks_for_writing(const Tracks& tracks, const std::string& path, const std::string& format,
                             bool allow_3d);
// True when track `seq` has anything at frame t (a present joint or a box).
bool person_present(const PoseSequence& seq, int t);
// Score of joint j at frame t for output: the stored score, or 1 for a present joint without scores.
float output_score(const PoseSequence& seq, int t, int j);
// Track ids for output: seq.track_id or the track's index; throws on duplicates.
std::vector<int64_t> output_track_ids(const Tracks& tracks, const std::string& path);
// [x, y, v] * K with 0,0,0 for missing joints.
Json flat_xyv(const PoseSequence& seq, int t);
// Box as COCO xywh (differences in double, so x + w reads back as exactly x2).
Json box_xywh(const BoundingBox& b);
bool box_present(const BoundingBox& b);

}  // namespace kinepose::json_pose
