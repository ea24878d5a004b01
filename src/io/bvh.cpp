// BVH (Biovision hierarchy) mocap -> 3D joint positions by forward kinematics.
//
// Conventions (documented in docs and tested in tests/test_bvh.cpp):
//  * Rotations are in degrees and compose intrinsically in the order the CHANNELS line lists them:
//    "Zrotation Yrotation Xrotation" gives R = Rz * Ry * Rx (column vectors).
//  * Local transform of a joint = translate(t) * R, with t = OFFSET where the joint has no position
//    channels. Where it has them, each listed position channel REPLACES the matching OFFSET
//    component (param position_channels=replace, the default): files that animate every joint's
//    translation (Bandai-Namco: all 22 joints have 6 channels and the position channels repeat the
//    OFFSET) would otherwise get every bone twice as long, and their Hips twice as high. CMU and most
//    exporters keep the root OFFSET at 0, where both readings agree. position_channels=add gives
//    t = OFFSET + channels for files that use that reading.
//  * Joint positions are in the file's own units (CMU: "mocap units", Bandai-Namco: cm), so units
//    is "" unless param units=<u> says; param scale=<f> multiplies all positions.
//  * End Sites are not joints (they have no channels) unless param end_sites=1; they are then named
//    "<parent>_end".
#include <algorithm>
#include <cmath>
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

namespace kinepose {

namespace {

using mocap::Line;
using mocap::where;

constexpr long long kMaxFrames = 10'000'000;
constexpr int kMaxDepth = 512;      // deeper nesting is garbage, and recursion must stay bounded
constexpr int kMaxChannels = 6;     // per joint: 3 position + 3 rotation (repeats allowed up to this)

enum class Channel { kXpos, kYpos, kZpos, kXrot, kYrot, kZrot };

bool channel_from_name(std::string_view tok, Channel& ch) {
  const std::string s = lower(std::string(tok));
  if (s == "xposition") ch = Channel::kXpos;
  else if (s == "yposition") ch = Channel::kYpos;
  else if (s == "zposition") ch = Channel::kZpos;
  else if (s == "xrotation") ch = Channel::kXrot;
  else if (s == "yrotation") ch = Channel::kYrot;
  else if (s == "zrotation") ch = Channel::kZrot;
  else return false;
  return true;
}

struct Node {
  std::string name;
  int parent = -1;  // node index
  Eigen::Vector3d offset = Eigen::Vector3d::Zero();
  std::vector<Channel> channels;
  int first_channel = 0;  // index of its first value on a motion line
  bool end_site = false;
  int line = 0;
};

struct Token {
  std::string_view text;
  int line;
};

// Recursive-descent parser for the HIERARCHY section over a flat token list.
class HierarchyParser {
 public:
  HierarchyParser(const std::string& path, std::vector<Token> tokens, int motion_line)
      : path_(path), tokens_(std::move(tokens)), motion_line_(motion_line) {}

  std::vector<Node> parse() {
    if (at_end() || mocap::lower_copy(peek().text) != "hierarchy")
      throw Error(where(path_, at_end() ? 1 : peek().line), "expected HIERARCHY at the start of a BVH file");
    ++pos_;
    if (at_end()) throw Error(where(path_, motion_line_), "HIERARCHY has no ROOT joint");
    while (!at_end()) {
      const Token t = next();
      if (mocap::lower_copy(t.text) != "root")
        throw Error(where(path_, t.line), "unexpected '" + std::string(t.text) + "' in HIERARCHY (expected ROOT)");
      parse_joint(t, -1, 0);
    }
    return std::move(nodes_);
  }

 private:
  bool at_end() const { return pos_ >= tokens_.size(); }
  const Token& peek() const { return tokens_[pos_]; }
  Token next() { return tokens_[pos_++]; }

  std::string missing_brace(const Node& n) const {
    return "missing '}' closing " + std::string(n.end_site ? "End Site of " + nodes_[n.parent].name : "joint " + n.name) +
           " (opened at line " + std::to_string(n.line) + ")";
  }

  double number(const std::string& what, int line) {
    if (at_end() || peek().line != line)
      throw Error(where(path_, line), what + " needs 3 numbers");
    const Token t = next();
    double v = 0;
    if (!mocap::parse_double(t.text, v))
      throw Error(where(path_, t.line), what + ": '" + std::string(t.text) + "' is not a number");
    return v;
  }

  // Called after ROOT / JOINT / "End Site" has been consumed; `kw` is that keyword's token.
  void parse_joint(const Token& kw, int parent, int depth) {
    if (depth > kMaxDepth) throw Error(where(path_, kw.line), "joint nesting deeper than " + std::to_string(kMaxDepth));
    Node node;
    node.parent = parent;
    node.line = kw.line;
    const std::string kwl = mocap::lower_copy(kw.text);
    node.end_site = kwl == "end";
    if (node.end_site) {
      if (at_end() || mocap::lower_copy(peek().text) != "site")
        throw Error(where(path_, kw.line), "expected 'End Site'");
      ++pos_;
      if (parent < 0) throw Error(where(path_, kw.line), "End Site outside a joint");
      node.name = nodes_[parent].name + "_end";
    } else {
      // The name is the rest of the line (some exporters put spaces in names), up to an optional '{'.
      std::string name;
      while (!at_end() && peek().line == kw.line && peek().text != "{") {
        name += (name.empty() ? "" : " ") + std::string(next().text);
      }
      if (name.empty()) throw Error(where(path_, kw.line), std::string(kw.text) + " without a joint name");
      node.name = name;
    }
    const int self = static_cast<int>(nodes_.size());
    nodes_.push_back(node);

    if (at_end()) throw Error(where(path_, motion_line_), "missing '{' after " + describe(self) + " (line " + std::to_string(node.line) + ")");
    const Token open = next();
    if (open.text != "{")
      throw Error(where(path_, open.line), "expected '{' after " + describe(self) + ", got '" + std::string(open.text) + "'");

    bool has_offset = false, has_channels = false;
    while (true) {
      if (at_end()) throw Error(where(path_, motion_line_), missing_brace(nodes_[self]));
      const Token t = next();
      const std::string key = mocap::lower_copy(t.text);
      if (t.text == "}") break;
      if (key == "offset") {
        if (has_offset) throw Error(where(path_, t.line), "second OFFSET in " + describe(self));
        Eigen::Vector3d o;
        for (int k = 0; k < 3; ++k) o[k] = number("OFFSET of " + describe(self), t.line);
        nodes_[self].offset = o;
        has_offset = true;
      } else if (key == "channels") {
        if (nodes_[self].end_site) throw Error(where(path_, t.line), "End Site cannot have CHANNELS");
        if (has_channels) throw Error(where(path_, t.line), "second CHANNELS in " + describe(self));
        has_channels = true;
        if (at_end()) throw Error(where(path_, t.line), "CHANNELS without a count");
        const Token count_tok = next();
        long long count = 0;
        if (!mocap::parse_int(count_tok.text, count) || count < 0 || count > kMaxChannels)
          throw Error(where(path_, count_tok.line),
                      "CHANNELS count '" + std::string(count_tok.text) + "' of " + describe(self) + " is not 0.." +
                          std::to_string(kMaxChannels));
        std::vector<Channel> chans;
        while (static_cast<long long>(chans.size()) < count) {
          Channel ch;
          if (at_end() || !channel_from_name(peek().text, ch)) {
            const int line = at_end() ? t.line : peek().line;
            throw Error(where(path_, line),
                        "channel count mismatch: CHANNELS of " + describe(self) + " declares " + std::to_string(count) +
                            " but lists " + std::to_string(chans.size()) +
                            (at_end() ? std::string() : " (then '" + std::string(peek().text) + "')"));
          }
          chans.push_back(ch);
          ++pos_;
        }
        // A channel name right after the declared count means the count is too small.
        Channel extra;
        if (!at_end() && peek().line == count_tok.line && channel_from_name(peek().text, extra))
          throw Error(where(path_, peek().line), "channel count mismatch: CHANNELS of " + describe(self) + " declares " +
                                                     std::to_string(count) + " but lists more");
        nodes_[self].channels = std::move(chans);
      } else if (key == "joint" || key == "end") {
        if (nodes_[self].end_site) throw Error(where(path_, t.line), "End Site cannot have children");
        parse_joint(t, self, depth + 1);
      } else if (key == "root") {
        throw Error(where(path_, t.line), missing_brace(nodes_[self]) + " before ROOT");
      } else {
        throw Error(where(path_, t.line), "unknown keyword '" + std::string(t.text) + "' in " + describe(self));
      }
    }
    if (!has_offset) throw Error(where(path_, node.line), describe(self) + " has no OFFSET");
  }

  std::string describe(int i) const {
    const Node& n = nodes_[i];
    if (n.end_site) return "End Site of " + nodes_[n.parent].name;
    return "joint " + n.name;
  }

  const std::string& path_;
  std::vector<Token> tokens_;
  int motion_line_;
  size_t pos_ = 0;
  std::vector<Node> nodes_;
};

// Reads "Frames: N" / "Frame Time: t" — key up to ':' (spacing varies: "Frames:\t24"), value after.
bool header_value(const Line& line, const std::string& key, std::string_view& value) {
  std::string_view s = mocap::trim(line.text);
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string k = lower(std::string(mocap::trim(s.substr(0, colon))));
  k.erase(std::remove_if(k.begin(), k.end(), [](char c) { return mocap::is_space(c); }), k.end());
  if (k != key) return false;
  value = mocap::trim(s.substr(colon + 1));
  return true;
}

Tracks read_bvh(const std::string& path, const ReadOptions& options) {
  mocap::check_params(path, options, {"end_sites", "scale", "units", "position_channels"}, "bvh");
  const bool with_end_sites = mocap::param_flag(path, options, "end_sites", false);
  const double scale = mocap::param_double(path, options, "scale", 1.0);
  if (!(scale > 0)) throw Error(path, "parameter scale must be > 0");
  bool add_positions = false;
  if (auto it = options.params.find("position_channels"); it != options.params.end()) {
    if (it->second == "add") add_positions = true;
    else if (it->second != "replace")
      throw Error(path, "parameter position_channels='" + it->second + "' must be 'replace' or 'add'");
  }

  const std::string text = read_text_file(path);
  std::string_view body(text);
  if (mocap::starts_with(body, "\xEF\xBB\xBF")) body.remove_prefix(3);  // UTF-8 BOM
  const std::vector<Line> lines = mocap::split_lines(body);

  // ---- HIERARCHY: tokens up to the MOTION line ----
  std::vector<Token> tokens;
  size_t motion_index = lines.size();
  {
    std::vector<std::string_view> toks;
    for (size_t i = 0; i < lines.size(); ++i) {
      mocap::split_tokens(lines[i].text, toks);
      if (!toks.empty() && mocap::lower_copy(toks[0]) == "motion") {
        motion_index = i;
        break;
      }
      for (auto t : toks) tokens.push_back({t, lines[i].number});
    }
  }
  const int motion_line = motion_index < lines.size() ? lines[motion_index].number
                                                      : (lines.empty() ? 1 : lines.back().number);
  std::vector<Node> nodes = HierarchyParser(path, std::move(tokens), motion_line).parse();
  if (motion_index >= lines.size()) throw Error(where(path, motion_line), "no MOTION section (file truncated?)");

  int num_channels = 0;
  for (auto& n : nodes) {
    n.first_channel = num_channels;
    num_channels += static_cast<int>(n.channels.size());
  }

  // ---- MOTION header ----
  size_t li = motion_index + 1;
  auto next_nonempty = [&]() {
    while (li < lines.size() && mocap::trim(lines[li].text).empty()) ++li;
  };
  next_nonempty();
  std::string_view value;
  if (li >= lines.size() || !header_value(lines[li], "frames", value))
    throw Error(where(path, li < lines.size() ? lines[li].number : motion_line), "expected 'Frames: N' after MOTION");
  long long declared = 0;
  if (!mocap::parse_int(value, declared))
    throw Error(where(path, lines[li].number), "Frames: '" + std::string(value) + "' is not an integer");
  if (declared <= 0) throw Error(where(path, lines[li].number), "Frames: " + std::to_string(declared) + " (no motion)");
  if (declared > kMaxFrames)
    throw Error(where(path, lines[li].number), "absurd frame count " + std::to_string(declared));
  const int frames_line = lines[li].number;
  ++li;
  next_nonempty();
  if (li >= lines.size() || !header_value(lines[li], "frametime", value))
    throw Error(where(path, li < lines.size() ? lines[li].number : frames_line), "expected 'Frame Time: seconds' after Frames:");
  double frame_time = 0;
  if (!mocap::parse_double(value, frame_time) || !(frame_time > 0) || frame_time > 3600)
    throw Error(where(path, lines[li].number), "Frame Time '" + std::string(value) + "' is not a positive number of seconds");
  ++li;

  // Frame lines: count first, so a lying "Frames:" header is reported before anything is allocated.
  std::vector<size_t> frame_lines;
  for (size_t i = li; i < lines.size(); ++i)
    if (!mocap::trim(lines[i].text).empty()) frame_lines.push_back(i);
  if (static_cast<long long>(frame_lines.size()) < declared)
    throw Error(where(path, lines.empty() ? 1 : lines.back().number),
                "truncated motion: Frames: " + std::to_string(declared) + " (line " + std::to_string(frames_line) +
                    ") but only " + std::to_string(frame_lines.size()) + " frame lines");
  if (static_cast<long long>(frame_lines.size()) > declared)
    throw Error(where(path, lines[frame_lines[declared]].number),
                "more frame lines than Frames: " + std::to_string(declared) + " declares");
  const int frames = static_cast<int>(declared);

  // ---- skeleton: joints, optionally with end sites ----
  auto skeleton = std::make_shared<Skeleton>();
  skeleton->name = "";
  skeleton->description = "BVH hierarchy of " + stem_of(path);
  std::vector<int> out_index(nodes.size(), -1);
  std::vector<int> out_nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].end_site && !with_end_sites) continue;
    out_index[i] = static_cast<int>(out_nodes.size());
    out_nodes.push_back(static_cast<int>(i));
  }
  {
    std::map<std::string, int> seen;
    for (int n : out_nodes) {
      auto [it, fresh] = seen.emplace(nodes[n].name, nodes[n].line);
      if (!fresh)
        throw Error(where(path, nodes[n].line),
                    "duplicate joint name '" + nodes[n].name + "' (first at line " + std::to_string(it->second) + ")");
      skeleton->joints.push_back(nodes[n].name);
      skeleton->parents.push_back(nodes[n].parent < 0 ? -1 : out_index[nodes[n].parent]);
    }
  }
  skeleton->symmetry = mocap::symmetry_by_name(skeleton->joints);

  PoseSequence seq(skeleton, frames, 3);
  // Frame Time is usually printed rounded (".0083333" = 120.0005 fps); snap to the integer rate it
  // stands for so that sequences from the same rig compare equal. 29.97 fps (0.0333667) is left alone.
  double fps = 1.0 / frame_time;
  if (std::abs(fps - std::round(fps)) < 0.01) fps = std::round(fps);
  seq.fps = options.fps > 0 ? options.fps : fps;
  if (auto it = options.params.find("units"); it != options.params.end()) seq.units = it->second;
  seq.name = stem_of(path);

  // ---- forward kinematics, frame by frame ----
  const size_t N = nodes.size();
  std::vector<Eigen::Matrix3d> global_rot(N);
  std::vector<Eigen::Vector3d> global_pos(N);
  std::vector<double> values(static_cast<size_t>(num_channels));
  std::vector<std::string_view> toks;
  const double deg = 3.14159265358979323846 / 180.0;
  for (int f = 0; f < frames; ++f) {
    const Line& line = lines[frame_lines[f]];
    mocap::split_tokens(line.text, toks);
    if (static_cast<int>(toks.size()) != num_channels)
      throw Error(where(path, line.number), "frame " + std::to_string(f) + " has " + std::to_string(toks.size()) +
                                                " values, expected " + std::to_string(num_channels) +
                                                " (channels declared in HIERARCHY)");
    for (int c = 0; c < num_channels; ++c)
      if (!mocap::parse_double(toks[c], values[c]))
        throw Error(where(path, line.number), "frame " + std::to_string(f) + ", value " + std::to_string(c + 1) + ": '" +
                                                  std::string(toks[c]) + "' is not a finite number");
    for (size_t i = 0; i < N; ++i) {
      const Node& n = nodes[i];
      Eigen::Vector3d t = n.offset;
      Eigen::Matrix3d r = Eigen::Matrix3d::Identity();
      bool position_seen[3] = {false, false, false};
      for (size_t c = 0; c < n.channels.size(); ++c) {
        const double v = values[n.first_channel + c];
        switch (n.channels[c]) {
          case Channel::kXpos:
          case Channel::kYpos:
          case Channel::kZpos: {
            const int axis = static_cast<int>(n.channels[c]) - static_cast<int>(Channel::kXpos);
            if (add_positions || position_seen[axis]) t[axis] += v;
            else t[axis] = v;
            position_seen[axis] = true;
            break;
          }
          case Channel::kXrot: r = r * Eigen::AngleAxisd(v * deg, Eigen::Vector3d::UnitX()).toRotationMatrix(); break;
          case Channel::kYrot: r = r * Eigen::AngleAxisd(v * deg, Eigen::Vector3d::UnitY()).toRotationMatrix(); break;
          case Channel::kZrot: r = r * Eigen::AngleAxisd(v * deg, Eigen::Vector3d::UnitZ()).toRotationMatrix(); break;
        }
      }
      if (n.parent < 0) {
        global_pos[i] = t;
        global_rot[i] = r;
      } else {
        global_pos[i] = global_pos[n.parent] + global_rot[n.parent] * t;
        global_rot[i] = global_rot[n.parent] * r;
      }
      const int j = out_index[i];
      if (j >= 0)
        for (int d = 0; d < 3; ++d) seq.at(f, j, d) = static_cast<float>(global_pos[i][d] * scale);
    }
  }
  seq.validate(path);
  return {std::move(seq)};
}

bool sniff_bvh(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char buf[64] = {};
  in.read(buf, sizeof(buf));
  std::string_view s(buf, static_cast<size_t>(in.gcount()));
  if (mocap::starts_with(s, "\xEF\xBB\xBF")) s.remove_prefix(3);
  s = mocap::trim(s);
  return mocap::lower_copy(s.substr(0, 9)) == "hierarchy";
}

}  // namespace

Format bvh_format() {
  Format f;
  f.name = "bvh";
  f.description = "BVH motion capture (read): joint positions by forward kinematics";
  f.extensions = {".bvh"};
  f.is_folder = false;
  f.sniff = sniff_bvh;
  f.read = read_bvh;
  // No writer: a PoseSequence holds joint positions only, and BVH stores per-joint rotations; going
  // back needs inverse kinematics (bone rest directions, twist about each bone is unrecoverable from
  // positions), which is a modelling choice, not a format conversion.
  f.write = nullptr;
  return f;
}

}  // namespace kinepose
