// Strict reading of JSON training configurations, shared by the trainers: unknown keys and wrong
// types are an Error naming the file and the field ("model.window: expected an integer").
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "kinepose/error.h"
#include "training/training_data.h"

namespace kinepose {

// The fields of one JSON object; `prefix` ("model.") is prepended to field names in errors.
class ConfigFields {
 public:
  ConfigFields(const nlohmann::json& obj, std::string where, std::string prefix)
      : obj_(obj), where_(std::move(where)), prefix_(std::move(prefix)) {}

  // Throws for a key not in `known`.
  void only(const std::set<std::string>& known) const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it)
      if (!known.count(it.key())) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw Error(where_, fmt::format("unknown key '{}{}' (known: {})", prefix_, it.key(), list));
      }
  }
  bool has(const char* key) const { return obj_.contains(key); }
  const nlohmann::json& raw(const char* key) const { return obj_.at(key); }
  std::string field(const char* key) const { return prefix_ + key; }

  void get(const char* key, int& v) const {
    if (!has(key)) return;
    const nlohmann::json& j = obj_.at(key);
    if (!j.is_number_integer() || j.get<int64_t>() < INT32_MIN || j.get<int64_t>() > INT32_MAX) fail(key, "expected an integer");
    v = j.get<int>();
  }
  void get(const char* key, uint64_t& v) const {
    if (!has(key)) return;
    const nlohmann::json& j = obj_.at(key);
    if (!j.is_number_integer() || (j.is_number_integer() && !j.is_number_unsigned() && j.get<int64_t>() < 0))
      fail(key, "expected a non-negative integer");
    v = j.get<uint64_t>();
  }
  void get(const char* key, double& v) const {
    if (!has(key)) return;
    const nlohmann::json& j = obj_.at(key);
    if (!j.is_number()) fail(key, "expected a number");
    v = j.get<double>();
    if (!std::isfinite(v)) fail(key, "must be finite");
  }
  void get(const char* key, bool& v) const {
    if (!has(key)) return;
    const nlohmann::json& j = obj_.at(key);
    if (!j.is_boolean()) fail(key, "expected true or false");
    v = j.get<bool>();
  }
  void get(const char* key, std::string& v) const {
    if (!has(key)) return;
    const nlohmann::json& j = obj_.at(key);
    if (!j.is_string()) fail(key, "expected a string");
    v = j.get<std::string>();
  }
  void get(const char* key, std::vector<std::string>& v) const {
    if (!has(key)) return;
    const nlohmann::json& j = obj_.at(key);
    if (!j.is_array()) fail(key, "expected a list of strings");
    std::vector<std::string> out;
    for (const auto& e : j) {
      if (!e.is_string()) fail(key, "expected a list of strings");
      out.push_back(e.get<std::string>());
    }
    v = std::move(out);
  }
  // The nested object under `key` (an Error unless it is one), its fields prefixed "key.".
  ConfigFields object(const char* key, const std::string& what) const {
    if (!has(key) || !raw(key).is_object()) fail(key, "expected " + what);
    return ConfigFields(raw(key), where_, prefix_ + key + ".");
  }
  // `make(name)` for the string under `key` (default `fallback`); its Error becomes this field's.
  template <class Make>
  auto preset(const char* key, std::string fallback, Make make) const {
    get(key, fallback);
    try {
      return make(fallback);
    } catch (const Error& e) {
      fail(key, e.detail());
    }
  }
  [[noreturn]] void fail(const char* key, const std::string& what) const {
    throw Error(where_, fmt::format("{}{}: {}", prefix_, key, what));
  }

 private:
  const nlohmann::json& obj_;
  std::string where_, prefix_;
};


// The checks every trainer's configuration shares: `validate_model` (its Error becomes "model: ..."),
// then the ranges of the optimisation fields. Throws Error(where, "<field>: ...").
void check_training_fields(const std::string& where, const std::function<void()>& validate_model, int epochs,
                           int batch_size, double lr, double lr_decay, double weight_decay, int max_steps_per_epoch,
                           int threads, const std::string& out_dir);

// The text of a configuration file as JSON: YAML (.yaml / .yml) converted, anything else read as is.
std::string config_file_text(const std::string& path);
// The top-level object of a configuration's JSON text (Error naming `where` otherwise).
nlohmann::json parse_config_object(const std::string& json_text, const std::string& where);
// Checks the "task" field against the one this configuration kind has (`fallback` when absent).
void expect_task(const ConfigFields& f, const std::string& task, const std::string& fallback);

// A list of {"input": PATH, "target": PATH} (or [input, target]) pairs; paths resolved against
// `base`; each must exist. `field` names the list in errors.
std::vector<TrainPair> parse_train_pairs(const nlohmann::json& j, const std::string& field, const std::string& where,
                                         const std::string& base);

}  // namespace kinepose
