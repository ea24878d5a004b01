// COCO keypoint JSON: results (read/write, exact round trip) and annotations (read) on the MMPose
// fixtures (Sub-JHMDB, Human3.6M), plus sniffing and bad inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/format_factories.h"
#include "json_pose_test_util.h"
#include "kinepose/io.h"
#include "test_helpers.h"

using kinepose::PoseSequence;
using kinepose::ReadOptions;
using kinepose::Tracks;
using kinepose::testing::data_path;
using kinepose::testing::error_of;
using kinepose::testing::scratch_dir;
using kinepose::testing::write_file;

namespace {

const char* kJhmdb = "mmpose_fixtures/jhmdb/test_jhmdb_sub1.json";
const char* kH36m = "mmpose_fixtures/h36m/h36m_coco.json";
const char* kPoseTrack = "mmpose_fixtures/posetrack18/annotations/test_posetrack18_val.json";

nlohmann::json load(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

nlohmann::json flat(int K, float base) {
  nlohmann::json kp = nlohmann::json::array();
  for (int k = 0; k < K; ++k) kp.insert(kp.end(), {base + k, base + 2 * k, 0.75});
  return kp;
}

}  // namespace

TEST(CocoJson, ResultsRoundTripIsExact) {
  Tracks original = kinepose::testing::synthetic_tracks(kinepose::get_skeleton("coco17"), 12, 3, 2, true, 7);
  // A result's "score" rates the detection, not its box: boxes come back without a score.
  for (auto& seq : original)
    for (auto& b : seq.boxes) b.score = std::numeric_limits<float>::quiet_NaN();
  const std::string out = scratch_dir("coco_results_roundtrip") + "/results.json";
  kinepose::coco_results_format().write(out, original, {});
  const Tracks again = kinepose::coco_results_format().read(out, {});
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].skeleton->name, "coco17");
  EXPECT_EQ(again[1].track_id, 13);
  EXPECT_EQ(again[0].units, "px");
  kinepose::testing::expect_same_tracks(original, again);

  // Layout of one written entry.
  const auto doc = load(out);
  ASSERT_TRUE(doc.is_array());
  const auto& e = doc[0];
  EXPECT_EQ(e["image_id"], 0);
  EXPECT_EQ(e["category_id"], 1);
  EXPECT_EQ(e["track_id"], 3);
  EXPECT_EQ(e["keypoints"].size(), 51u);
  EXPECT_TRUE(e.contains("bbox"));
  double sum = 0;
  int n = 0;
  for (int j = 0; j < 17; ++j)
    if (!original[0].missing(0, j)) {
      sum += original[0].score(0, j);
      ++n;
    }
  EXPECT_NEAR(e["score"].get<double>(), sum / n, 1e-6);
}

TEST(CocoJson, ResultsFramesAreDistinctImageIdsAndTracksFollowIndex) {
  const std::string path = scratch_dir("coco_results_ids") + "/r.json";
  nlohmann::json doc = nlohmann::json::array();
  doc.push_back({{"image_id", 42}, {"category_id", 1}, {"keypoints", flat(17, 10)}, {"score", 0.9}});
  doc.push_back({{"image_id", 7}, {"category_id", 1}, {"keypoints", flat(17, 20)}, {"score", 0.8}});
  doc.push_back({{"image_id", 42}, {"category_id", 1}, {"keypoints", flat(17, 30)}, {"score", 0.7},
                 {"bbox", {1.5, 2.5, 10, 20}}});
  doc.push_back({{"image_id", 100}, {"category_id", 1}, {"keypoints", flat(17, 40)}, {"score", 0.6}});
  doc[3]["keypoints"][3] = 0;  // joint 1 of image 100 -> 0,0,0 = missing
  doc[3]["keypoints"][4] = 0;
  doc[3]["keypoints"][5] = 0;
  write_file(path, doc.dump());
  const Tracks t = kinepose::coco_results_format().read(path, {});
  ASSERT_EQ(t.size(), 2u);  // image 42 has two people
  ASSERT_EQ(t[0].frames, 3);  // ids 7, 42, 100
  EXPECT_EQ(t[0].at(0, 0, 0), 20.0f);  // image 7
  EXPECT_EQ(t[0].at(1, 0, 0), 10.0f);  // image 42, first listed
  EXPECT_EQ(t[1].at(1, 2, 1), 34.0f);  // image 42, second listed: 30 + 2 * 2
  EXPECT_TRUE(t[1].missing(0, 0));
  EXPECT_EQ(t[0].score(2, 0), 0.75f);
  EXPECT_TRUE(t[0].missing(2, 1));
  EXPECT_EQ(t[0].score(2, 1), 0.0f);
  ASSERT_TRUE(t[1].has_boxes());
  EXPECT_EQ(t[1].boxes[1].x2, 11.5f);
  EXPECT_EQ(t[1].boxes[1].y2, 22.5f);
  EXPECT_TRUE(std::isnan(t[1].boxes[0].x1));
}

TEST(CocoJson, ResultsSkeletonByJointCountOrOption) {
  const std::string dir = scratch_dir("coco_results_counts");
  const std::pair<int, const char*> cases[] = {{17, "coco17"}, {25, "body25"}, {26, "halpe26"}, {15, "jhmdb15"},
                                              {16, "mpii16"},  {13, "penn13"}, {14, "lsp14"}};
  for (const auto& [K, name] : cases) {
    const std::string path = dir + "/k" + std::to_string(K) + ".json";
    write_file(path, nlohmann::json::array({{{"image_id", 1}, {"keypoints", flat(K, 5)}, {"score", 1}}}).dump());
    EXPECT_EQ(kinepose::coco_results_format().read(path, {})[0].skeleton->name, name) << K;
  }
  ReadOptions h36m;
  h36m.skeleton = "h36m17";
  EXPECT_EQ(kinepose::coco_results_format().read(dir + "/k17.json", h36m)[0].skeleton->name, "h36m17");
  EXPECT_NE(error_of([&] { kinepose::coco_results_format().read(dir + "/k25.json", h36m); }).find("17 joints"),
            std::string::npos);
  const std::string odd = dir + "/k18.json";
  write_file(odd, nlohmann::json::array({{{"image_id", 1}, {"keypoints", flat(18, 5)}}}).dump());
  const std::string msg = error_of([&] { kinepose::coco_results_format().read(odd, {}); });
  EXPECT_NE(msg.find("k18.json"), std::string::npos);
  EXPECT_NE(msg.find("18 keypoints"), std::string::npos);
}

TEST(CocoJson, ResultsUseTrackIds) {
  const std::string path = scratch_dir("coco_results_track_ids") + "/r.json";
  nlohmann::json doc = nlohmann::json::array();
  doc.push_back({{"image_id", 1}, {"keypoints", flat(17, 1)}, {"track_id", 9}});
  doc.push_back({{"image_id", 1}, {"keypoints", flat(17, 2)}, {"track_id", 4}});
  doc.push_back({{"image_id", 2}, {"keypoints", flat(17, 3)}, {"track_id", 9}});
  write_file(path, doc.dump());
  const Tracks t = kinepose::coco_results_format().read(path, {});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].track_id, 4);
  EXPECT_EQ(t[1].track_id, 9);
  EXPECT_EQ(t[1].at(1, 0, 0), 3.0f);
  EXPECT_TRUE(t[0].missing(1, 0));

  doc[1]["track_id"] = 9;  // two people of one track in image 1
  write_file(path, doc.dump());
  EXPECT_NE(error_of([&] { kinepose::coco_results_format().read(path, {}); }).find("second person"), std::string::npos);
  doc[1].erase("track_id");  // only some entries have one
  write_file(path, doc.dump());
  EXPECT_NE(error_of([&] { kinepose::coco_results_format().read(path, {}); }).find("track_id"), std::string::npos);
}

TEST(CocoJson, ResultsRejectBadInputsNamingTheFile) {
  const std::string dir = scratch_dir("coco_results_bad");
  const auto& fmt = kinepose::coco_results_format();
  auto check = [&](const std::string& name, const std::string& text, const std::string& expect) {
    const std::string path = dir + "/" + name + ".json";
    write_file(path, text);
    const std::string msg = error_of([&] { fmt.read(path, {}); });
    EXPECT_NE(msg.find(name + ".json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << name << ": " << msg;
  };
  const std::string good = nlohmann::json::array({{{"image_id", 1}, {"keypoints", flat(17, 5)}}}).dump();
  check("garbled", "[{\"image_id\": 1, \"keypoints\": [1, 2, }]", "invalid JSON");
  check("truncated", good.substr(0, good.size() - 7), "invalid JSON");
  check("empty_list", "[]", "empty list");
  check("empty_file", "", "empty file");
  check("not_list", R"({"a": 1})", "expected a list");
  check("count", nlohmann::json::array({{{"image_id", 1}, {"keypoints", flat(17, 5)}},
                                        {{"image_id", 2}, {"keypoints", flat(16, 5)}}}).dump(),
        "[1].keypoints: 48 values");
  check("not_triples", R"([{"image_id": 1, "keypoints": [1, 2, 3, 4]}])", "[x, y, score]");
  std::string with_string = good;
  with_string.replace(with_string.find("[5.0,") + 1, 3, "\"5\"");
  check("string", with_string, "[0].keypoints[0]: expected a number, got string");
  check("no_image_id", R"([{"keypoints": [1, 2, 3]}])", "missing \"image_id\"");
  check("float_image_id", nlohmann::json::array({{{"image_id", 1.5}, {"keypoints", flat(17, 5)}}}).dump(), "integer");
  std::string huge = good;
  huge.replace(huge.find("5.0"), 3, "1e39");
  check("huge", huge, "float32 range");
  EXPECT_NE(error_of([&] { fmt.read(dir + "/missing.json", {}); }).find("missing.json"), std::string::npos);
}

TEST(CocoJson, AnnotationsReadSubJhmdbFixture) {
  KINEPOSE_REQUIRE_DATA(kJhmdb);
  const std::string path = data_path(kJhmdb);
  EXPECT_TRUE(kinepose::coco_annotations_format().sniff(path));
  EXPECT_FALSE(kinepose::posetrack18_format().sniff(path));  // has vid_id, but JHMDB joint names
  EXPECT_FALSE(kinepose::coco_results_format().sniff(path));
  const Tracks t = kinepose::coco_annotations_format().read(path, {});
  ASSERT_EQ(t.size(), 1u);  // every annotation has track_id 0
  const PoseSequence& seq = t[0];
  EXPECT_EQ(seq.skeleton->name, "jhmdb15");
  EXPECT_EQ(seq.frames, 3);
  ASSERT_TRUE(seq.image_size.has_value());
  EXPECT_EQ((*seq.image_size)[0], 320);
  EXPECT_EQ((*seq.image_size)[1], 240);
  EXPECT_EQ(seq.units, "px");

  // The file's names are JHMDB's order with "head" for kinepose's "face".
  const auto doc = load(path);
  const auto& names = doc["categories"][0]["keypoints"];
  ASSERT_EQ(names.size(), 15u);
  for (int k = 0; k < 15; ++k)
    EXPECT_EQ(names[k] == "head" ? std::string("face") : names[k].get<std::string>(), seq.skeleton->joints[k]);
  std::vector<int64_t> ids;
  for (const auto& img : doc["images"]) ids.push_back(img["id"]);
  std::sort(ids.begin(), ids.end());
  for (const auto& ann : doc["annotations"]) {
    const int t_ = static_cast<int>(std::find(ids.begin(), ids.end(), ann["image_id"].get<int64_t>()) - ids.begin());
    for (int k = 0; k < 15; ++k) {
      EXPECT_EQ(seq.at(t_, k, 0), static_cast<float>(ann["keypoints"][3 * k].get<double>()));
      EXPECT_EQ(seq.at(t_, k, 1), static_cast<float>(ann["keypoints"][3 * k + 1].get<double>()));
      EXPECT_EQ(seq.score(t_, k), 1.0f);
    }
    const auto& b = ann["bbox"];
    EXPECT_EQ(seq.boxes[t_].x1, static_cast<float>(b[0].get<double>()));
    EXPECT_EQ(seq.boxes[t_].y2, static_cast<float>(b[1].get<double>() + b[3].get<double>()));
  }
  // Concrete values: frame 0 = image 2280001 (Frisbee_catch_f_cm_np1_ri_med_0).
  EXPECT_FLOAT_EQ(seq.at(0, 0, 0), 98.851746f);  // neck
  EXPECT_FLOAT_EQ(seq.at(0, 2, 1), 79.770933f);  // face ("head")
  EXPECT_EQ(seq.boxes[0].x1, 79.0f);
  EXPECT_EQ(seq.boxes[0].x2, 133.0f);  // 79 + 54
  EXPECT_EQ(seq.boxes[0].y2, 221.0f);  // 62 + 159
}

TEST(CocoJson, AnnotationsReadH36mFixtureByJointName) {
  KINEPOSE_REQUIRE_DATA(kH36m);
  const std::string path = data_path(kH36m);
  EXPECT_TRUE(kinepose::coco_annotations_format().sniff(path));
  const Tracks t = kinepose::coco_annotations_format().read(path, {});
  ASSERT_EQ(t.size(), 1u);  // no track ids: person 0 of each image
  const PoseSequence& seq = t[0];
  // Names like "root (pelvis)", "left_foot", "neck_base" identify H36M's 17 joints, not COCO's.
  EXPECT_EQ(seq.skeleton->name, "h36m17");
  EXPECT_EQ(seq.frames, 4);
  EXPECT_FALSE(seq.image_size.has_value());  // 1000x1002 and 1000x1000 images
  const auto doc = load(path);
  const auto& names = doc["categories"][0]["keypoints"];
  const auto& kp = doc["annotations"][0]["keypoints"];
  // Joints are placed by the file's own names (this fixture names index 1 "left_hip").
  auto file_index = [&](const std::string& n) {
    for (size_t k = 0; k < names.size(); ++k)
      if (names[k] == n) return static_cast<int>(k);
    return -1;
  };
  const std::pair<const char*, const char*> pairs[] = {{"pelvis", "root (pelvis)"}, {"left_hip", "left_hip"},
                                                      {"left_ankle", "left_foot"},  {"neck_base", "neck_base"},
                                                      {"head", "head"},             {"right_wrist", "right_wrist"}};
  for (const auto& [joint, file_name] : pairs) {
    const int j = seq.skeleton->index_of(joint), k = file_index(file_name);
    ASSERT_GE(k, 0) << file_name;
    EXPECT_EQ(seq.at(0, j, 0), static_cast<float>(kp[3 * k].get<double>())) << joint;
    EXPECT_EQ(seq.at(0, j, 1), static_cast<float>(kp[3 * k + 1].get<double>())) << joint;
  }
  EXPECT_FLOAT_EQ(seq.at(0, seq.skeleton->index_of("pelvis"), 0), 473.6835632324219f);
  // With the skeleton named explicitly the file order is taken as that skeleton's order.
  ReadOptions positional;
  positional.skeleton = "h36m17";
  const Tracks p = kinepose::coco_annotations_format().read(path, positional);
  EXPECT_FLOAT_EQ(p[0].at(0, 1, 0), 500.99609375f);  // index 1 = h36m17 right_hip
}

TEST(CocoJson, AnnotationsSniffLeavesPoseTrackToPoseTrack) {
  KINEPOSE_REQUIRE_DATA(kPoseTrack);
  EXPECT_FALSE(kinepose::coco_annotations_format().sniff(data_path(kPoseTrack)));
  EXPECT_TRUE(kinepose::posetrack18_format().sniff(data_path(kPoseTrack)));
}

TEST(CocoJson, AnnotationsRejectBadInputsNamingTheFile) {
  const std::string dir = scratch_dir("coco_ann_bad");
  const auto& fmt = kinepose::coco_annotations_format();
  nlohmann::json good = {
      {"images", {{{"id", 5}, {"width", 640}, {"height", 480}}, {{"id", 3}, {"width", 640}, {"height", 480}}}},
      {"annotations",
       {{{"image_id", 5}, {"category_id", 1}, {"keypoints", flat(17, 1)}, {"bbox", {0, 0, 10, 10}}},
        {{"image_id", 3}, {"category_id", 1}, {"keypoints", flat(17, 2)}},
        {{"image_id", 3}, {"category_id", 1}, {"iscrowd", 1}, {"keypoints", flat(17, 0)}}}},
      {"categories", {{{"id", 1}, {"name", "person"}}}}};
  const std::string ok = dir + "/ok.json";
  write_file(ok, good.dump());
  const Tracks t = fmt.read(ok, {});
  ASSERT_EQ(t.size(), 1u);  // the crowd region is not a person
  EXPECT_EQ(t[0].frames, 2);
  EXPECT_EQ(t[0].at(0, 0, 0), 2.0f);  // image 3 comes first
  EXPECT_EQ((*t[0].image_size)[0], 640);

  auto check = [&](const std::string& name, const std::string& text, const std::string& expect) {
    const std::string path = dir + "/" + name + ".json";
    write_file(path, text);
    const std::string msg = error_of([&] { fmt.read(path, {}); });
    EXPECT_NE(msg.find(name + ".json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << name << ": " << msg;
  };
  const std::string text = good.dump();
  check("truncated", text.substr(0, text.size() / 2), "invalid JSON");
  nlohmann::json bad = good;
  bad["annotations"][0]["image_id"] = 99;
  check("unknown_image", bad.dump(), "no image with id 99");
  bad = good;
  bad["annotations"][1]["keypoints"] = flat(15, 1);
  check("count", bad.dump(), "annotations[1].keypoints: 45 values");
  bad = good;
  bad["annotations"][1]["keypoints"][4] = "x";
  check("string", bad.dump(), "annotations[1].keypoints[4]: expected a number");
  bad = good;
  bad["images"] = nlohmann::json::array();
  check("no_images", bad.dump(), "no frames");
  bad = good;
  bad["annotations"] = nlohmann::json::array();
  check("no_people", bad.dump(), "no person annotation");
  check("list", "[]", "expected a COCO annotation object");
  bad = good;
  bad["categories"][0]["keypoints"] = {"a", "b"};
  check("names", bad.dump(), "names 2 keypoints");
}

TEST(CocoJson, RegistryTellsTheJsonKindsApart) {
  KINEPOSE_REQUIRE_DATA(kJhmdb);
  KINEPOSE_REQUIRE_DATA(kPoseTrack);
  EXPECT_EQ(kinepose::detect_read_format(data_path(kJhmdb)).name, "coco-annotations");
  EXPECT_EQ(kinepose::detect_read_format(data_path(kH36m)).name, "coco-annotations");
  EXPECT_EQ(kinepose::detect_read_format(data_path(kPoseTrack)).name, "posetrack18");
  const std::string dir = scratch_dir("coco_registry");
  const Tracks tracks = kinepose::testing::synthetic_tracks(kinepose::get_skeleton("coco17"), 4, 2, 2, false, 3);
  kinepose::coco_results_format().write(dir + "/results.json", tracks, {});
  kinepose::mmpose_format().write(dir + "/mmpose.json", tracks, {});
  EXPECT_EQ(kinepose::detect_read_format(dir + "/results.json").name, "coco");
  EXPECT_EQ(kinepose::detect_read_format(dir + "/mmpose.json").name, "mmpose");
  EXPECT_EQ(kinepose::read_poses(data_path(kJhmdb))[0].skeleton->name, "jhmdb15");
}
