// PoseTrack18 JSON: the MMPose fixtures (three videos in one file, and one file per video), exact
// round trips, the one-video writer, and bad inputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "io/format_factories.h"
#include "json_pose_test_util.h"
#include "kinepose/io.h"
#include "test_helpers.h"

namespace fs = std::filesystem;
using kinepose::PoseSequence;
using kinepose::ReadOptions;
using kinepose::Tracks;
using kinepose::testing::data_path;
using kinepose::testing::error_of;
using kinepose::testing::scratch_dir;
using kinepose::testing::write_file;

namespace {

const char* kVal = "mmpose_fixtures/posetrack18/annotations/test_posetrack18_val.json";
const char* kValDir = "mmpose_fixtures/posetrack18/annotations/val";

nlohmann::json load(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

const PoseSequence* find_track(const Tracks& tracks, const std::string& video, int64_t id) {
  for (const auto& t : tracks)
    if (t.name == video && t.track_id == id) return &t;
  return nullptr;
}

// Every annotation of `doc` against the tracks read from it (all fixture videos have one frame).
void expect_matches_json(const Tracks& tracks, const nlohmann::json& doc) {
  std::map<int64_t, std::string> video_of;
  for (const auto& img : doc["images"]) video_of[img["id"]] = img["vid_id"];
  std::set<std::pair<std::string, int64_t>> expected;
  for (const auto& ann : doc["annotations"]) {
    const std::string video = video_of.at(ann["image_id"]);
    expected.emplace(video, ann["track_id"]);
    const PoseSequence* seq = find_track(tracks, video, ann["track_id"]);
    ASSERT_NE(seq, nullptr) << video << " track " << ann["track_id"];
    ASSERT_EQ(seq->frames, 1);
    const auto& kp = ann["keypoints"];
    int labelled = 0;
    for (int k = 0; k < 17; ++k) {
      if (kp[3 * k + 2].get<double>() == 0) {
        EXPECT_TRUE(seq->missing(0, k));
        EXPECT_EQ(seq->score(0, k), 0.0f);
      } else {
        ++labelled;
        EXPECT_EQ(seq->at(0, k, 0), static_cast<float>(kp[3 * k].get<double>()));
        EXPECT_EQ(seq->at(0, k, 1), static_cast<float>(kp[3 * k + 1].get<double>()));
        EXPECT_EQ(seq->score(0, k), 1.0f);
      }
    }
    EXPECT_EQ(labelled, ann["num_keypoints"].get<int>());
    const auto& b = ann["bbox"];
    ASSERT_TRUE(seq->has_boxes());
    EXPECT_EQ(seq->boxes[0].x1, static_cast<float>(b[0].get<double>()));
    EXPECT_EQ(seq->boxes[0].y1, static_cast<float>(b[1].get<double>()));
    EXPECT_EQ(seq->boxes[0].x2, static_cast<float>(b[0].get<double>() + b[2].get<double>()));
    EXPECT_EQ(seq->boxes[0].y2, static_cast<float>(b[1].get<double>() + b[3].get<double>()));
  }
  EXPECT_EQ(tracks.size(), expected.size());
}

}  // namespace

TEST(PoseTrackJson, ReadsThreeVideosFromOneFile) {
  KINEPOSE_REQUIRE_DATA(kVal);
  const std::string path = data_path(kVal);
  EXPECT_TRUE(kinepose::posetrack18_format().sniff(path));
  const Tracks tracks = kinepose::posetrack18_format().read(path, {});
  ASSERT_EQ(tracks.size(), 14u);  // 11 + 2 + 1 tracks
  const auto& skel = *tracks[0].skeleton;
  EXPECT_EQ(skel.name, "posetrack17");
  const std::vector<std::string> joints = {"nose",        "head_bottom",    "head_top",   "left_ear",    "right_ear",
                                           "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
                                           "right_wrist", "left_hip",       "right_hip",  "left_knee",   "right_knee",
                                           "left_ankle",  "right_ankle"};
  EXPECT_EQ(skel.joints, joints);
  // Videos in file order, each track named after its video.
  EXPECT_EQ(tracks[0].name, "012834");
  EXPECT_EQ(tracks[11].name, "009473");
  EXPECT_EQ(tracks[13].name, "003418");
  for (const auto& t : tracks) {
    ASSERT_TRUE(t.image_size.has_value());
    EXPECT_EQ((*t.image_size)[0], 1920);
    EXPECT_EQ((*t.image_size)[1], 1080);
    EXPECT_EQ(t.units, "px");
  }
  expect_matches_json(tracks, load(path));
  // Concrete values (first annotation): nose (401, 530); ears not labelled.
  const PoseSequence* first = find_track(tracks, "012834", 0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->at(0, 0, 0), 401.0f);
  EXPECT_EQ(first->at(0, 0, 1), 530.0f);
  EXPECT_FLOAT_EQ(first->at(0, 1, 0), 409.5254211f);
  EXPECT_TRUE(first->missing(0, 3));
  EXPECT_TRUE(first->missing(0, 16));
  EXPECT_FLOAT_EQ(first->boxes[0].x1, 322.3f);
}

TEST(PoseTrackJson, ReadsPerVideoFiles) {
  KINEPOSE_REQUIRE_DATA(kValDir);
  int files = 0;
  for (const auto& e : fs::directory_iterator(data_path(kValDir))) {
    const std::string path = e.path().string();
    ++files;
    EXPECT_TRUE(kinepose::posetrack18_format().sniff(path)) << path;
    const Tracks tracks = kinepose::posetrack18_format().read(path, {});
    const auto doc = load(path);
    const std::string vid = doc["images"][0]["vid_id"];
    for (const auto& t : tracks) EXPECT_EQ(t.name, vid);
    EXPECT_EQ(e.path().filename().string().substr(0, 6), vid);
    expect_matches_json(tracks, doc);
  }
  EXPECT_EQ(files, 3);
}

TEST(PoseTrackJson, RoundTripOfFixtureIsExact) {
  KINEPOSE_REQUIRE_DATA(kValDir);
  const Tracks original = kinepose::posetrack18_format().read(data_path(kValDir) + "/012834_mpii_test.json", {});
  const std::string out = scratch_dir("posetrack_roundtrip") + "/012834.json";
  kinepose::posetrack18_format().write(out, original, {});
  EXPECT_TRUE(kinepose::posetrack18_format().sniff(out));
  const Tracks again = kinepose::posetrack18_format().read(out, {});
  kinepose::testing::expect_same_tracks(original, again);
  for (size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i].name, "012834");
    EXPECT_EQ(again[i].image_size, original[i].image_size);
  }
  const auto doc = load(out);
  EXPECT_EQ(doc["images"][0]["id"], 10128340000LL);  // PoseTrack's id scheme
  EXPECT_EQ(doc["images"][0]["vid_id"], "012834");
  EXPECT_EQ(doc["categories"][0]["keypoints"][1], "head_bottom");
  EXPECT_EQ(doc["annotations"].size(), 11u);
}

TEST(PoseTrackJson, SyntheticMultiFrameRoundTripIsExact) {
  Tracks original = kinepose::testing::synthetic_tracks(kinepose::get_skeleton("posetrack17"), 9, 3, 2, true, 11);
  for (auto& t : original) {
    t.name = "000042";
    t.image_size = std::array<int, 2>{1280, 720};
  }
  const std::string out = scratch_dir("posetrack_synthetic") + "/v.json";
  kinepose::posetrack18_format().write(out, original, {});
  const Tracks again = kinepose::posetrack18_format().read(out, {});
  kinepose::testing::expect_same_tracks(original, again);
  EXPECT_EQ(again[0].name, "000042");
  EXPECT_EQ((*again[0].image_size)[1], 720);
  const auto doc = load(out);
  EXPECT_EQ(doc["images"].size(), 9u);
  EXPECT_EQ(doc["images"][8]["frame_id"], 10000420008LL);
}

TEST(PoseTrackJson, WriterWritesOneVideo) {
  Tracks two = kinepose::testing::synthetic_tracks(kinepose::get_skeleton("posetrack17"), 3, 2, 2, false, 1);
  two[0].name = "000001";
  two[1].name = "000002";
  const std::string out = scratch_dir("posetrack_two_videos") + "/v.json";
  const std::string msg = error_of([&] { kinepose::posetrack18_format().write(out, two, {}); });
  EXPECT_NE(msg.find("one video"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(out));
}

TEST(PoseTrackJson, RejectsBadInputsNamingTheFile) {
  const std::string dir = scratch_dir("posetrack_bad");
  const auto& fmt = kinepose::posetrack18_format();
  nlohmann::json kp = nlohmann::json::array();
  for (int k = 0; k < 17; ++k) kp.insert(kp.end(), {100 + k, 200 + k, 1});
  nlohmann::json good = {
      {"images", {{{"id", 10000010000LL}, {"vid_id", "000001"}, {"frame_id", 10000010000LL}, {"file_name", "images/a/0.jpg"}},
                  {{"id", 10000010001LL}, {"vid_id", "000001"}, {"frame_id", 10000010001LL}, {"file_name", "images/a/1.jpg"}}}},
      {"annotations", {{{"image_id", 10000010001LL}, {"track_id", 2}, {"category_id", 1}, {"keypoints", kp}}}},
      {"categories", {{{"id", 1}, {"keypoints", {"nose", "head_bottom", "head_top", "left_ear", "right_ear",
                                                 "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
                                                 "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
                                                 "right_knee", "left_ankle", "right_ankle"}}}}}};
  const std::string ok = dir + "/ok.json";
  write_file(ok, good.dump());
  const Tracks t = fmt.read(ok, {});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].frames, 2);  // the unlabelled image is a frame too
  EXPECT_TRUE(t[0].missing(0, 0));
  EXPECT_EQ(t[0].at(1, 16, 1), 216.0f);
  EXPECT_FALSE(t[0].image_size.has_value());

  auto check = [&](const std::string& name, const std::string& text, const std::string& expect) {
    const std::string path = dir + "/" + name + ".json";
    write_file(path, text);
    const std::string msg = error_of([&] { fmt.read(path, {}); });
    EXPECT_NE(msg.find(name + ".json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << name << ": " << msg;
  };
  const std::string text = good.dump();
  check("garbled", "{\"images\": [}", "invalid JSON");
  check("truncated", text.substr(0, text.size() - 10), "invalid JSON");
  nlohmann::json bad = good;
  bad["annotations"][0]["keypoints"].erase(0);
  check("count", bad.dump(), "50 values");
  bad = good;
  bad["annotations"][0]["keypoints"][0] = "x";
  check("string", bad.dump(), "keypoints[0]: expected a number, got string");
  bad = good;
  bad["images"] = nlohmann::json::array();
  check("no_frames", bad.dump(), "no frames");
  bad = good;
  bad["annotations"][0]["image_id"] = 5;
  check("unknown_image", bad.dump(), "no image with id 5");
  bad = good;
  bad["images"][1]["id"] = 10000010000LL;
  check("duplicate_image", bad.dump(), "duplicate image id");
  bad = good;
  bad["annotations"][0]["scores"] = {0.5, 0.5};
  check("scores", bad.dump(), "expected 17 joint scores");
  check("list", "[]", "expected a PoseTrack object");
}
