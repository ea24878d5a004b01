// MMPose predictions JSON: the 1.x --save-predictions layout and the plain per-frame list, exact
// round trips (2D and 3D), joint names from meta_info, and bad inputs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "io/format_factories.h"
#include "json_pose_test_util.h"
#include "kinepose/io.h"
#include "test_helpers.h"

using kinepose::PoseSequence;
using kinepose::ReadOptions;
using kinepose::Tracks;
using kinepose::testing::error_of;
using kinepose::testing::scratch_dir;
using kinepose::testing::write_file;
using Json = nlohmann::json;

namespace {

Json nested(int K, float base, bool with_score) {
  Json kp = Json::array();
  for (int k = 0; k < K; ++k) {
    Json p = {base + k, base + 0.5f * k};
    if (with_score) p.push_back(0.25);
    kp.push_back(p);
  }
  return kp;
}

Json scores(int K, double s) { return Json(std::vector<double>(K, s)); }

const char* kCocoNames[] = {"nose",       "left_eye",       "right_eye",  "left_ear",    "right_ear",
                            "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
                            "right_wrist", "left_hip",      "right_hip",  "left_knee",   "right_knee",
                            "left_ankle",  "right_ankle"};

Json coco_meta() {
  Json id2name = Json::object();
  for (int k = 0; k < 17; ++k) id2name[std::to_string(k)] = kCocoNames[k];
  return {{"dataset_name", "coco"}, {"num_keypoints", 17}, {"keypoint_id2name", id2name}};
}

}  // namespace

TEST(MmposeJson, RoundTrip2DIsExact) {
  const Tracks original = kinepose::testing::synthetic_tracks(kinepose::get_skeleton("coco17"), 10, 3, 2, true, 5);
  const std::string out = scratch_dir("mmpose_roundtrip") + "/pred.json";
  kinepose::mmpose_format().write(out, original, {});
  EXPECT_TRUE(kinepose::mmpose_format().sniff(out));
  EXPECT_FALSE(kinepose::coco_results_format().sniff(out));
  const Tracks again = kinepose::mmpose_format().read(out, {});
  kinepose::testing::expect_same_tracks(original, again);  // boxes with their scores too
  EXPECT_EQ(again[0].skeleton->name, "coco17");

  std::ifstream in(out);
  const Json doc = Json::parse(in);
  EXPECT_EQ(doc["meta_info"]["keypoint_id2name"]["5"], "left_shoulder");
  EXPECT_EQ(doc["instance_info"].size(), 10u);
  const Json& inst = doc["instance_info"][0]["instances"][0];
  EXPECT_EQ(inst["keypoints"].size(), 17u);
  EXPECT_EQ(inst["keypoints"][0].size(), 2u);
  EXPECT_EQ(inst["keypoint_scores"].size(), 17u);
  EXPECT_EQ(inst["track_id"], 3);
  EXPECT_EQ(inst["bbox"].size(), 1u);
  EXPECT_EQ(inst["bbox"][0].size(), 4u);
  EXPECT_TRUE(inst.contains("bbox_score"));  // frame 0: box with a score
}

TEST(MmposeJson, RoundTrip3DIsExact) {
  const Tracks original = kinepose::testing::synthetic_tracks(kinepose::get_skeleton("h36m17"), 6, 2, 3, false, 9);
  const std::string out = scratch_dir("mmpose_roundtrip_3d") + "/pred.json";
  kinepose::mmpose_format().write(out, original, {});
  const Tracks again = kinepose::mmpose_format().read(out, {});
  ASSERT_EQ(again[0].dims, 3);
  EXPECT_EQ(again[0].skeleton->name, "h36m17");
  kinepose::testing::expect_same_tracks(original, again);
}

TEST(MmposeJson, ReadsSavePredictionsLayout) {
  const std::string path = scratch_dir("mmpose_v1") + "/results_video.json";
  Json info = Json::array();
  // MMPose numbers video frames from 1 here; frame 2 has nobody; listed out of order on purpose.
  info.push_back({{"frame_id", 3},
                  {"instances",
                   {{{"keypoints", nested(17, 30, false)}, {"keypoint_scores", scores(17, 0.5)},
                     {"bbox", {{1.0, 2.0, 30.0, 40.0}}}, {"bbox_score", 0.875}}}}});
  info.push_back({{"frame_id", 1},
                  {"instances",
                   {{{"keypoints", nested(17, 10, false)}, {"keypoint_scores", scores(17, 0.9)}},
                    {{"keypoints", nested(17, 20, false)}, {"keypoint_scores", scores(17, 0.8)}}}}});
  info.push_back({{"frame_id", 2}, {"instances", Json::array()}});
  write_file(path, Json{{"meta_info", coco_meta()}, {"instance_info", info}}.dump());
  EXPECT_TRUE(kinepose::mmpose_format().sniff(path));
  ReadOptions options;
  options.fps = 30;
  const Tracks t = kinepose::mmpose_format().read(path, options);
  ASSERT_EQ(t.size(), 2u);  // no track ids: by index
  ASSERT_EQ(t[0].frames, 3);
  EXPECT_EQ(t[0].skeleton->name, "coco17");
  EXPECT_EQ(t[0].fps, 30.0);
  EXPECT_EQ(t[0].at(0, 0, 0), 10.0f);
  EXPECT_EQ(t[1].at(0, 4, 1), 22.0f);  // 20 + 0.5 * 4
  EXPECT_TRUE(t[0].missing(1, 0));
  EXPECT_EQ(t[0].at(2, 16, 0), 46.0f);
  EXPECT_EQ(t[0].score(0, 3), 0.9f);
  EXPECT_EQ(t[0].score(1, 3), 0.0f);
  ASSERT_TRUE(t[0].has_boxes());
  EXPECT_EQ(t[0].boxes[2].x2, 30.0f);
  EXPECT_EQ(t[0].boxes[2].score, 0.875f);
  EXPECT_TRUE(std::isnan(t[0].boxes[0].x1));
}

TEST(MmposeJson, ReadsSingleImageAndPerFrameLists) {
  const std::string dir = scratch_dir("mmpose_layouts");
  // Single image: instance_info is the instance list.
  const std::string image = dir + "/image.json";
  write_file(image, Json{{"meta_info", coco_meta()},
                         {"instance_info", {{{"keypoints", nested(17, 1, false)}, {"keypoint_scores", scores(17, 1)}}}}}
                        .dump());
  const Tracks one = kinepose::mmpose_format().read(image, {});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].frames, 1);

  // Per-frame list with track ids, nested [x, y, score] and flat keypoints mixed.
  const std::string list = dir + "/list.json";
  Json flat = Json::array();
  for (int k = 0; k < 17; ++k) flat.insert(flat.end(), {5 + k, 6 + k, 0.125});
  Json frames = Json::array();
  frames.push_back({{{"track_id", 7}, {"keypoints", nested(17, 100, true)}, {"bbox", {0, 0, 5, 5, 0.5}}},
                    {{"track_id", 2}, {"keypoints", flat}}});
  frames.push_back(Json::array());
  frames.push_back({{{"track_id", 2}, {"keypoints", nested(17, 200, true)}}});
  write_file(list, frames.dump());
  EXPECT_TRUE(kinepose::mmpose_format().sniff(list));
  EXPECT_FALSE(kinepose::coco_results_format().sniff(list));
  const Tracks t = kinepose::mmpose_format().read(list, {});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].track_id, 2);
  EXPECT_EQ(t[1].track_id, 7);
  EXPECT_EQ(t[0].frames, 3);
  EXPECT_EQ(t[0].at(0, 2, 0), 7.0f);
  EXPECT_EQ(t[0].score(0, 2), 0.125f);
  EXPECT_EQ(t[0].at(2, 0, 0), 200.0f);
  EXPECT_EQ(t[1].score(0, 0), 0.25f);
  EXPECT_EQ(t[1].boxes[0].score, 0.5f);
  EXPECT_TRUE(t[1].missing(2, 0));
}

TEST(MmposeJson, JointNamesFromMetaInfo) {
  const std::string dir = scratch_dir("mmpose_names");
  // Names listed in another order are mapped by name.
  Json meta = coco_meta();
  std::swap(meta["keypoint_id2name"]["1"], meta["keypoint_id2name"]["2"]);  // file: 1 right_eye, 2 left_eye
  Json kp = nested(17, 0, false);
  const std::string swapped = dir + "/swapped.json";
  write_file(swapped, Json{{"meta_info", meta},
                           {"instance_info", {{{"frame_id", 0}, {"instances", {{{"keypoints", kp}}}}}}}}.dump());
  const Tracks t = kinepose::mmpose_format().read(swapped, {});
  EXPECT_EQ(t[0].skeleton->name, "coco17");
  EXPECT_EQ(t[0].at(0, 1, 0), 2.0f);  // coco17 left_eye = the file's keypoint 2
  EXPECT_EQ(t[0].at(0, 2, 0), 1.0f);
  EXPECT_EQ(t[0].score(0, 0), 1.0f);  // no keypoint_scores: present joints score 1

  // Names that disagree with the joint count are an error.
  Json short_meta = coco_meta();
  short_meta["keypoint_id2name"].erase("16");
  const std::string bad = dir + "/short.json";
  write_file(bad, Json{{"meta_info", short_meta},
                       {"instance_info", {{{"frame_id", 0}, {"instances", {{{"keypoints", kp}}}}}}}}.dump());
  const std::string msg = error_of([&] { kinepose::mmpose_format().read(bad, {}); });
  EXPECT_NE(msg.find("short.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("16 keypoints"), std::string::npos) << msg;
}

TEST(MmposeJson, RejectsBadInputsNamingTheFile) {
  const std::string dir = scratch_dir("mmpose_bad");
  const auto& fmt = kinepose::mmpose_format();
  auto check = [&](const std::string& name, const std::string& text, const std::string& expect) {
    const std::string path = dir + "/" + name + ".json";
    write_file(path, text);
    const std::string msg = error_of([&] { fmt.read(path, {}); });
    EXPECT_NE(msg.find(name + ".json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << name << ": " << msg;
  };
  Json good = {{"instance_info", {{{"frame_id", 0}, {"instances", {{{"keypoints", nested(17, 1, false)}}}}}}}};
  const std::string text = good.dump();
  check("garbled", "{\"instance_info\": [{\"frame_id\": 0,, }]}", "invalid JSON");
  check("truncated", text.substr(0, text.size() - 5), "invalid JSON");
  check("empty_info", R"({"instance_info": []})", "no frames");
  check("empty_list", "[]", "no frames");
  check("nobody", R"({"instance_info": [{"frame_id": 0, "instances": []}]})", "no instance");
  Json bad = good;
  bad["instance_info"][0]["instances"][0]["keypoints"][3] = {1, 2, 3, 4};
  check("point", bad.dump(), "keypoints[3]: expected 2 numbers");
  bad = good;
  bad["instance_info"][0]["instances"][0]["keypoints"][3][1] = "y";
  check("string", bad.dump(), "keypoints[3][1]: expected a number, got string");
  bad = good;
  bad["instance_info"][0]["instances"].push_back({{"keypoints", nested(16, 1, false)}});
  check("count", bad.dump(), "16 joints");
  bad = good;
  bad["instance_info"][0]["instances"][0]["keypoint_scores"] = scores(5, 1);
  check("scores", bad.dump(), "5 scores for 17 keypoints");
  bad = good;
  bad["instance_info"].push_back(bad["instance_info"][0]);
  check("duplicate_frame", bad.dump(), "duplicate frame_id 0");
  bad = good;
  bad["instance_info"][0]["instances"][0]["keypoints"] = nested(18, 1, false);
  check("odd_count", bad.dump(), "18 keypoints per person");
  check("scalar", "42", "expected MMPose predictions");
}
