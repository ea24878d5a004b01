// `kinepose model show FILE` prints what a weights file holds (architecture, data it expects,
// window, refinement defaults, parameter count, metadata); `kinepose model set FILE -o OUT
// KEY=VALUE...` writes a copy with metadata fields changed (e.g. the post smoother or default
// stride a model card specifies), refusing any change that does not describe a loadable model.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "kinepose/error.h"
#include "kinepose/safetensors.h"
#include "models/hanet/hanet_config.h"
#include "models/hanet/hanet_weights.h"
#include "models/lifting/lifter_config.h"

namespace kinepose::cli {

namespace {

struct ModelArgs {
  std::string input, output;
  std::vector<std::string> assignments;
  bool quiet = false;
};

void show(const std::string& path) {
  const SafeTensors st = read_safetensors(path);
  int64_t params = 0;
  for (const auto& [name, t] : st.tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    params += n;
  }
  const auto format = st.metadata.find("format");
  if (format != st.metadata.end() && format->second == "lifter") {
    const LifterConfig l = LifterConfig::from_metadata(st.metadata, path);
    fmt::print("{}: {} lifter, {} values (parameters and statistics)\n", path, l.arch, params);
    fmt::print("  input: {} 2D px (with image size) -> output: {} 3D {}, root-relative (joint {} at the origin)\n",
               l.in_skeleton, l.out_skeleton, l.units, l.root);
    if (l.arch == "dgnet") fmt::print("  window {} frames, trained at {} fps\n", l.window, l.fps);
    fmt::print("  metadata:\n");
    for (const auto& [k, v] : st.metadata) fmt::print("    {} = {}\n", k, v);
    return;
  }
  const HanetConfig c = HanetConfig::from_metadata(st.metadata, path);
  fmt::print("{}: {} model, {} parameters\n", path, c.arch, params);
  fmt::print("  input: {} ({} joints), {}D, normalisation {}, trained at {} fps\n",
             c.skeleton.empty() ? "any skeleton" : c.skeleton, c.joints, c.dims, c.input_normalization, c.fps);
  fmt::print("  window L = {}, sample interval N = {}, refine stride {}{}\n", c.window(), c.sample_interval,
             c.default_stride(), c.refine_stride > 0 ? "" : " (= N)");
  if (c.post_sigma > 0) fmt::print("  post smoother: Gaussian sigma {} frames, window {}\n", c.post_sigma, c.post_window());
  if (c.live_latency >= 0) fmt::print("  live model: latency K = {} frames\n", c.live_latency);
  if (c.post_one_euro_min_cutoff > 0)
    fmt::print("  live post smoother: One-Euro min cutoff {} Hz, beta {}\n", c.post_one_euro_min_cutoff,
               c.post_one_euro_beta);
  fmt::print("  metadata:\n");
  for (const auto& [k, v] : st.metadata) fmt::print("    {} = {}\n", k, v);
}

}  // namespace

void add_model_command(CLI::App& app) {
  auto a = std::make_shared<ModelArgs>();
  CLI::App* cmd = app.add_subcommand("model", "Inspect or adjust a model weights file (.safetensors)");
  cmd->require_subcommand(1);
  CLI::App* sh = cmd->add_subcommand("show", "Print the architecture, expected input, window and metadata");
  sh->add_option("file", a->input, "Weights file")->required();
  sh->callback([a] { show(a->input); });

  CLI::App* set = cmd->add_subcommand("set", "Write a copy with metadata fields changed (validated by loading it)");
  set->add_option("file", a->input, "Weights file")->required();
  set->add_option("-o,--output", a->output, "Output weights file")->required();
  set->add_option("assignments", a->assignments,
                  "KEY=VALUE metadata fields, e.g. post_gaussian_sigma=4 refine_stride=1 live_latency=2")
      ->required();
  set->add_flag("-q,--quiet", a->quiet, "Print nothing on success");
  set->callback([a] {
    SafeTensors st = read_safetensors(a->input);
    for (const std::string& kv : a->assignments) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) throw Error(kv, "expected KEY=VALUE");
      st.metadata[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    // Refuse a file that would not load (the metadata must describe the tensors exactly) and keys the
    // model does not read.
    const std::string where = a->output + " (from " + a->input + ")";
    const auto known = hanet::load_hanet(st, where)->config().to_metadata();
    for (const std::string& kv : a->assignments) {
      const std::string key = kv.substr(0, kv.find('='));
      if (!known.count(key)) {
        std::vector<std::string> names;
        for (const auto& [k, v] : known) names.push_back(k);
        throw Error(key, fmt::format("not a metadata field this model reads (fields: {}; optional: refine_stride, "
                                     "live_latency, post_gaussian_sigma, post_one_euro_min_cutoff, post_one_euro_beta, arch)",
                                     fmt::join(names, ", ")));
      }
    }
    write_safetensors(a->output, st);
    if (!a->quiet) fmt::print("wrote {}\n", a->output);
  });
}

}  // namespace kinepose::cli
