// Acclaim ASF (skeleton) + AMC (motion) -> 3D joint positions by forward kinematics.
//
// The path read is the .amc; its skeleton comes from ReadOptions param asf=<path>, else
// "<amc folder>/<subject>.asf" with subject = the AMC stem before the first '_' (CMU naming:
// 01_01.amc -> 01.asf), else the only .asf in that folder.
//
// FK follows the Acclaim spec (as the CMU viewer does): per bone, C = rotation of its "axis"
// angles composed in the order written after them ("axis 0 0 20 XYZ": X applied first, so
// C = Rz*Ry*Rx), M = rotation of the frame's dof angles composed in the order the dofs are listed
// (CMU: always rx ry rz), local = C * M * C^-1, global = parent global * local, and
// bone end = parent end + global * direction * length. The root's position is ASF position + the
// AMC translation; its rotation uses C from "orientation" (composed in the ":root axis" order) and M
// from the AMC rotations in the ":root order" order.
//
// Joints are "root" followed by the bones in depth-first :hierarchy order; a bone's joint is its END
// point (BVH conversions of the same data put their joint at the bone START, i.e. the parent's end —
// see tests/test_mocap_agreement.cpp). Positions are in the ASF's own length units (CMU
// ":units length 0.45" -> 1 unit = 1/0.45 inch = 0.056444 m), so units is "" unless param units=<u>;
// param scale=<f> multiplies positions. AMC files carry no frame rate: fps is ReadOptions.fps when
// given, else 120, the rate of the CMU database, which is where nearly all AMC files come from.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Geometry>

#include "io/format_factories.h"
#include "io/mocap_common.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/io.h"

namespace fs = std::filesystem;

namespace kinepose {

namespace {

using mocap::Line;
using mocap::where;

constexpr long long kMaxFrames = 10'000'000;
constexpr double kCmuFps = 120.0;
constexpr double kPi = 3.14159265358979323846;

enum class Dof { kRx, kRy, kRz, kTx, kTy, kTz };

bool dof_from_name(std::string_view tok, Dof& d) {
  const std::string s = mocap::lower_copy(tok);
  if (s == "rx") d = Dof::kRx;
  else if (s == "ry") d = Dof::kRy;
  else if (s == "rz") d = Dof::kRz;
  else if (s == "tx") d = Dof::kTx;
  else if (s == "ty") d = Dof::kTy;
  else if (s == "tz") d = Dof::kTz;
  else return false;
  return true;
}

Eigen::Matrix3d axis_rotation(int axis, double radians) {
  const Eigen::Vector3d a = axis == 0 ? Eigen::Vector3d::UnitX() : axis == 1 ? Eigen::Vector3d::UnitY() : Eigen::Vector3d::UnitZ();
  return Eigen::AngleAxisd(radians, a).toRotationMatrix();
}

// Rotation applying the axes in `order` (e.g. "XYZ": X first) to column vectors: R = R_last*...*R_first.
Eigen::Matrix3d ordered_rotation(const Eigen::Vector3d& radians, const std::string& order) {
  Eigen::Matrix3d r = Eigen::Matrix3d::Identity();
  for (char c : order) {
    const int axis = c - 'X';
    r = axis_rotation(axis, radians[axis]) * r;
  }
  return r;
}

struct Bone {
  std::string name;
  Eigen::Vector3d direction = Eigen::Vector3d::Zero();
  double length = 0;
  Eigen::Vector3d axis = Eigen::Vector3d::Zero();  // angles in ASF angle units
  std::string axis_order = "XYZ";
  std::vector<Dof> dofs;
  int line = 0;
  int parent = -1;  // index into bones; -1 = root
  int first_value = 0;  // offset of its dof values in a frame's value vector
  bool has_direction = false, has_length = false;
};

struct Asf {
  double length_unit = 1.0;
  bool degrees = true;
  std::vector<Dof> root_order = {Dof::kTx, Dof::kTy, Dof::kTz, Dof::kRx, Dof::kRy, Dof::kRz};
  std::string root_axis = "XYZ";
  Eigen::Vector3d root_position = Eigen::Vector3d::Zero();
  Eigen::Vector3d root_orientation = Eigen::Vector3d::Zero();
  std::vector<Bone> bones;
  std::vector<int> order;  // bones in depth-first hierarchy order (parents first)
};

std::string strip_comment(std::string_view s) {
  const size_t hash = s.find('#');
  return std::string(mocap::trim(hash == std::string_view::npos ? s : s.substr(0, hash)));
}

bool valid_axis_order(const std::string& s) {
  if (s.size() != 3) return false;
  std::string sorted = s;
  std::sort(sorted.begin(), sorted.end());
  return sorted == "XYZ";
}

Asf parse_asf(const std::string& path) {
  const std::string text = read_text_file(path);
  const std::vector<Line> lines = mocap::split_lines(text);
  Asf asf;
  std::string section;
  Bone* bone = nullptr;  // bone being filled inside begin/end of :bonedata
  bool in_hierarchy_block = false;
  bool hierarchy_seen = false;
  std::map<std::string, int> bone_index;
  std::vector<std::vector<int>> children;  // index 0 = root, i+1 = bone i
  std::vector<bool> attached;              // bone already has a parent in :hierarchy

  auto need = [&](const std::vector<std::string_view>& t, size_t n, const Line& l, const std::string& what) {
    if (t.size() != n) throw Error(where(path, l.number), what + " needs " + std::to_string(n - 1) + " value(s), got " + std::to_string(t.size() - 1));
  };
  auto num = [&](std::string_view tok, const Line& l, const std::string& what) {
    double v = 0;
    if (!mocap::parse_double(tok, v)) throw Error(where(path, l.number), what + ": '" + std::string(tok) + "' is not a number");
    return v;
  };
  auto vec3 = [&](const std::vector<std::string_view>& t, size_t first, const Line& l, const std::string& what) {
    Eigen::Vector3d v;
    for (int k = 0; k < 3; ++k) v[k] = num(t[first + k], l, what);
    return v;
  };

  for (const Line& l : lines) {
    const std::string s = strip_comment(l.text);
    if (s.empty()) continue;
    const std::vector<std::string_view> t = mocap::tokens_of(s);
    if (s[0] == ':') {
      if (bone) throw Error(where(path, l.number), "bone '" + bone->name + "' (line " + std::to_string(bone->line) + ") has no 'end'");
      if (in_hierarchy_block) throw Error(where(path, l.number), ":hierarchy has no 'end'");
      section = mocap::lower_copy(t[0]);
      static const std::vector<std::string> known = {":version", ":name", ":units", ":documentation",
                                                     ":root", ":bonedata", ":hierarchy", ":skin"};
      if (std::find(known.begin(), known.end(), section) == known.end())
        throw Error(where(path, l.number), "unknown ASF section '" + std::string(t[0]) + "'");
      if (section == ":hierarchy") hierarchy_seen = true;
      continue;
    }
    const std::string key = mocap::lower_copy(t[0]);
    if (section == ":units") {
      need(t, 2, l, std::string(t[0]));
      if (key == "length") {
        asf.length_unit = num(t[1], l, "length");
        if (!(asf.length_unit > 0)) throw Error(where(path, l.number), "length unit must be > 0");
      } else if (key == "angle") {
        const std::string a = mocap::lower_copy(t[1]);
        if (a == "deg" || a == "degrees") asf.degrees = true;
        else if (a == "rad" || a == "radians") asf.degrees = false;
        else throw Error(where(path, l.number), "angle unit '" + std::string(t[1]) + "' is not deg or rad");
      } else if (key != "mass") {
        throw Error(where(path, l.number), "unknown :units entry '" + std::string(t[0]) + "'");
      }
    } else if (section == ":root") {
      if (key == "order") {
        asf.root_order.clear();
        for (size_t k = 1; k < t.size(); ++k) {
          Dof d;
          if (!dof_from_name(t[k], d)) throw Error(where(path, l.number), "root order: unknown channel '" + std::string(t[k]) + "'");
          asf.root_order.push_back(d);
        }
      } else if (key == "axis") {
        need(t, 2, l, "root axis");
        asf.root_axis = std::string(t[1]);
        std::transform(asf.root_axis.begin(), asf.root_axis.end(), asf.root_axis.begin(), ::toupper);
        if (!valid_axis_order(asf.root_axis)) throw Error(where(path, l.number), "root axis '" + std::string(t[1]) + "' is not an order like XYZ");
      } else if (key == "position") {
        need(t, 4, l, "root position");
        asf.root_position = vec3(t, 1, l, "root position");
      } else if (key == "orientation") {
        need(t, 4, l, "root orientation");
        asf.root_orientation = vec3(t, 1, l, "root orientation");
      } else {
        throw Error(where(path, l.number), "unknown :root entry '" + std::string(t[0]) + "'");
      }
    } else if (section == ":bonedata") {
      if (key == "begin") {
        if (bone) throw Error(where(path, l.number), "'begin' inside bone '" + bone->name + "' (missing 'end')");
        asf.bones.emplace_back();
        bone = &asf.bones.back();
        bone->line = l.number;
        continue;
      }
      if (!bone) throw Error(where(path, l.number), "'" + std::string(t[0]) + "' outside a bone's begin/end");
      if (key == "end") {
        if (bone->name.empty()) throw Error(where(path, bone->line), "bone without a name");
        if (!bone->has_direction || !bone->has_length)
          throw Error(where(path, bone->line), "bone '" + bone->name + "' lacks direction or length");
        if (bone_index.count(bone->name) || bone->name == "root")
          throw Error(where(path, bone->line), "duplicate bone name '" + bone->name + "'");
        bone_index[bone->name] = static_cast<int>(asf.bones.size()) - 1;
        bone = nullptr;
      } else if (key == "id" || key == "bodymass" || key == "cofmass") {
        // Not needed for positions.
      } else if (key == "name") {
        need(t, 2, l, "name");
        bone->name = std::string(t[1]);
      } else if (key == "direction") {
        need(t, 4, l, "direction");
        bone->direction = vec3(t, 1, l, "direction");
        bone->has_direction = true;
      } else if (key == "length") {
        need(t, 2, l, "length");
        bone->length = num(t[1], l, "length");
        bone->has_length = true;
      } else if (key == "axis") {
        need(t, 5, l, "axis (3 angles + order)");
        bone->axis = vec3(t, 1, l, "axis");
        bone->axis_order = std::string(t[4]);
        std::transform(bone->axis_order.begin(), bone->axis_order.end(), bone->axis_order.begin(), ::toupper);
        if (!valid_axis_order(bone->axis_order))
          throw Error(where(path, l.number), "axis order '" + std::string(t[4]) + "' is not an order like XYZ");
      } else if (key == "dof") {
        for (size_t k = 1; k < t.size(); ++k) {
          Dof d;
          if (!dof_from_name(t[k], d)) {
            if (mocap::lower_copy(t[k]) == "l")
              throw Error(where(path, l.number), "dof 'l' (bone stretching) is not supported");
            throw Error(where(path, l.number), "unknown dof '" + std::string(t[k]) + "'");
          }
          bone->dofs.push_back(d);
        }
      } else if (key == "limits" || key[0] == '(') {
        // Joint limits constrain animation tools, not playback.
      } else {
        throw Error(where(path, l.number), "unknown bone entry '" + std::string(t[0]) + "'");
      }
    } else if (section == ":hierarchy") {
      if (key == "begin") {
        in_hierarchy_block = true;
        children.assign(asf.bones.size() + 1, {});
        attached.assign(asf.bones.size(), false);
        continue;
      }
      if (key == "end") {
        in_hierarchy_block = false;
        continue;
      }
      if (!in_hierarchy_block) throw Error(where(path, l.number), ":hierarchy entries must be inside begin/end");
      auto index_of = [&](std::string_view name) {
        if (name == "root") return 0;
        auto it = bone_index.find(std::string(name));
        if (it == bone_index.end()) throw Error(where(path, l.number), ":hierarchy names unknown bone '" + std::string(name) + "'");
        return it->second + 1;
      };
      const int parent = index_of(t[0]);
      for (size_t k = 1; k < t.size(); ++k) {
        const int child = index_of(t[k]);
        if (child == 0) throw Error(where(path, l.number), "root cannot be a child");
        Bone& b = asf.bones[child - 1];
        if (attached[child - 1] || child == parent)
          throw Error(where(path, l.number), "bone '" + b.name + "' has two parents in :hierarchy");
        attached[child - 1] = true;
        b.parent = parent - 1;  // -1 = root
        children[parent].push_back(child);
      }
    } else if (section == ":version" || section == ":name" || section == ":documentation" || section == ":skin") {
      // Free text.
    } else {
      throw Error(where(path, l.number), "'" + std::string(t[0]) + "' before any ASF section");
    }
  }
  if (bone) throw Error(where(path, bone->line), "bone '" + bone->name + "' has no 'end' (file truncated?)");
  if (in_hierarchy_block) throw Error(path, ":hierarchy has no 'end' (file truncated?)");
  if (!hierarchy_seen || children.empty()) throw Error(path, "no :hierarchy section");

  // Depth-first order from the root; bones not reached are an error (their position is undefined).
  std::vector<int> stack(children[0].rbegin(), children[0].rend());
  std::vector<bool> visited(asf.bones.size(), false);
  while (!stack.empty()) {
    const int node = stack.back();
    stack.pop_back();
    const int b = node - 1;
    if (visited[b]) throw Error(path, ":hierarchy has a cycle through '" + asf.bones[b].name + "'");
    visited[b] = true;
    asf.order.push_back(b);
    for (auto it = children[node].rbegin(); it != children[node].rend(); ++it) stack.push_back(*it);
  }
  for (size_t b = 0; b < asf.bones.size(); ++b) {
    if (!visited[b]) throw Error(where(path, asf.bones[b].line), "bone '" + asf.bones[b].name + "' is not connected to the root in :hierarchy");
  }
  return asf;
}

// Where the skeleton of an AMC lives (see the file comment).
std::string find_asf(const std::string& amc_path, const ReadOptions& options) {
  if (auto it = options.params.find("asf"); it != options.params.end()) {
    std::error_code ec;
    if (!fs::is_regular_file(it->second, ec)) throw Error(it->second, "ASF skeleton (param asf) not found");
    return it->second;
  }
  const fs::path amc(amc_path);
  const fs::path folder = amc.has_parent_path() ? amc.parent_path() : fs::path(".");
  const std::string stem = stem_of(amc_path);
  const std::string subject = stem.substr(0, stem.find('_'));
  std::error_code ec;
  for (const std::string& cand : {subject + ".asf", subject + ".ASF"}) {
    const fs::path p = folder / cand;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  std::vector<std::string> asfs;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && lower(it->path().extension().string()) == ".asf") asfs.push_back(it->path().string());
  if (asfs.size() == 1) return asfs.front();
  throw Error(amc_path, "no ASF skeleton found: " + (folder / (subject + ".asf")).string() + " does not exist and the folder has " +
                            std::to_string(asfs.size()) + " .asf files; pass param asf=<path>");
}

Tracks read_amc(const std::string& path, const ReadOptions& options) {
  mocap::check_params(path, options, {"asf", "scale", "units"}, "amc");
  const double scale = mocap::param_double(path, options, "scale", 1.0);
  if (!(scale > 0)) throw Error(path, "parameter scale must be > 0");
  require_file(path);
  const std::string asf_path = find_asf(path, options);
  Asf asf = parse_asf(asf_path);

  // Value layout of one frame: root values (root order) then each bone's dofs.
  int num_values = static_cast<int>(asf.root_order.size());
  std::map<std::string, int> bone_index;
  for (size_t b = 0; b < asf.bones.size(); ++b) {
    asf.bones[b].first_value = num_values;
    num_values += static_cast<int>(asf.bones[b].dofs.size());
    bone_index[asf.bones[b].name] = static_cast<int>(b);
  }

  // ---- AMC ----
  const std::string text = read_text_file(path);
  const std::vector<Line> lines = mocap::split_lines(text);
  bool amc_degrees = asf.degrees;
  std::vector<double> values;            // frames x num_values
  std::vector<char> present;             // per frame: which of root + bones were given
  std::vector<int> frame_header_lines;
  long long last_number = 0;
  const int num_parts = static_cast<int>(asf.bones.size()) + 1;  // 0 = root
  std::vector<std::string_view> t;
  auto check_complete = [&]() {
    if (frame_header_lines.empty()) return;
    const size_t f = frame_header_lines.size() - 1;
    const char* p = &present[f * num_parts];
    if (!p[0] && !asf.root_order.empty())
      throw Error(where(path, frame_header_lines[f]), "frame " + std::to_string(last_number) + " has no 'root' line (truncated?)");
    for (size_t b = 0; b < asf.bones.size(); ++b)
      if (!p[b + 1] && !asf.bones[b].dofs.empty())
        throw Error(where(path, frame_header_lines[f]),
                    "frame " + std::to_string(last_number) + " has no line for bone '" + asf.bones[b].name + "' (truncated?)");
  };
  for (const Line& l : lines) {
    std::string_view s = mocap::trim(l.text);
    if (s.empty() || s[0] == '#') continue;
    if (s[0] == ':') {
      if (!frame_header_lines.empty()) throw Error(where(path, l.number), "header line '" + std::string(s) + "' after motion data");
      const std::string h = mocap::lower_copy(s);
      if (h == ":degrees") amc_degrees = true;
      else if (h == ":radians") amc_degrees = false;
      continue;  // :FULLY-SPECIFIED and other flags do not change how values are read
    }
    mocap::split_tokens(s, t);
    long long number = 0;
    if (t.size() == 1 && mocap::parse_int(t[0], number)) {
      check_complete();
      if (!frame_header_lines.empty() && number != last_number + 1)
        throw Error(where(path, l.number), "frame number " + std::to_string(number) + " follows frame " + std::to_string(last_number));
      if (static_cast<long long>(frame_header_lines.size()) >= kMaxFrames)
        throw Error(where(path, l.number), "absurd frame count (more than " + std::to_string(kMaxFrames) + ")");
      last_number = number;
      frame_header_lines.push_back(l.number);
      values.resize(values.size() + num_values, 0.0);
      present.resize(present.size() + num_parts, 0);
      continue;
    }
    if (frame_header_lines.empty())
      throw Error(where(path, l.number), "expected a frame number before '" + std::string(t[0]) + "'");
    int part = 0, first = 0, count = 0;
    if (t[0] == "root") {
      part = 0;
      first = 0;
      count = static_cast<int>(asf.root_order.size());
    } else {
      auto it = bone_index.find(std::string(t[0]));
      if (it == bone_index.end())
        throw Error(where(path, l.number), "frame " + std::to_string(last_number) + ": bone '" + std::string(t[0]) + "' is not in " + asf_path);
      part = it->second + 1;
      first = asf.bones[it->second].first_value;
      count = static_cast<int>(asf.bones[it->second].dofs.size());
    }
    if (static_cast<int>(t.size()) - 1 != count)
      throw Error(where(path, l.number), "frame " + std::to_string(last_number) + ": '" + std::string(t[0]) + "' has " +
                                             std::to_string(t.size() - 1) + " values, expected " + std::to_string(count));
    const size_t base = (frame_header_lines.size() - 1) * num_values + first;
    for (int k = 0; k < count; ++k)
      if (!mocap::parse_double(t[k + 1], values[base + k]))
        throw Error(where(path, l.number), "frame " + std::to_string(last_number) + ": '" + std::string(t[k + 1]) + "' is not a finite number");
    present[(frame_header_lines.size() - 1) * num_parts + part] = 1;
  }
  if (frame_header_lines.empty()) throw Error(path, "no motion frames");
  check_complete();
  const int frames = static_cast<int>(frame_header_lines.size());

  // ---- skeleton ----
  auto skeleton = std::make_shared<Skeleton>();
  skeleton->name = "";
  skeleton->description = "Acclaim ASF skeleton " + stem_of(asf_path);
  skeleton->joints.push_back("root");
  skeleton->parents.push_back(-1);
  std::vector<int> joint_of_bone(asf.bones.size(), -1);
  for (int b : asf.order) {
    joint_of_bone[b] = skeleton->num_joints();
    skeleton->joints.push_back(asf.bones[b].name);
    const int p = asf.bones[b].parent;
    skeleton->parents.push_back(p < 0 ? 0 : joint_of_bone[p]);
  }
  skeleton->symmetry = mocap::symmetry_by_name(skeleton->joints);

  PoseSequence seq(skeleton, frames, 3);
  seq.fps = options.fps > 0 ? options.fps : kCmuFps;
  if (auto it = options.params.find("units"); it != options.params.end()) seq.units = it->second;
  seq.name = stem_of(path);

  // ---- forward kinematics ----
  const double asf_angle = asf.degrees ? kPi / 180.0 : 1.0;
  const double amc_angle = amc_degrees ? kPi / 180.0 : 1.0;
  const size_t B = asf.bones.size();
  std::vector<Eigen::Matrix3d> c(B), c_inv(B);
  for (size_t b = 0; b < B; ++b) {
    c[b] = ordered_rotation(asf.bones[b].axis * asf_angle, asf.bones[b].axis_order);
    c_inv[b] = c[b].transpose();
  }
  const Eigen::Matrix3d root_c = ordered_rotation(asf.root_orientation * asf_angle, asf.root_axis);
  std::vector<Eigen::Matrix3d> global(B);
  std::vector<Eigen::Vector3d> end(B);
  auto dof_rotation = [&](const std::vector<Dof>& dofs, const double* v, Eigen::Vector3d* translation) {
    Eigen::Matrix3d m = Eigen::Matrix3d::Identity();
    for (size_t k = 0; k < dofs.size(); ++k) {
      const int d = static_cast<int>(dofs[k]);
      if (d <= static_cast<int>(Dof::kRz)) m = axis_rotation(d, v[k] * amc_angle) * m;
      else if (translation) (*translation)[d - static_cast<int>(Dof::kTx)] += v[k];
    }
    return m;
  };
  for (int f = 0; f < frames; ++f) {
    const double* v = &values[static_cast<size_t>(f) * num_values];
    Eigen::Vector3d root_pos = asf.root_position;
    const Eigen::Matrix3d root_m = dof_rotation(asf.root_order, v, &root_pos);
    const Eigen::Matrix3d root_global = root_c * root_m * root_c.transpose();
    for (int d = 0; d < 3; ++d) seq.at(f, 0, d) = static_cast<float>(root_pos[d] * scale);
    for (int b : asf.order) {
      const Bone& bone = asf.bones[b];
      Eigen::Vector3d bone_translation = Eigen::Vector3d::Zero();
      const Eigen::Matrix3d m = dof_rotation(bone.dofs, v + bone.first_value, &bone_translation);
      const Eigen::Matrix3d& parent_global = bone.parent < 0 ? root_global : global[bone.parent];
      const Eigen::Vector3d& parent_end = bone.parent < 0 ? root_pos : end[bone.parent];
      global[b] = parent_global * c[b] * m * c_inv[b];
      // tx/ty/tz dofs translate the bone in its own (axis) frame, as in the Acclaim spec.
      end[b] = parent_end + global[b] * (bone.direction * bone.length + c[b] * bone_translation);
      const int j = joint_of_bone[b];
      for (int d = 0; d < 3; ++d) seq.at(f, j, d) = static_cast<float>(end[b][d] * scale);
    }
  }
  seq.validate(path);
  return {std::move(seq)};
}

bool sniff_amc(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  for (const Line& l : mocap::split_lines(head)) {
    std::string_view s = mocap::trim(l.text);
    if (s.empty() || s[0] == '#') continue;
    long long n = 0;
    return s[0] == ':' || mocap::parse_int(s, n);
  }
  return false;
}

}  // namespace

Format amc_format() {
  Format f;
  f.name = "amc";
  f.description = "Acclaim ASF/AMC motion capture (read; the .asf is found next to the .amc or via param asf=)";
  f.extensions = {".amc"};
  f.is_folder = false;
  f.sniff = sniff_amc;
  f.read = read_amc;
  // No writer: AMC stores joint rotations; recovering them from positions is inverse kinematics.
  f.write = nullptr;
  return f;
}

}  // namespace kinepose
