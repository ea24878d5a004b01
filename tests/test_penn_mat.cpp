// Penn Action label .mat reader: the five real label files against the flattened npz of the same
// clips, plus malformed files written here with matio.
#include <matio.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iterator>
#include <fstream>
#include <string>
#include <vector>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "kinepose/npy.h"
#include "test_helpers.h"

namespace kinepose {
namespace {

using kinepose::testing::data_path;
using kinepose::testing::scratch_dir;

// A variable to write: numeric (row-major values given, stored column-major as MATLAB does) or text.
struct Var {
  std::string name;
  size_t rows = 0, cols = 0;
  std::vector<double> row_major;
  std::string text;
  bool is_text = false;
};

Var numeric(const std::string& name, size_t rows, size_t cols, std::vector<double> row_major) {
  return Var{name, rows, cols, std::move(row_major), "", false};
}
Var text(const std::string& name, const std::string& s) { return Var{name, 1, s.size(), {}, s, true}; }

void write_mat(const std::string& path, const std::vector<Var>& vars) {
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
  ASSERT_NE(mat, nullptr);
  for (const auto& v : vars) {
    size_t dims[2] = {v.rows, v.cols};
    matvar_t* mv = nullptr;
    std::vector<double> col(v.rows * v.cols);
    std::string s = v.text;
    if (v.is_text) {
      mv = Mat_VarCreate(v.name.c_str(), MAT_C_CHAR, MAT_T_UTF8, 2, dims, s.data(), 0);
    } else {
      for (size_t r = 0; r < v.rows; ++r)
        for (size_t c = 0; c < v.cols; ++c) col[r + c * v.rows] = v.row_major[r * v.cols + c];
      mv = Mat_VarCreate(v.name.c_str(), MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, col.data(), 0);
    }
    ASSERT_NE(mv, nullptr);
    ASSERT_EQ(Mat_VarWrite(mat, mv, MAT_COMPRESSION_NONE), 0);
    Mat_VarFree(mv);
  }
  Mat_Close(mat);
}

// A small valid Penn label file: `frames` frames, joints on a line, joint 3 invisible everywhere.
std::vector<Var> penn_vars(size_t frames, size_t bbox_rows) {
  std::vector<double> x(frames * 13), y(frames * 13), vis(frames * 13, 1.0), bbox(bbox_rows * 4);
  for (size_t t = 0; t < frames; ++t)
    for (size_t j = 0; j < 13; ++j) {
      x[t * 13 + j] = 10.0 * j + t;
      y[t * 13 + j] = 5.0 * j + 0.5 * t;
      if (j == 3) vis[t * 13 + j] = 0.0;
    }
  for (size_t t = 0; t < bbox_rows; ++t) {
    bbox[t * 4 + 0] = t;
    bbox[t * 4 + 1] = 1;
    bbox[t * 4 + 2] = 100 + t;
    bbox[t * 4 + 3] = 200;
  }
  return {text("action", "jumping_jacks"), text("pose", "front"), numeric("x", frames, 13, x),
          numeric("y", frames, 13, y),     numeric("visibility", frames, 13, vis),
          numeric("bbox", bbox_rows, 4, bbox),
          numeric("dimensions", 1, 3, {360, 640, static_cast<double>(frames)}),
          numeric("nframes", 1, 1, {static_cast<double>(frames)})};
}

Tracks read_penn(const std::string& path, ReadOptions opts = {}) { return penn_mat_format().read(path, opts); }

// The error message names the file and contains `what`.
void expect_error(const std::function<void()>& fn, const std::string& file, const std::string& what) {
  try {
    fn();
    ADD_FAILURE() << "no Error thrown (expected '" << what << "')";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(PennMat, SampleClipsMatchTheTrainingNpz) {
  KINEPOSE_REQUIRE_DATA("penn_action/labels_sample/0002.mat");
  KINEPOSE_REQUIRE_DATA("penn_action/penn_action_train.npz");
  const NpzMembers npz = read_npz(data_path("penn_action/penn_action_train.npz"),
                                  {"keypoints", "visibility", "bbox", "seq_offsets", "seq_names", "action", "view"});
  const auto names = npz.at("seq_names").to_strings();
  const auto offsets = npz.at("seq_offsets").to_int64();
  const auto kp = npz.at("keypoints").to_float32();
  const auto vis = npz.at("visibility").to_float32();
  const auto bbox = npz.at("bbox").to_float32();
  const auto actions = npz.at("action").to_strings();
  const auto views = npz.at("view").to_strings();
  int compared = 0;
  for (const char* clip : {"0002", "0003", "0004", "0005", "0006"}) {
    const std::string path = data_path(std::string("penn_action/labels_sample/") + clip + ".mat");
    ReadOptions keep;
    keep.params["invisible"] = "keep";
    const Tracks tracks = read_penn(path, keep);
    ASSERT_EQ(tracks.size(), 1u);
    const PoseSequence& s = tracks[0];
    EXPECT_EQ(s.skeleton->name, "penn13");
    EXPECT_EQ(s.units, "px");
    EXPECT_EQ(s.fps, 0.0);
    ASSERT_TRUE(s.image_size.has_value());
    EXPECT_EQ((*s.image_size)[0], 480);  // dimensions [H W n] = [270 480 n]
    EXPECT_EQ((*s.image_size)[1], 270);
    ASSERT_TRUE(s.has_scores());
    ASSERT_EQ(s.boxes.size(), static_cast<size_t>(s.frames));
    const auto it = std::find(names.begin(), names.end(), clip);
    if (it == names.end()) continue;
    const size_t i = it - names.begin();
    EXPECT_EQ(s.name, std::string(clip) + "__" + actions[i] + "__" + views[i]);
    ASSERT_EQ(s.frames, offsets[i + 1] - offsets[i]) << clip;
    for (int t = 0; t < s.frames; ++t) {
      const size_t row = offsets[i] + t;
      for (int j = 0; j < 13; ++j) {
        ASSERT_EQ(s.at(t, j, 0), kp[(row * 13 + j) * 2 + 0]) << clip << " frame " << t << " joint " << j;
        ASSERT_EQ(s.at(t, j, 1), kp[(row * 13 + j) * 2 + 1]) << clip << " frame " << t << " joint " << j;
        ASSERT_EQ(s.score(t, j), vis[row * 13 + j]);
      }
      EXPECT_EQ(s.boxes[t].x1, bbox[row * 4 + 0]);
      EXPECT_EQ(s.boxes[t].y2, bbox[row * 4 + 3]);
    }
    ++compared;
  }
  EXPECT_EQ(compared, 5);
}

TEST(PennMat, InvisibleJointsAreMissingByDefault) {
  KINEPOSE_REQUIRE_DATA("penn_action/labels_sample/0004.mat");
  const std::string path = data_path("penn_action/labels_sample/0004.mat");
  const PoseSequence s = read_penn(path).at(0);
  int invisible = 0, missing = 0;
  for (int t = 0; t < s.frames; ++t)
    for (int j = 0; j < 13; ++j) {
      invisible += s.score(t, j) == 0.0f;
      missing += s.missing(t, j);
      if (s.score(t, j) == 1.0f) EXPECT_FALSE(s.missing(t, j));
    }
  EXPECT_GT(invisible, 0);
  EXPECT_EQ(invisible, missing);
}

TEST(PennMat, FpsFromOptionsAndAutoDetection) {
  KINEPOSE_REQUIRE_DATA("penn_action/labels_sample/0005.mat");
  const std::string path = data_path("penn_action/labels_sample/0005.mat");
  ReadOptions opts;
  opts.fps = 30;
  EXPECT_EQ(read_penn(path, opts).at(0).fps, 30.0);
  EXPECT_TRUE(penn_mat_format().sniff(path));
  EXPECT_FALSE(jhmdb_mat_format().sniff(path));
  EXPECT_EQ(detect_read_format(path).name, penn_mat_format().name);
  const Tracks t = read_poses(path);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].skeleton->name, "penn13");
}

TEST(PennMat, SyntheticFileRoundsTripAndShortBboxGivesNaNBox) {
  const std::string dir = scratch_dir("penn_mat_short_bbox");
  const std::string path = dir + "/0100.mat";
  write_mat(path, penn_vars(6, 5));
  const PoseSequence s = read_penn(path).at(0);
  EXPECT_EQ(s.name, "0100__jumping_jacks__front");
  EXPECT_EQ(s.frames, 6);
  EXPECT_EQ((*s.image_size)[0], 640);
  EXPECT_EQ((*s.image_size)[1], 360);
  EXPECT_FLOAT_EQ(s.at(2, 5, 0), 52.0f);  // x = 10 j + t
  EXPECT_FLOAT_EQ(s.at(2, 5, 1), 26.0f);  // y = 5 j + t / 2
  EXPECT_TRUE(s.missing(0, 3));
  EXPECT_EQ(s.score(0, 3), 0.0f);
  ASSERT_EQ(s.boxes.size(), 6u);
  EXPECT_FLOAT_EQ(s.boxes[4].x2, 104.0f);
  EXPECT_TRUE(std::isnan(s.boxes[5].x1));
  EXPECT_TRUE(std::isnan(s.boxes[0].score));
}

TEST(PennMat, BadInputsNameTheFileAndProblem) {
  const std::string dir = scratch_dir("penn_mat_bad");
  expect_error([&] { read_penn(dir + "/absent.mat"); }, dir + "/absent.mat", "no such file");

  const std::string text_file = dir + "/notes.mat";
  std::ofstream(text_file) << "this is not a MATLAB file, just some text pretending to be one\n";
  expect_error([&] { read_penn(text_file); }, text_file, "not a MATLAB .mat file");
  EXPECT_FALSE(penn_mat_format().sniff(text_file));

  const std::string other = dir + "/other.mat";
  write_mat(other, {numeric("foo", 2, 2, {1, 2, 3, 4})});
  expect_error([&] { read_penn(other); }, other, "variable 'x' is missing");
  EXPECT_FALSE(penn_mat_format().sniff(other));

  auto vars = penn_vars(4, 4);
  vars[2] = numeric("x", 4, 12, std::vector<double>(48, 1.0));
  const std::string narrow = dir + "/narrow.mat";
  write_mat(narrow, vars);
  expect_error([&] { read_penn(narrow); }, narrow, "'x' has shape 4x12, expected (frames, 13)");

  vars = penn_vars(4, 4);
  vars[3] = numeric("y", 3, 13, std::vector<double>(39, 1.0));
  const std::string short_y = dir + "/short_y.mat";
  write_mat(short_y, vars);
  expect_error([&] { read_penn(short_y); }, short_y, "'y' has 3 frames but 'x' has 4");

  const std::string bad_bbox = dir + "/bad_bbox.mat";
  write_mat(bad_bbox, penn_vars(6, 3));
  expect_error([&] { read_penn(bad_bbox); }, bad_bbox, "'bbox' has 3 rows for 6 frames");

  vars = penn_vars(4, 4);
  vars[4] = numeric("visibility", 4, 13, std::vector<double>(52, 7.0));
  const std::string bad_vis = dir + "/bad_vis.mat";
  write_mat(bad_vis, vars);
  expect_error([&] { read_penn(bad_vis); }, bad_vis, "expected 0 or 1");

  vars = penn_vars(4, 4);
  vars[2] = text("x", "oops");
  const std::string text_x = dir + "/text_x.mat";
  write_mat(text_x, vars);
  expect_error([&] { read_penn(text_x); }, text_x, "'x' is a char array, expected a numeric array");

  const std::string empty = dir + "/empty.mat";
  write_mat(empty, penn_vars(0, 0));
  expect_error([&] { read_penn(empty); }, empty, "empty clip");

  const std::string good = dir + "/good.mat";
  write_mat(good, penn_vars(3, 3));
  ReadOptions opts;
  opts.params["person"] = "0";
  expect_error([&] { read_penn(good, opts); }, good, "unknown option 'person'");
  opts.params = {{"invisible", "sometimes"}};
  expect_error([&] { read_penn(good, opts); }, good, "invisible=sometimes");

  // Truncated copy of a valid file.
  {
    std::ifstream in(good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string cut = dir + "/cut.mat";
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    expect_error([&] { read_penn(cut); }, cut, "truncated");
  }
}

// Every truncation and a sweep of corrupted bytes of a real label file: each read either succeeds
// or throws Error — never crashes (run under valgrind / ASan to see memory errors).
TEST(PennMat, TruncatedOrCorruptedFilesNeverCrash) {
  KINEPOSE_REQUIRE_DATA("penn_action/labels_sample/0005.mat");
  std::ifstream in(data_path("penn_action/labels_sample/0005.mat"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  const std::string dir = scratch_dir("penn_mat_fuzz");
  const std::string path = dir + "/0005.mat";
  int errors = 0, reads = 0;
  auto attempt = [&](const std::string& content) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    try {
      read_penn(path);
      ++reads;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      ++errors;
    }
  };
  for (size_t n = 0; n < bytes.size(); n += 7) attempt(bytes.substr(0, n));
  for (size_t i = 0; i < bytes.size(); i += 13) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
    attempt(corrupt);
  }
  EXPECT_GT(errors, 0);
  std::printf("[ PennMat  ] fuzz: %d reads ok, %d errors\n", reads, errors);
}

}  // namespace
}  // namespace kinepose
