// safetensors reader/writer: round trip, layout of written files, the HANet fixture weights, and
// every kind of corrupt file ending in an Error that names the file and the tensor.
#include "kinepose/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "fixture_helpers.h"
#include "kinepose/error.h"
#include "test_helpers.h"

using namespace kinepose;

namespace {

SafeTensors sample() {
  SafeTensors st;
  st.metadata["format"] = "test";
  st.metadata["joints"] = "17";
  st.set("b.weight", SafeTensor::from_float32({1.f, -2.5f, 3.f, 4.f, 5.f, 6.f}, {2, 3}));
  st.set("a.bias", SafeTensor::from_float64({0.25, -1e300}, {2}));
  st.set("count", SafeTensor::from_int64({7}, {}));
  st.set("empty", SafeTensor::from_float32({}, {0, 4}));
  return st;
}

// A hand-made file image: header text + data bytes.
std::vector<uint8_t> image(const std::string& header, size_t data_bytes, uint64_t declared_len = UINT64_MAX) {
  std::vector<uint8_t> out(8 + header.size() + data_bytes, 0);
  const uint64_t n = declared_len == UINT64_MAX ? header.size() : declared_len;
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  return out;
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
  try {
    parse_safetensors(bytes.data(), bytes.size(), "bad.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Safetensors, RoundTripKeepsOrderMetadataAndBytes) {
  const SafeTensors st = sample();
  const std::string dir = kinepose::testing::scratch_dir("safetensors_round_trip");
  const std::string path = dir + "/w.safetensors";
  write_safetensors(path, st);
  const SafeTensors back = read_safetensors(path);
  EXPECT_EQ(back.metadata, st.metadata);
  ASSERT_EQ(back.tensors.size(), st.tensors.size());
  for (size_t i = 0; i < st.tensors.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, st.tensors[i].first);
    EXPECT_EQ(back.tensors[i].second.dtype, st.tensors[i].second.dtype);
    EXPECT_EQ(back.tensors[i].second.shape, st.tensors[i].second.shape);
    EXPECT_EQ(back.tensors[i].second.data, st.tensors[i].second.data);
  }
  EXPECT_EQ(back.at("b.weight").to_float32(), (std::vector<float>{1.f, -2.5f, 3.f, 4.f, 5.f, 6.f}));
  EXPECT_EQ(back.at("a.bias").to_float64()[1], -1e300);
  EXPECT_EQ(back.at("count").numel(), 1);
}

TEST(Safetensors, WrittenHeaderIsPaddedToEightBytes) {
  const std::vector<uint8_t> bytes = serialize_safetensors(sample());
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n));
  EXPECT_EQ(header.rfind("{\"__metadata__\"", 0), 0u) << header;
  EXPECT_EQ(bytes.size(), 8 + n + 6 * 4 + 2 * 8 + 8);
}

TEST(Safetensors, ReadsHanetFixtureWeights) {
  KINEPOSE_REQUIRE_FIXTURE("hanet-public/weights.safetensors");
  const SafeTensors st = read_safetensors(kinepose::testing::fixture_path("hanet-public/weights.safetensors"));
  EXPECT_EQ(st.tensors.size(), 126u);
  int64_t scalars = 0;
  for (const auto& [name, t] : st.tensors) {
    EXPECT_EQ(t.dtype, "F32") << name;
    scalars += t.numel();
  }
  EXPECT_EQ(scalars, 1476112);
  EXPECT_EQ(st.tensors.front().first, "transformer.decoder_embed.weight");
  EXPECT_EQ(st.at("transformer.decoder_embed.weight").shape, (std::vector<int64_t>{64, 34, 5}));
  for (const char* key : {"format", "input_dim", "joints", "dims", "sample_interval", "window", "encoder_hidden_dim",
                          "decoder_hidden_dim", "nheads", "dim_feedforward", "enc_layers", "dec_layers", "pre_norm",
                          "activation", "interp", "skeleton", "input_normalization", "memory_mask", "fps"})
    EXPECT_TRUE(st.metadata.count(key)) << key;
  EXPECT_EQ(st.metadata.at("skeleton"), "coco17");
  EXPECT_EQ(st.metadata.at("memory_mask"), "additive");
  // Re-serialising gives back the same file (same order, same padding rule).
  std::ifstream in(kinepose::testing::fixture_path("hanet-public/weights.safetensors"), std::ios::binary);
  std::vector<uint8_t> original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<uint8_t> again = serialize_safetensors(st);
  uint64_t n0 = 0, n1 = 0;
  std::memcpy(&n0, original.data(), 8);
  std::memcpy(&n1, again.data(), 8);
  EXPECT_EQ(original.size() - n0, again.size() - n1);
  EXPECT_TRUE(std::equal(original.begin() + 8 + static_cast<long>(n0), original.end(), again.begin() + 8 + static_cast<long>(n1)));
}

TEST(Safetensors, RejectsTruncatedFiles) {
  const std::vector<uint8_t> good = serialize_safetensors(sample());
  EXPECT_NE(parse_error(std::vector<uint8_t>(good.begin(), good.begin() + 5)).find("truncated"), std::string::npos);
  EXPECT_NE(parse_error(std::vector<uint8_t>(good.begin(), good.begin() + 40)).find("truncated"), std::string::npos);
  const std::string e = parse_error(std::vector<uint8_t>(good.begin(), good.end() - 3));
  EXPECT_NE(e.find("bad.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("past the end"), std::string::npos) << e;
}

TEST(Safetensors, RejectsAbsurdHeaderLength) {
  const std::string e = parse_error(image("{}", 0, uint64_t{1} << 60));
  EXPECT_NE(e.find("absurd safetensors header length"), std::string::npos) << e;
}

TEST(Safetensors, RejectsGarbledHeaders) {
  EXPECT_NE(parse_error(image("{\"a\": ", 0)).find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_error(image("[1, 2]", 0)).find("not a JSON object"), std::string::npos);
  EXPECT_NE(parse_error(image(R"({"__metadata__": {"x": 3}})", 0)).find("not a string"), std::string::npos);
  const std::string e = parse_error(image(R"({"w": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}})", 4));
  EXPECT_NE(e.find("tensor 'w'"), std::string::npos) << e;
  EXPECT_NE(e.find("unsupported dtype"), std::string::npos) << e;
  EXPECT_NE(parse_error(image(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4)).find("non-negative"),
            std::string::npos);
  EXPECT_NE(parse_error(image(R"({"w": {"dtype": "F32", "shape": [1]}})", 4)).find("data_offsets"), std::string::npos);
}

TEST(Safetensors, RejectsBadOffsets) {
  // Shape x item size disagrees with the byte range.
  std::string e = parse_error(image(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", 4));
  EXPECT_NE(e.find("tensor 'w'"), std::string::npos) << e;
  EXPECT_NE(e.find("needs 8"), std::string::npos) << e;
  // Out of range.
  e = parse_error(image(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 8));
  EXPECT_NE(e.find("past the end"), std::string::npos) << e;
  // Reversed.
  e = parse_error(image(R"({"w": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}})", 8));
  EXPECT_NE(e.find("end before they begin"), std::string::npos) << e;
  // Overlap.
  e = parse_error(image(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                        12));
  EXPECT_NE(e.find("tensor 'b'"), std::string::npos) << e;
  EXPECT_NE(e.find("overlaps"), std::string::npos) << e;
  // Gap.
  e = parse_error(image(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                            "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
                        12));
  EXPECT_NE(e.find("not contiguous"), std::string::npos) << e;
  // Trailing bytes.
  e = parse_error(image(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 12));
  EXPECT_NE(e.find("trailing bytes"), std::string::npos) << e;
}

TEST(Safetensors, WriterRejectsInconsistentTensors) {
  SafeTensors st;
  SafeTensor t = SafeTensor::from_float32({1.f, 2.f}, {2});
  t.shape = {3};
  st.set("w", t);
  EXPECT_THROW(serialize_safetensors(st), Error);
  EXPECT_THROW(read_safetensors("/nonexistent/dir/w.safetensors"), Error);
}
