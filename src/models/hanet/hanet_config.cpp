// HanetConfig validation, metadata round trip and presets.
#include "models/hanet/hanet_config.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "kinepose/error.h"
#include "util/metadata_fields.h"

namespace kinepose {

namespace {

const char* kWhere = "hanet config";

}  // namespace

void HanetConfig::validate() const {
  auto fail = [](const std::string& field, const std::string& what) { throw Error(kWhere, field + ": " + what); };
  if (arch != "hanet" && arch != "smoothnet" && arch != "deciwatch")
    fail("arch", "'" + arch + "' is not one of hanet, smoothnet, deciwatch");
  if (arch == "smoothnet" && sample_interval != 1)
    fail("sample_interval", fmt::format("SmoothNet sees every frame (N = 1, window L = Q + 1), got N = {}", sample_interval));
  if (joints < 1 || joints > 10000) fail("joints", fmt::format("{} is not in 1..10000", joints));
  if (dims < 1 || dims > 16) fail("dims", fmt::format("{} is not in 1..16", dims));
  if (sample_interval < 1) fail("sample_interval", fmt::format("N = {} must be >= 1", sample_interval));
  if (q < 1) fail("Q", fmt::format("Q = {} must be >= 1 (a window needs at least two seen frames)", q));
  if (static_cast<long long>(sample_interval) * q + 1 > 100000)
    fail("window", fmt::format("L = N*Q+1 = {} is absurdly long", static_cast<long long>(sample_interval) * q + 1));
  if (hidden_dim < 1) fail("hidden_dim", fmt::format("{} must be >= 1", hidden_dim));
  if (nheads < 1) fail("nheads", fmt::format("{} must be >= 1", nheads));
  if (hidden_dim % nheads != 0)
    fail("nheads", fmt::format("{} heads do not divide the hidden width d = {}", nheads, hidden_dim));
  if (dim_feedforward < 1) fail("dim_feedforward", fmt::format("{} must be >= 1", dim_feedforward));
  if (enc_layers < 1) fail("enc_layers", fmt::format("{} must be >= 1", enc_layers));
  if (dec_layers < 1) fail("dec_layers", fmt::format("{} must be >= 1", dec_layers));
  if (enc_layers > 12 || (static_cast<long long>(hidden_dim) << (enc_layers - 1)) > 65536 ||
      (static_cast<long long>(dim_feedforward) << (enc_layers - 1)) > 262144)
    fail("enc_layers", fmt::format("{} levels from d = {} make an absurdly wide last level (width doubles per level)",
                                   enc_layers, hidden_dim));
  if (dec_layers > 64) fail("dec_layers", fmt::format("{} is absurd", dec_layers));
  if (!(dropout >= 0.0 && dropout < 1.0)) fail("dropout", fmt::format("{} is not in [0, 1)", dropout));
  if (activation != "leaky_relu" && activation != "relu" && activation != "gelu")
    fail("activation", "'" + activation + "' is not one of leaky_relu, relu, gelu");
  if (interp != "linear") fail("interp", "'" + interp + "' is not supported (only linear)");
  if (correction != "full" && correction != "temporal")
    fail("correction", "'" + correction + "' is not one of full, temporal");
  if (memory_mask != "additive" && memory_mask != "masked")
    fail("memory_mask", "'" + memory_mask + "' is not one of additive, masked");
  static const std::set<std::string> norms{"none", "image_size", "person_box", "root_relative", "root_box"};
  if (!norms.count(input_normalization))
    fail("input_normalization", "'" + input_normalization + "' is not one of none, image_size, person_box, root_relative, root_box");
  if ((input_normalization == "image_size" || input_normalization == "person_box") && dims != 2)
    fail("input_normalization", input_normalization + " needs 2D poses, the model has dims = " + std::to_string(dims));
  if ((input_normalization == "root_relative" || input_normalization == "root_box") && dims != 2 && dims != 3)
    fail("input_normalization", input_normalization + " needs 2D or 3D positions, the model has dims = " + std::to_string(dims));
  if (!(fps >= 0.0) || !std::isfinite(fps)) fail("fps", fmt::format("{} must be >= 0", fps));
  if (refine_stride < 0 || refine_stride > window())
    fail("refine_stride", fmt::format("{} is not in [0, L = {}]", refine_stride, window()));
  if (!(post_sigma >= 0.0 && post_sigma <= 100.0)) fail("post_sigma", fmt::format("{} is not in [0, 100]", post_sigma));
  if (!(post_one_euro_min_cutoff >= 0.0 && post_one_euro_min_cutoff <= 1000.0))
    fail("post_one_euro_min_cutoff", fmt::format("{} is not in [0, 1000] Hz", post_one_euro_min_cutoff));
  if (!(post_one_euro_beta >= 0.0 && post_one_euro_beta <= 1e6))
    fail("post_one_euro_beta", fmt::format("{} is not in [0, 1e6]", post_one_euro_beta));
  if (live_latency < -1 || live_latency > window() - 1)
    fail("live_latency", fmt::format("{} is not -1 (offline) or in [0, L - 1 = {}]", live_latency, window() - 1));
}

int HanetConfig::post_window() const {
  return post_sigma > 0 ? 2 * static_cast<int>(std::lround(2.5 * post_sigma)) + 1 : 0;
}

std::map<std::string, std::string> HanetConfig::to_metadata() const {
  std::map<std::string, std::string> m;
  m["format"] = "hanet";
  if (arch != "hanet") m["arch"] = arch;  // absent = hanet (published conversions have no such key)
  m["input_dim"] = std::to_string(input_dim());
  m["joints"] = std::to_string(joints);
  m["dims"] = std::to_string(dims);
  m["sample_interval"] = std::to_string(sample_interval);
  m["window"] = std::to_string(window());
  m["encoder_hidden_dim"] = std::to_string(hidden_dim);
  m["decoder_hidden_dim"] = std::to_string(hidden_dim);
  m["nheads"] = std::to_string(nheads);
  m["dim_feedforward"] = std::to_string(dim_feedforward);
  m["enc_layers"] = std::to_string(enc_layers);
  m["dec_layers"] = std::to_string(dec_layers);
  m["pre_norm"] = pre_norm ? "true" : "false";
  m["dropout"] = metadata_number(dropout);
  m["activation"] = activation;
  m["interp"] = interp;
  m["skeleton"] = skeleton;
  m["input_normalization"] = input_normalization;
  m["memory_mask"] = memory_mask;
  if (correction != "full") m["correction"] = correction;  // absent = full (published files)
  m["fps"] = metadata_number(fps);
  if (refine_stride > 0) m["refine_stride"] = std::to_string(refine_stride);
  if (live_latency >= 0) m["live_latency"] = std::to_string(live_latency);
  if (post_sigma > 0) m["post_gaussian_sigma"] = metadata_number(post_sigma);
  if (post_one_euro_min_cutoff > 0) {
    m["post_one_euro_min_cutoff"] = metadata_number(post_one_euro_min_cutoff);
    m["post_one_euro_beta"] = metadata_number(post_one_euro_beta);
  }
  return m;
}

HanetConfig HanetConfig::from_metadata(const std::map<std::string, std::string>& m, const std::string& where) {
  auto it = m.find("format");
  if (it != m.end() && it->second != "hanet")
    throw Error(where, "metadata field 'format' = '" + it->second + "': not a HANet weights file");
  HanetConfig c;
  if ((it = m.find("arch")) != m.end()) c.arch = it->second;
  c.joints = metadata_int(m, "joints", where);
  c.dims = metadata_int(m, "dims", where);
  const int input_dim = metadata_int(m, "input_dim", where);
  if (c.joints < 1 || c.dims < 1 || input_dim != c.joints * c.dims)
    throw Error(where, fmt::format("metadata contradicts itself: input_dim = {} but joints x dims = {} x {}", input_dim,
                                   c.joints, c.dims));
  c.sample_interval = metadata_int(m, "sample_interval", where);
  const int window = metadata_int(m, "window", where);
  if (c.sample_interval < 1 || window < 2 || (window - 1) % c.sample_interval != 0)
    throw Error(where, fmt::format("metadata field 'window' = {}: L - 1 must be a positive multiple of sample_interval = {}",
                                   window, c.sample_interval));
  c.q = (window - 1) / c.sample_interval;
  c.hidden_dim = metadata_int(m, "encoder_hidden_dim", where);
  const int dec = metadata_int(m, "decoder_hidden_dim", where);
  if (dec != c.hidden_dim)
    throw Error(where, fmt::format("metadata: decoder_hidden_dim = {} differs from encoder_hidden_dim = {} (the decoder "
                                   "attends to a memory of the encoder's width)",
                                   dec, c.hidden_dim));
  c.nheads = metadata_int(m, "nheads", where);
  c.dim_feedforward = metadata_int(m, "dim_feedforward", where);
  c.enc_layers = metadata_int(m, "enc_layers", where);
  c.dec_layers = metadata_int(m, "dec_layers", where);
  if ((it = m.find("pre_norm")) != m.end()) c.pre_norm = metadata_bool(it->second, "pre_norm", where);
  else throw Error(where, "metadata field 'pre_norm' is missing");
  if ((it = m.find("dropout")) != m.end()) c.dropout = metadata_double(it->second, "dropout", where);
  if ((it = m.find("activation")) != m.end()) c.activation = it->second;
  if ((it = m.find("interp")) != m.end()) c.interp = it->second;
  if ((it = m.find("memory_mask")) != m.end()) c.memory_mask = it->second;
  if ((it = m.find("correction")) != m.end()) c.correction = it->second;
  if ((it = m.find("skeleton")) != m.end()) c.skeleton = it->second;
  else c.skeleton = "";
  if ((it = m.find("input_normalization")) != m.end()) c.input_normalization = it->second;
  if ((it = m.find("fps")) != m.end()) c.fps = metadata_double(it->second, "fps", where);
  if (m.count("refine_stride")) c.refine_stride = metadata_int(m, "refine_stride", where);
  if (m.count("live_latency")) c.live_latency = metadata_int(m, "live_latency", where);
  if ((it = m.find("post_gaussian_sigma")) != m.end()) c.post_sigma = metadata_double(it->second, "post_gaussian_sigma", where);
  if ((it = m.find("post_one_euro_min_cutoff")) != m.end())
    c.post_one_euro_min_cutoff = metadata_double(it->second, "post_one_euro_min_cutoff", where);
  if ((it = m.find("post_one_euro_beta")) != m.end())
    c.post_one_euro_beta = metadata_double(it->second, "post_one_euro_beta", where);
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(where, "metadata: " + e.detail());
  }
  return c;
}

HanetConfig HanetConfig::preset(const std::string& name) {
  HanetConfig c;
  if (name == "compact") return c;
  if (name == "jhmdb_2d") {  // Sub-JHMDB 2D: ~320 M parameters (width doubles up to 4096)
    c.joints = 15;
    c.dims = 2;
    c.skeleton = "jhmdb15";
    c.input_normalization = "image_size";
    c.fps = 30;
    c.sample_interval = 10;
    c.q = 1;
    c.hidden_dim = 256;
    c.dim_feedforward = 1024;
    c.enc_layers = c.dec_layers = 5;
    c.pre_norm = false;
    return c;
  }
  if (name == "h36m_3d") {  // Human3.6M 3D
    c.joints = 17;
    c.dims = 3;
    c.skeleton = "h36m17";
    c.input_normalization = "root_relative";
    c.fps = 50;
    c.sample_interval = 5;
    c.q = 20;
    c.hidden_dim = 64;
    c.dim_feedforward = 256;
    c.enc_layers = c.dec_layers = 5;
    c.pre_norm = true;
    return c;
  }
  if (name == "smoothnet") {  // SmoothNet's published setting (window 32)
    c.arch = "smoothnet";
    c.sample_interval = 1;
    c.q = 31;
    c.hidden_dim = 512;
    c.dim_feedforward = 256;
    c.enc_layers = 3;
    c.dec_layers = 1;
    c.nheads = 1;
    c.dropout = 0.5;
    return c;
  }
  if (name == "deciwatch") {  // DeciWatch's published setting (interval 10, window 101)
    c.arch = "deciwatch";
    c.sample_interval = 10;
    c.q = 10;
    c.hidden_dim = 128;
    c.nheads = 4;
    c.dim_feedforward = 256;
    c.enc_layers = c.dec_layers = 5;
    c.pre_norm = true;
    c.dropout = 0.1;
    return c;
  }
  throw Error(kWhere, "unknown preset '" + name + "' (known: compact, jhmdb_2d, h36m_3d, smoothnet, deciwatch)");
}

}  // namespace kinepose
