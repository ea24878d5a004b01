// OpenPose --write_json folders: every frame of the real treadmill clip, exact round trips
// (OpenPose -> OpenPose, OpenPose -> COCO results), greedy tracking, and bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "json_pose_test_util.h"
#include "test_helpers.h"

namespace fs = std::filesystem;
using kinepose::Error;
using kinepose::PoseSequence;
using kinepose::ReadOptions;
using kinepose::Tracks;
using kinepose::testing::data_path;
using kinepose::testing::error_of;
using kinepose::testing::expect_same_tracks;
using kinepose::testing::scratch_dir;

namespace {

const char* kTreadmill = "openpose_treadmill/json_inputs/27";

std::vector<fs::path> sorted_json(const std::string& folder) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

void write_file(const fs::path& p, const std::string& text) { kinepose::testing::write_file(p.string(), text); }

// A BODY_25 person whose every joint sits at (x0 + j, y0 + j) with confidence 0.5.
std::string person_json(float x0, float y0) {
  nlohmann::json kp = nlohmann::json::array();
  for (int j = 0; j < 25; ++j) {
    kp.push_back(x0 + j);
    kp.push_back(y0 + j);
    kp.push_back(0.5);
  }
  return nlohmann::json{{"person_id", {-1}}, {"pose_keypoints_2d", kp}}.dump();
}

std::string frame_json(const std::vector<std::string>& people) {
  std::string s = R"({"version":1.3,"people":[)";
  for (size_t i = 0; i < people.size(); ++i) s += (i ? "," : "") + people[i];
  return s + "]}";
}

}  // namespace

TEST(OpenPoseJson, ReadsEveryTreadmillFrameWithItsPeople) {
  KINEPOSE_REQUIRE_DATA(kTreadmill);
  const std::string folder = data_path(kTreadmill);
  const auto files = sorted_json(folder);
  ASSERT_EQ(files.size(), 90u);

  ReadOptions options;
  options.fps = 23.976;
  const Tracks tracks = kinepose::openpose_format().read(folder, options);

  // Independent count of people per frame, and the expected values straight from the JSON.
  size_t most = 0;
  std::vector<nlohmann::json> docs;
  for (const auto& f : files) {
    std::ifstream in(f);
    docs.push_back(nlohmann::json::parse(in));
    most = std::max(most, docs.back()["people"].size());
  }
  ASSERT_EQ(most, 3u);
  ASSERT_EQ(tracks.size(), most);
  for (size_t k = 0; k < tracks.size(); ++k) {
    const PoseSequence& seq = tracks[k];
    EXPECT_EQ(seq.skeleton->name, "body25");
    EXPECT_EQ(seq.frames, 90);
    EXPECT_EQ(seq.units, "px");
    EXPECT_DOUBLE_EQ(seq.fps, 23.976);
    EXPECT_EQ(seq.track_id, static_cast<int64_t>(k));
    ASSERT_TRUE(seq.has_scores());
  }
  for (int t = 0; t < 90; ++t) {
    const auto& people = docs[t]["people"];
    int present = 0;
    for (const auto& seq : tracks) {
      bool any = false;
      for (int j = 0; j < 25; ++j) any = any || !seq.missing(t, j);
      present += any ? 1 : 0;
    }
    EXPECT_EQ(present, static_cast<int>(people.size())) << "frame " << t;
    for (size_t k = 0; k < tracks.size(); ++k) {
      for (int j = 0; j < 25; ++j) {
        if (k >= people.size()) {
          EXPECT_TRUE(tracks[k].missing(t, j));
          EXPECT_EQ(tracks[k].score(t, j), 0.0f);
          continue;
        }
        const auto& kp = people[k]["pose_keypoints_2d"];
        const double x = kp[3 * j], y = kp[3 * j + 1], c = kp[3 * j + 2];
        if (x == 0 && y == 0 && c == 0) {
          EXPECT_TRUE(tracks[k].missing(t, j)) << "frame " << t << " person " << k << " joint " << j;
          EXPECT_EQ(tracks[k].score(t, j), 0.0f);
        } else {
          EXPECT_EQ(tracks[k].at(t, j, 0), static_cast<float>(x));
          EXPECT_EQ(tracks[k].at(t, j, 1), static_cast<float>(y));
          EXPECT_EQ(tracks[k].score(t, j), static_cast<float>(c));
        }
      }
    }
  }
  // Spot values from 000.json: nose, and the undetected right ear (joint 17 = 0,0,0).
  EXPECT_FLOAT_EQ(tracks[0].at(0, 0, 0), 400.086f);
  EXPECT_FLOAT_EQ(tracks[0].at(0, 0, 1), 100.333f);
  EXPECT_FLOAT_EQ(tracks[0].score(0, 0), 0.948204f);
  EXPECT_EQ(tracks[0].skeleton->joints[17], "right_ear");
  EXPECT_TRUE(tracks[0].missing(0, 17));
}

TEST(OpenPoseJson, RoundTripThroughOpenPoseIsExact) {
  KINEPOSE_REQUIRE_DATA(kTreadmill);
  const Tracks original = kinepose::openpose_format().read(data_path(kTreadmill), {});
  const std::string out = scratch_dir("openpose_roundtrip") + "/frames";
  kinepose::openpose_format().write(out, original, {});

  const auto files = sorted_json(out);
  ASSERT_EQ(files.size(), 90u);
  EXPECT_EQ(files.front().filename(), "000000_keypoints.json");
  EXPECT_EQ(files.back().filename(), "000089_keypoints.json");
  std::ifstream in(files.front());
  const auto doc = nlohmann::json::parse(in);
  EXPECT_DOUBLE_EQ(doc["version"].get<double>(), 1.3);
  ASSERT_EQ(doc["people"].size(), 1u);
  const auto& person = doc["people"][0];
  EXPECT_EQ(person["person_id"], nlohmann::json::array({-1}));
  EXPECT_EQ(person["pose_keypoints_2d"].size(), 75u);
  for (const char* key : {"face_keypoints_2d", "hand_left_keypoints_2d", "hand_right_keypoints_2d", "pose_keypoints_3d",
                          "face_keypoints_3d", "hand_left_keypoints_3d", "hand_right_keypoints_3d"})
    EXPECT_EQ(person[key], nlohmann::json::array()) << key;
  // Short decimals stay short: 400.086 is written as 400.086, not 400.0859985...
  EXPECT_NE(person["pose_keypoints_2d"].dump().find("400.086,"), std::string::npos);

  const Tracks again = kinepose::openpose_format().read(out, {});
  expect_same_tracks(original, again);
  EXPECT_TRUE(kinepose::openpose_format().sniff(out));
}

TEST(OpenPoseJson, RoundTripThroughCocoResultsIsExact) {
  KINEPOSE_REQUIRE_DATA(kTreadmill);
  const Tracks original = kinepose::openpose_format().read(data_path(kTreadmill), {});
  const std::string out = scratch_dir("openpose_to_coco") + "/results.json";
  kinepose::coco_results_format().write(out, original, {});
  EXPECT_TRUE(kinepose::coco_results_format().sniff(out));
  const Tracks again = kinepose::coco_results_format().read(out, {});  // 25 joints -> body25
  ASSERT_EQ(again.size(), original.size());
  EXPECT_EQ(again[0].skeleton->name, "body25");
  expect_same_tracks(original, again);
}

TEST(OpenPoseJson, SniffsTreadmillFolderAndRegistryPicksIt) {
  KINEPOSE_REQUIRE_DATA(kTreadmill);
  EXPECT_TRUE(kinepose::openpose_format().sniff(data_path(kTreadmill)));
  EXPECT_FALSE(kinepose::openpose_format().sniff(data_path(kTreadmill) + "/000.json"));  // a file, not a folder
  const std::string other = scratch_dir("openpose_sniff_other");
  write_file(fs::path(other) / "a.json", R"([{"image_id": 1, "keypoints": []}])");
  EXPECT_FALSE(kinepose::openpose_format().sniff(other));
  EXPECT_FALSE(kinepose::openpose_format().sniff(scratch_dir("openpose_sniff_empty")));
}

TEST(OpenPoseJson, OrdersFramesByNumberInFileName) {
  const std::string dir = scratch_dir("openpose_order");
  // Lexicographic order would be 1, 10, 2.
  write_file(fs::path(dir) / "clip_1_keypoints.json", frame_json({person_json(1, 1)}));
  write_file(fs::path(dir) / "clip_2_keypoints.json", frame_json({person_json(2, 2)}));
  write_file(fs::path(dir) / "clip_10_keypoints.json", frame_json({person_json(10, 10)}));
  write_file(fs::path(dir) / "notes.txt", "not a frame");
  const Tracks t = kinepose::openpose_format().read(dir, {});
  ASSERT_EQ(t.size(), 1u);
  ASSERT_EQ(t[0].frames, 3);
  EXPECT_EQ(t[0].at(0, 0, 0), 1.0f);
  EXPECT_EQ(t[0].at(1, 0, 0), 2.0f);
  EXPECT_EQ(t[0].at(2, 0, 0), 10.0f);
  EXPECT_EQ(t[0].at(2, 3, 1), 13.0f);
  EXPECT_EQ(t[0].score(2, 3), 0.5f);
  EXPECT_EQ(t[0].name, "openpose_order");
}

TEST(OpenPoseJson, EmptyFramesBecomeMissingAndTracksFollowIndex) {
  const std::string dir = scratch_dir("openpose_empty_frames");
  write_file(fs::path(dir) / "000.json", frame_json({person_json(100, 100), person_json(500, 500)}));
  write_file(fs::path(dir) / "001.json", frame_json({}));
  write_file(fs::path(dir) / "002.json", frame_json({person_json(101, 101)}));
  const Tracks t = kinepose::openpose_format().read(dir, {});
  ASSERT_EQ(t.size(), 2u);
  for (const auto& seq : t) {
    for (int j = 0; j < 25; ++j) {
      EXPECT_TRUE(seq.missing(1, j));
      EXPECT_EQ(seq.score(1, j), 0.0f);
    }
  }
  EXPECT_EQ(t[0].at(2, 0, 0), 101.0f);
  EXPECT_TRUE(t[1].missing(2, 0));
  EXPECT_EQ(t[1].at(0, 0, 0), 500.0f);
}

TEST(OpenPoseJson, GreedyTrackingFollowsPeopleAcrossIndexSwaps) {
  const std::string dir = scratch_dir("openpose_greedy");
  // Person A near (100, 100), person B near (500, 500); OpenPose lists them in changing order.
  write_file(fs::path(dir) / "000.json", frame_json({person_json(100, 100), person_json(500, 500)}));
  write_file(fs::path(dir) / "001.json", frame_json({person_json(502, 501), person_json(103, 99)}));
  write_file(fs::path(dir) / "002.json", frame_json({person_json(505, 503)}));
  write_file(fs::path(dir) / "003.json", frame_json({person_json(104, 101), person_json(507, 505)}));

  const Tracks by_index = kinepose::openpose_format().read(dir, {});
  ASSERT_EQ(by_index.size(), 2u);
  EXPECT_EQ(by_index[0].at(1, 0, 0), 502.0f);  // index tracking mixes them up

  ReadOptions greedy;
  greedy.params["tracking"] = "greedy";
  const Tracks t = kinepose::openpose_format().read(dir, greedy);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].at(0, 0, 0), 100.0f);
  EXPECT_EQ(t[0].at(1, 0, 0), 103.0f);
  EXPECT_TRUE(t[0].missing(2, 0));
  EXPECT_EQ(t[0].at(3, 0, 0), 104.0f);
  EXPECT_EQ(t[1].at(1, 0, 0), 502.0f);
  EXPECT_EQ(t[1].at(2, 0, 0), 505.0f);
  EXPECT_EQ(t[1].at(3, 0, 0), 507.0f);

  // With a 1 px gate every person here moved too far, so each opens a new track (2 + 2 + 1 + 2).
  ReadOptions gated = greedy;
  gated.params["max_distance"] = "1";
  EXPECT_EQ(kinepose::openpose_format().read(dir, gated).size(), 7u);
}

TEST(OpenPoseJson, RejectsBadInputsNamingTheFile) {
  const auto& fmt = kinepose::openpose_format();
  // Empty folder.
  const std::string empty = scratch_dir("openpose_bad_empty");
  EXPECT_NE(error_of([&] { fmt.read(empty, {}); }).find(empty), std::string::npos);
  EXPECT_NE(error_of([&] { fmt.read(empty, {}); }).find("no .json"), std::string::npos);
  // Missing folder.
  EXPECT_NE(error_of([&] { fmt.read(empty + "/nope", {}); }).find("nope"), std::string::npos);

  auto one_bad = [&](const std::string& name, const std::string& text) {
    const std::string dir = scratch_dir("openpose_bad_" + name);
    write_file(fs::path(dir) / "000.json", frame_json({person_json(1, 1)}));
    write_file(fs::path(dir) / "001.json", text);
    const std::string msg = error_of([&] { fmt.read(dir, {}); });
    EXPECT_NE(msg.find("001.json"), std::string::npos) << name << ": " << msg;
    return msg;
  };
  const std::string good = frame_json({person_json(1, 1)});
  EXPECT_NE(one_bad("garbled", "{\"version\":1.3,\"people\":[{]}").find("invalid JSON"), std::string::npos);
  EXPECT_NE(one_bad("truncated", good.substr(0, good.size() / 2)).find("invalid JSON"), std::string::npos);
  EXPECT_NE(one_bad("empty_file", "").find("empty"), std::string::npos);
  EXPECT_NE(one_bad("count", R"({"people":[{"pose_keypoints_2d":[1,2,3,4,5,6]}]})").find("6 values, but 000.json has 75"),
            std::string::npos);
  const std::string first_bad = scratch_dir("openpose_bad_first_count");
  write_file(fs::path(first_bad) / "000.json", R"({"people":[{"pose_keypoints_2d":[1,2,3]}]})");
  EXPECT_NE(error_of([&] { fmt.read(first_bad, {}); }).find("000.json: people[0].pose_keypoints_2d: expected 75"),
            std::string::npos);
  std::string with_string = good;
  with_string.replace(with_string.find("[1.0,") + 1, 3, "\"x\"");
  EXPECT_NE(one_bad("string", with_string).find("expected a number"), std::string::npos);
  EXPECT_NE(one_bad("no_people", R"({"version":1.3})").find("people"), std::string::npos);
  EXPECT_NE(one_bad("not_object", "[1,2,3]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(one_bad("coco18", R"({"people":[{"pose_keypoints_2d":)" + nlohmann::json(std::vector<int>(54, 1)).dump() + "}]}")
                .find("54"),
            std::string::npos);

  // No person anywhere.
  const std::string nobody = scratch_dir("openpose_bad_nobody");
  write_file(fs::path(nobody) / "000.json", frame_json({}));
  EXPECT_NE(error_of([&] { fmt.read(nobody, {}); }).find("no person"), std::string::npos);

  // Unknown options.
  const std::string ok = scratch_dir("openpose_bad_options");
  write_file(fs::path(ok) / "000.json", good);
  ReadOptions bad_key;
  bad_key.params["person"] = "0";
  EXPECT_NE(error_of([&] { fmt.read(ok, bad_key); }).find("unknown option 'person'"), std::string::npos);
  ReadOptions bad_tracking;
  bad_tracking.params["tracking"] = "hungarian";
  EXPECT_NE(error_of([&] { fmt.read(ok, bad_tracking); }).find("tracking=hungarian"), std::string::npos);
}

TEST(OpenPoseJson, WriterRejectsOtherSkeletonsAnd3D) {
  PoseSequence coco(kinepose::get_skeleton("coco17"), 2, 2);
  coco.at(0, 0, 0) = 1;
  coco.at(0, 0, 1) = 2;
  const std::string out = scratch_dir("openpose_write_bad") + "/frames";
  EXPECT_NE(error_of([&] { kinepose::openpose_format().write(out, {coco}, {}); }).find("body25"), std::string::npos);
  PoseSequence body3d(kinepose::get_skeleton("body25"), 2, 3);
  EXPECT_NE(error_of([&] { kinepose::openpose_format().write(out, {body3d}, {}); }).find("3D"), std::string::npos);
  EXPECT_FALSE(fs::exists(out));  // nothing half-written
}
