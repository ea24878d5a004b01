// parse_train_pairs (config_fields.h).
#include "training/config_fields.h"

#include <filesystem>

#include "kinepose/fileutil.h"
#include "util/yaml_json.h"

namespace fs = std::filesystem;

namespace kinepose {

void check_training_fields(const std::string& where, const std::function<void()>& validate_model, int epochs,
                           int batch_size, double lr, double lr_decay, double weight_decay, int max_steps_per_epoch,
                           int threads, const std::string& out_dir) {
  auto fail = [&](const std::string& field, const std::string& what) { throw Error(where, field + ": " + what); };
  try {
    validate_model();
  } catch (const Error& e) {
    throw Error(where, "model: " + e.detail());
  }
  if (epochs < 1 || epochs > 1'000'000) fail("epochs", fmt::format("{} is not in [1, 1000000]", epochs));
  if (batch_size < 1 || batch_size > 65536) fail("batch_size", fmt::format("{} is not in [1, 65536]", batch_size));
  if (!(lr > 0) || !std::isfinite(lr)) fail("lr", "must be > 0");
  if (!(lr_decay > 0) || lr_decay > 10) fail("lr_decay", "must be in (0, 10]");
  if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) fail("weight_decay", "must be >= 0");
  if (max_steps_per_epoch < 0) fail("max_steps_per_epoch", "must be >= 0");
  if (threads < 0 || threads > 4096) fail("threads", "must be in [0, 4096]");
  if (out_dir.empty()) fail("out_dir", "must not be empty");
}


std::string config_file_text(const std::string& path) {
  const std::string ext = extension_of(path);
  return (ext == ".yaml" || ext == ".yml") ? yaml_file_to_json_text(path) : read_text_file(path);
}

nlohmann::json parse_config_object(const std::string& json_text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw Error(where, "expected a JSON object at the top level");
  return j;
}

void expect_task(const ConfigFields& f, const std::string& task, const std::string& fallback) {
  std::string t = fallback;
  f.get("task", t);
  if (t != task) f.fail("task", fmt::format("'{}': this configuration kind has \"task\": \"{}\"", t, task));
}

std::vector<TrainPair> parse_train_pairs(const nlohmann::json& j, const std::string& field, const std::string& where,
                                   const std::string& base) {
  if (!j.is_array()) throw Error(where, field + ": expected a list of {\"input\": ..., \"target\": ...} pairs");
  std::vector<TrainPair> pairs;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string f = fmt::format("{}[{}]", field, i);
    TrainPair p;
    if (j[i].is_array() && j[i].size() == 2 && j[i][0].is_string() && j[i][1].is_string()) {
      p.input = j[i][0].get<std::string>();
      p.target = j[i][1].get<std::string>();
    } else if (j[i].is_object()) {
      const ConfigFields fl(j[i], where, f + ".");
      fl.only({"input", "target"});
      fl.get("input", p.input);
      fl.get("target", p.target);
      if (p.input.empty()) fl.fail("input", "missing (path of the noisy sequences)");
      if (p.target.empty()) fl.fail("target", "missing (path of the ground truth)");
    } else {
      throw Error(where, f + ": expected {\"input\": PATH, \"target\": PATH}");
    }
    p.input = resolve_path(p.input, base);
    p.target = resolve_path(p.target, base);
    for (const auto& [path, sub] : {std::pair{p.input, "input"}, std::pair{p.target, "target"}})
      if (!fs::exists(path)) throw Error(path, fmt::format("no such file or folder ({}.{} in {})", f, sub, where));
    pairs.push_back(p);
  }
  return pairs;
}

}  // namespace kinepose
