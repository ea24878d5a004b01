// parse_train_pairs (config_fields.h).
#include "training/config_fields.h"

#include <filesystem>

#include "kinepose/fileutil.h"
#include "util/yaml_json.h"

namespace fs = std::filesystem;

namespace kinepose {

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
