// CSV pose format: lossless round trips through the metadata lines, CSV without metadata, and bad
// input that must name the file and line.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/pose.h"
#include "test_helpers.h"

using namespace kinepose;
namespace kt = kinepose::testing;
namespace fs = std::filesystem;

namespace {

PoseSequence sample(const std::string& skel, int frames, int dims, float seed) {
  PoseSequence s(get_skeleton(skel), frames, dims);
  for (size_t i = 0; i < s.keypoints.size(); ++i) s.keypoints[i] = seed + 0.1f * static_cast<float>(i) + 1.0f / (3.0f + i);
  s.keypoints[1] = std::numeric_limits<float>::quiet_NaN();  // one coordinate missing, not the joint
  s.scores.resize(static_cast<size_t>(frames) * s.joints());
  for (size_t i = 0; i < s.scores.size(); ++i) s.scores[i] = static_cast<float>(i % 7) / 7.0f;
  s.fps = 29.97;
  s.image_size = std::array<int, 2>{1920, 1080};
  s.units = "px";
  return s;
}

// Equal values (NaN == NaN); CSV keeps values, not NaN payload bits.
void expect_same(const PoseSequence& a, const PoseSequence& b) {
  EXPECT_EQ(a.skeleton->name, b.skeleton->name);
  EXPECT_EQ(a.frames, b.frames);
  EXPECT_EQ(a.dims, b.dims);
  ASSERT_EQ(a.keypoints.size(), b.keypoints.size());
  for (size_t i = 0; i < a.keypoints.size(); ++i)
    if (!(std::isnan(a.keypoints[i]) && std::isnan(b.keypoints[i]))) ASSERT_EQ(a.keypoints[i], b.keypoints[i]) << i;
  EXPECT_EQ(a.scores, b.scores);
  EXPECT_EQ(a.fps, b.fps);
  EXPECT_EQ(a.image_size, b.image_size);
  EXPECT_EQ(a.units, b.units);
  EXPECT_EQ(a.track_id, b.track_id);
  EXPECT_EQ(a.name, b.name);
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

using kinepose::testing::error_of;

}  // namespace

TEST(CsvFormat, RoundTripIsLossless) {
  const std::string dir = kt::scratch_dir("csv_round");
  const Format f = csv_format();
  PoseSequence a = sample("coco17", 5, 3, 1000.0f), b = sample("coco17", 3, 3, -7.0f);
  a.track_id = 0;
  b.track_id = 12;
  b.scores.clear();
  a.name = b.name = "clip";
  f.write(dir + "/t.csv", {a, b}, {});
  Tracks r = f.read(dir + "/t.csv", {});
  ASSERT_EQ(r.size(), 2u);
  expect_same(r[0], a);
  expect_same(r[1], b);
  f.write(dir + "/t2.csv", r, {});
  EXPECT_EQ(read_text_file(dir + "/t.csv"), read_text_file(dir + "/t2.csv"));
  EXPECT_TRUE(f.sniff(dir + "/t.csv"));

  PoseSequence c = sample("mpii16", 4, 2, 3.0f);  // 2D, no track id
  f.write(dir + "/c.csv", {c}, {});
  const std::string text = read_text_file(dir + "/c.csv");
  EXPECT_NE(text.find("# skeleton: mpii16\n"), std::string::npos);
  EXPECT_NE(text.find("# image_size: 1920x1080\n"), std::string::npos);
  EXPECT_NE(text.find("\ntrack,frame,joint,x,y,score\n"), std::string::npos);
  Tracks rc = f.read(dir + "/c.csv", {});
  ASSERT_EQ(rc.size(), 1u);
  expect_same(rc[0], c);
}

TEST(CsvFormat, ReadsPlainCsvWithSkeletonOption) {
  const std::string dir = kt::scratch_dir("csv_plain");
  const auto skel = get_skeleton("coco17");
  write_file(dir + "/p.csv",
             "track,frame,joint,x,y,score\r\n"
             "1,0," + skel->joints[0] + ",10.5,20,0.9\r\n"
             "1,2," + skel->joints[16] + ",nan,,\r\n"
             "2,1,\"" + skel->joints[5] + "\",1e2,-3,0.25\r\n");
  const Format f = csv_format();
  EXPECT_NE(error_of([&] { f.read(dir + "/p.csv", {}); }).find("no skeleton"), std::string::npos);
  ReadOptions ro;
  ro.skeleton = "coco17";
  ro.fps = 25;
  Tracks t = f.read(dir + "/p.csv", ro);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].track_id, 1);
  EXPECT_EQ(t[0].frames, 3);
  EXPECT_EQ(t[0].at(0, 0, 0), 10.5f);
  EXPECT_TRUE(t[0].missing(1, 0));  // omitted rows are missing joints
  EXPECT_TRUE(t[0].missing(2, 16));
  EXPECT_FLOAT_EQ(t[0].score(0, 0), 0.9f);
  EXPECT_EQ(t[0].score(2, 16), 0.0f);
  EXPECT_EQ(t[1].track_id, 2);
  EXPECT_EQ(t[1].frames, 2);
  EXPECT_EQ(t[1].at(1, 5, 0), 100.0f);
  EXPECT_EQ(t[1].fps, 25.0);
}

TEST(CsvFormat, RejectsBadInputNamingFileAndLine) {
  const std::string dir = kt::scratch_dir("csv_bad");
  const auto skel = get_skeleton("coco17");
  const std::string head = "# skeleton: coco17\n# fps: 30\ntrack,frame,joint,x,y,score\n";
  const std::string nose = skel->joints[0];
  struct Case {
    std::string file, text, expect;
  };
  const std::vector<Case> cases = {
      {"joint.csv", head + "0,0,elbow_of_doom,1,2,0.5\n", ":4: unknown joint 'elbow_of_doom'"},
      {"number.csv", head + "0,0," + nose + ",1,abc,0.5\n", ":4: y 'abc' is not a number"},
      {"columns.csv", head + "0,0," + nose + ",1,2\n", ":4: expected 6 columns, found 5"},
      {"dup.csv", head + "0,0," + nose + ",1,2,0.5\n0,0," + nose + ",3,4,0.5\n", ":5: duplicate row for track 0, frame 0"},
      {"frame.csv", head + "0,-1," + nose + ",1,2,0.5\n", ":4: frame '-1'"},
      {"inf.csv", head + "0,0," + nose + ",inf,2,0.5\n", ":4: x is infinite"},
      {"score.csv", head + "0,0," + nose + ",1,2,nan\n", ":4: score must be finite"},
      {"track.csv", head + "x,0," + nose + ",1,2,0.5\n", ":4: track 'x' is not an integer"},
      {"column.csv", "# skeleton: coco17\ntrack,frame,joint,x,y,w\n", ":2: unknown column 'w'"},
      {"empty.csv", head, "no data rows"},
      {"nothing.csv", "", "no header row"},
      {"skeleton.csv", "# skeleton: foo42\n" + head.substr(head.find("track")), "unknown skeleton 'foo42'"},
      {"fps.csv", "# skeleton: coco17\n# fps: fast\ntrack,frame,joint,x,y\n", "bad '# fps:'"},
      {"garbled.csv", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "unknown column"},
  };
  const Format f = csv_format();
  for (const auto& c : cases) {
    const std::string path = dir + "/" + c.file;
    write_file(path, c.text);
    const std::string msg = error_of([&] { f.read(path, {}); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << msg;
  }
  EXPECT_NE(error_of([&] { f.read(dir + "/absent.csv", {}); }).find("no such file"), std::string::npos);
  EXPECT_FALSE(f.sniff(dir + "/garbled.csv"));
}

TEST(CsvFormat, WriterRejectsAmbiguousTracks) {
  const std::string dir = kt::scratch_dir("csv_write_bad");
  const Format f = csv_format();
  PoseSequence a = sample("coco17", 2, 2, 0), b = sample("coco17", 2, 2, 1);
  EXPECT_NE(error_of([&] { f.write(dir + "/x.csv", {a, b}, {}); }).find("distinct track ids"), std::string::npos);
  a.track_id = b.track_id = 4;
  EXPECT_NE(error_of([&] { f.write(dir + "/x.csv", {a, b}, {}); }).find("duplicate track id 4"), std::string::npos);
  b.track_id = 5;
  b.fps = 25;
  EXPECT_NE(error_of([&] { f.write(dir + "/x.csv", {a, b}, {}); }).find("fps"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir));
}
