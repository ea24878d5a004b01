// LifterConfig validation, metadata round trip and presets.
#include "models/lifting/lifter_config.h"

#include <fmt/format.h>

#include "kinepose/error.h"
#include "kinepose/skeleton.h"
#include "util/metadata_fields.h"

namespace kinepose {

void LifterConfig::validate() const {
  auto fail = [](const std::string& field, const std::string& what) { throw Error("lifter config", field + ": " + what); };
  if (arch != "fcn" && arch != "dgnet") fail("arch", "'" + arch + "' is not one of fcn, dgnet");
  if (!has_skeleton(in_skeleton)) fail("in_skeleton", "'" + in_skeleton + "' is not a known skeleton");
  if (!has_skeleton(out_skeleton)) fail("out_skeleton", "'" + out_skeleton + "' is not a known skeleton");
  if (get_skeleton(in_skeleton)->num_joints() != in_joints)
    fail("in_joints", fmt::format("{} does not match {} ({} joints)", in_joints, in_skeleton,
                                  get_skeleton(in_skeleton)->num_joints()));
  if (get_skeleton(out_skeleton)->num_joints() != out_joints)
    fail("out_joints", fmt::format("{} does not match {} ({} joints)", out_joints, out_skeleton,
                                   get_skeleton(out_skeleton)->num_joints()));
  if (root < 0 || root >= out_joints) fail("root", fmt::format("{} is not a joint index of {}", root, out_skeleton));
  if (!(fps >= 0)) fail("fps", "must be >= 0");
  if (!(dropout >= 0.0 && dropout < 1.0)) fail("dropout", fmt::format("{} is not in [0, 1)", dropout));
  if (linear_size < 1 || linear_size > 65536) fail("linear_size", fmt::format("{} is not in 1..65536", linear_size));
  if (stages < 0 || stages > 64) fail("stages", fmt::format("{} is not in 0..64", stages));
  if (arch == "dgnet") {
    if (window < 1 || window > 1001 || window % 2 == 0) fail("window", fmt::format("{} is not an odd number in 1..1001", window));
    if (hidden < 1 || hidden > 4096) fail("hidden", fmt::format("{} is not in 1..4096", hidden));
    if (blocks < 1 || blocks > 64) fail("blocks", fmt::format("{} is not in 1..64", blocks));
    if (neighbours < 1 || neighbours > in_joints)
      fail("neighbours", fmt::format("{} is not in 1..{} (the input joints)", neighbours, in_joints));
    if (head_hidden < 0 || head_hidden > 65536) fail("head_hidden", fmt::format("{} is not in 0..65536", head_hidden));
    if (head_frame && head_hidden == 0) fail("head_frame", "needs head_hidden > 0");
    if (radius < 1 || radius >= window) fail("radius", fmt::format("{} is not in 1..{} (window - 1)", radius, window - 1));
  }
}

std::map<std::string, std::string> LifterConfig::to_metadata() const {
  std::map<std::string, std::string> m;
  m["format"] = "lifter";
  m["arch"] = arch;
  m["in_skeleton"] = in_skeleton;
  m["in_joints"] = std::to_string(in_joints);
  m["out_skeleton"] = out_skeleton;
  m["out_joints"] = std::to_string(out_joints);
  m["root"] = std::to_string(root);
  m["units"] = units;
  m["fps"] = metadata_number(fps);
  m["dropout"] = metadata_number(dropout);
  m["flip_test"] = flip_test ? "true" : "false";
  if (arch == "fcn") {
    m["linear_size"] = std::to_string(linear_size);
    m["stages"] = std::to_string(stages);
  } else {
    m["window"] = std::to_string(window);
    m["hidden"] = std::to_string(hidden);
    m["blocks"] = std::to_string(blocks);
    m["neighbours"] = std::to_string(neighbours);
    m["radius"] = std::to_string(radius);
    if (head_hidden > 0) m["head_hidden"] = std::to_string(head_hidden);  // absent = 0 (first release)
    if (head_frame) m["head_frame"] = "true";                                // absent = false
  }
  return m;
}

LifterConfig LifterConfig::from_metadata(const std::map<std::string, std::string>& m, const std::string& where) {
  auto it = m.find("format");
  if (it == m.end() || it->second != "lifter")
    throw Error(where, it == m.end() ? "no 'format' metadata: not a kinepose lifter weights file"
                                     : "metadata field 'format' = '" + it->second + "': not a lifter weights file");
  LifterConfig c;
  metadata_get(m, "arch", c.arch);
  metadata_get(m, "in_skeleton", c.in_skeleton);
  c.in_joints = metadata_int(m, "in_joints", where);
  metadata_get(m, "out_skeleton", c.out_skeleton);
  c.out_joints = metadata_int(m, "out_joints", where);
  metadata_get(m, "root", c.root, where);
  metadata_get(m, "units", c.units);
  metadata_get(m, "fps", c.fps, where);
  metadata_get(m, "dropout", c.dropout, where);
  metadata_get(m, "flip_test", c.flip_test, where);
  metadata_get(m, "linear_size", c.linear_size, where);
  metadata_get(m, "stages", c.stages, where);
  metadata_get(m, "window", c.window, where);
  metadata_get(m, "hidden", c.hidden, where);
  metadata_get(m, "blocks", c.blocks, where);
  metadata_get(m, "neighbours", c.neighbours, where);
  metadata_get(m, "radius", c.radius, where);
  metadata_get(m, "head_hidden", c.head_hidden, where);
  metadata_get(m, "head_frame", c.head_frame, where);
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(where, "metadata: " + e.detail());
  }
  return c;
}

LifterConfig LifterConfig::preset(const std::string& name) {
  LifterConfig c;
  if (name == "fcn") return c;
  if (name == "dgnet") {
    c.arch = "dgnet";
    c.dropout = 0.1;
    return c;
  }
  throw Error("lifter config", "preset: '" + name + "' is not one of fcn, dgnet");
}

}  // namespace kinepose
