// CSV: one row per (track, frame, joint), easy to load in pandas / spreadsheets.
//
//   # skeleton: coco17
//   # fps: 30
//   # image_size: 1920x1080
//   # units: px
//   # name: clip01
//   track,frame,joint,x,y[,z],score
//   0,0,nose,512.25,300.5,0.93
//
// The "# key: value" lines make the round trip lossless (floats are written with %.9g, fps with
// %.17g); other '#' lines are comments. Missing coordinates are empty fields or "nan"; an empty
// track field means the sequence has no track id; an empty score column means no scores. Rows may
// be omitted (the joint is then missing, score 0). Boxes are not stored in CSV.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace kinepose {

namespace {

constexpr int64_t kMaxFrames = 10'000'000;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Splits one CSV line; double-quoted fields may contain commas ("" is a literal quote).
std::vector<std::string> split_csv(const std::string& line, const std::string& where) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"' && trim(field).empty()) {
      quoted = was_quoted = true;
      field.clear();
    } else if (c == ',') {
      out.push_back(was_quoted ? field : trim(field));
      field.clear();
      was_quoted = false;
    } else {
      field += c;
    }
  }
  if (quoted) throw Error(where, "unterminated quoted field");
  out.push_back(was_quoted ? field : trim(field));
  return out;
}

// Empty / "nan" = missing; anything else must be a whole finite number.
bool parse_number(const std::string& s, double& out) {
  if (s.empty() || lower(s) == "nan") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  errno = 0;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && end != s.c_str();
}

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtoll(s.c_str(), &end, 10);
  return errno == 0 && end == s.c_str() + s.size();
}

struct Row {
  int64_t frame;
  int joint;
  float xyz[3];
  float score;
  bool has_score;
  size_t line;
};

struct TrackRows {
  std::optional<int64_t> id;
  std::vector<Row> rows;
  int64_t max_frame = -1;
};

Tracks read_csv_poses(const std::string& path, const ReadOptions& options) {
  for (const auto& [key, value] : options.params)
    throw Error(path, "unknown option '" + key + "' for the csv format (it takes none)");
  const std::string text = read_text_file(path);
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  std::map<std::string, std::string> meta;
  std::vector<std::string> header;
  size_t header_line = 0;
  auto at = [&](size_t n) { return path + ":" + std::to_string(n); };

  // Metadata and the header row.
  while (std::getline(in, line)) {
    ++lineno;
    const std::string t = trim(line);
    if (t.empty()) continue;
    if (t[0] == '#') {
      const std::string body = trim(t.substr(1));
      const size_t colon = body.find(':');
      if (colon != std::string::npos) meta[lower(trim(body.substr(0, colon)))] = trim(body.substr(colon + 1));
      continue;
    }
    header = split_csv(t, at(lineno));
    header_line = lineno;
    break;
  }
  if (header.empty()) throw Error(path, "no header row (expected track,frame,joint,x,y[,z],score)");

  int col_track = -1, col_frame = -1, col_joint = -1, col_x = -1, col_y = -1, col_z = -1, col_score = -1;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string h = lower(header[c]);
    int* slot = h == "track" ? &col_track : h == "frame" ? &col_frame : h == "joint" ? &col_joint : h == "x" ? &col_x
              : h == "y" ? &col_y : h == "z" ? &col_z : h == "score" ? &col_score : nullptr;
    if (!slot) throw Error(at(header_line), "unknown column '" + header[c] + "' (expected track,frame,joint,x,y[,z],score)");
    if (*slot >= 0) throw Error(at(header_line), "duplicate column '" + header[c] + "'");
    *slot = static_cast<int>(c);
  }
  if (col_frame < 0 || col_joint < 0 || col_x < 0 || col_y < 0)
    throw Error(at(header_line), "header must have frame, joint, x and y columns (expected track,frame,joint,x,y[,z],score)");
  const int dims = col_z >= 0 ? 3 : 2;

  std::string skel_name = options.skeleton.empty() ? (meta.count("skeleton") ? meta["skeleton"] : "") : options.skeleton;
  if (skel_name.empty()) throw Error(path, "no skeleton: add a '# skeleton: NAME' line or pass --skeleton");
  SkeletonPtr skel;
  try {
    skel = get_skeleton(skel_name);
  } catch (const Error& e) {
    throw Error(path, e.detail());  // already "unknown skeleton 'x' (known: ...)"
  }

  double fps = 0.0;
  if (meta.count("fps")) {
    if (!parse_number(meta["fps"], fps) || !std::isfinite(fps) || fps < 0)
      throw Error(path, "bad '# fps:' value '" + meta["fps"] + "' (expected a finite number >= 0)");
  }
  if (options.fps > 0) fps = options.fps;
  std::optional<std::array<int, 2>> image_size;
  if (meta.count("image_size")) {
    int w = 0, h = 0;
    char extra = 0;
    if (std::sscanf(meta["image_size"].c_str(), "%dx%d%c", &w, &h, &extra) != 2 || w <= 0 || h <= 0 || w > 100000 || h > 100000)
      throw Error(path, "bad '# image_size:' value '" + meta["image_size"] + "' (expected WIDTHxHEIGHT)");
    image_size = std::array<int, 2>{w, h};
  }
  std::string units = meta.count("units") ? meta["units"] : "";
  if (!units.empty() && units != "px" && units != "mm" && units != "m")
    throw Error(path, "unknown units '" + units + "' (expected px, mm or m)");

  std::vector<TrackRows> tracks;
  std::map<std::string, size_t> track_index;  // track field text -> tracks[]
  std::map<std::tuple<size_t, int64_t, int>, size_t> seen;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto f = split_csv(t, at(lineno));
    if (f.size() != header.size())
      throw Error(at(lineno), "expected " + std::to_string(header.size()) + " columns, found " + std::to_string(f.size()));
    const std::string track_text = col_track >= 0 ? f[col_track] : "";
    auto it = track_index.find(track_text);
    if (it == track_index.end()) {
      TrackRows tr;
      if (!track_text.empty()) {
        int64_t id;
        if (!parse_int(track_text, id)) throw Error(at(lineno), "track '" + track_text + "' is not an integer");
        tr.id = id;
      }
      it = track_index.emplace(track_text, tracks.size()).first;
      tracks.push_back(std::move(tr));
    }
    TrackRows& tr = tracks[it->second];
    Row r{};
    r.line = lineno;
    if (!parse_int(f[col_frame], r.frame) || r.frame < 0 || r.frame >= kMaxFrames)
      throw Error(at(lineno), "frame '" + f[col_frame] + "' is not an integer in [0, 10000000)");
    r.joint = skel->find(f[col_joint]);
    if (r.joint < 0) {
      for (int j = 0; j < skel->num_joints() && r.joint < 0; ++j)
        if (lower(skel->joints[j]) == lower(f[col_joint])) r.joint = j;
      if (r.joint < 0) throw Error(at(lineno), "unknown joint '" + f[col_joint] + "' for skeleton " + skel->name);
    }
    const int cols[3] = {col_x, col_y, col_z};
    static const char* const kNames[3] = {"x", "y", "z"};
    for (int d = 0; d < dims; ++d) {
      double v;
      if (!parse_number(f[cols[d]], v)) throw Error(at(lineno), std::string(kNames[d]) + " '" + f[cols[d]] + "' is not a number");
      if (std::isinf(v) || (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()))
        throw Error(at(lineno), std::string(kNames[d]) + " is infinite");
      r.xyz[d] = static_cast<float>(v);
    }
    r.has_score = col_score >= 0 && !f[col_score].empty();
    if (r.has_score) {
      double v;
      if (!parse_number(f[col_score], v)) throw Error(at(lineno), "score '" + f[col_score] + "' is not a number");
      if (!std::isfinite(v)) throw Error(at(lineno), "score must be finite, got '" + f[col_score] + "'");
      r.score = static_cast<float>(v);
    }
    const auto key = std::make_tuple(it->second, r.frame, r.joint);
    auto [pos, inserted] = seen.emplace(key, lineno);
    if (!inserted)
      throw Error(at(lineno), "duplicate row for track " + (track_text.empty() ? "(none)" : track_text) + ", frame " +
                                  std::to_string(r.frame) + ", joint " + skel->joints[r.joint] + " (first at line " +
                                  std::to_string(pos->second) + ")");
    tr.max_frame = std::max(tr.max_frame, r.frame);
    tr.rows.push_back(r);
  }
  if (tracks.empty()) throw Error(path, "no data rows (empty sequence)");

  const std::string name = meta.count("name") ? meta["name"] : "";
  Tracks out;
  for (const TrackRows& tr : tracks) {
    PoseSequence seq(skel, static_cast<int>(tr.max_frame + 1), dims);
    const int J = skel->num_joints();
    const bool scored = std::any_of(tr.rows.begin(), tr.rows.end(), [](const Row& r) { return r.has_score; });
    if (scored) seq.scores.assign(static_cast<size_t>(seq.frames) * J, 0.0f);
    for (const Row& r : tr.rows) {
      for (int d = 0; d < dims; ++d) seq.at(static_cast<int>(r.frame), r.joint, d) = r.xyz[d];
      if (r.has_score) seq.score(static_cast<int>(r.frame), r.joint) = r.score;
    }
    seq.fps = fps;
    seq.image_size = image_size;
    seq.units = units;
    seq.track_id = tr.id;
    seq.name = name;
    seq.validate(path);
    out.push_back(std::move(seq));
  }
  return out;
}

void append_float(std::string& out, float v) {
  if (std::isnan(v)) return;  // missing: empty field
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  out += buf;
}

void write_csv_poses(const std::string& path, const Tracks& tracks, const WriteOptions&) {
  if (tracks.empty()) throw Error(path, "nothing to write (no pose sequence)");
  const PoseSequence& first = tracks.front();
  for (const auto& t : tracks) t.validate(path);
  if (first.skeleton->name.empty())
    throw Error(path, "the csv format stores registry skeletons only; this file-defined skeleton (e.g. from BVH/AMC) can be written to .npz instead");
  std::map<int64_t, size_t> ids;
  size_t without_id = 0;
  for (size_t p = 0; p < tracks.size(); ++p) {
    const PoseSequence& s = tracks[p];
    const std::string which = "track " + std::to_string(p) + ": ";
    if (s.skeleton->name != first.skeleton->name)
      throw Error(path, which + "skeleton " + s.skeleton->name + " differs from " + first.skeleton->name + " (one skeleton per file)");
    if (s.dims != first.dims) throw Error(path, which + "tracks mix 2D and 3D keypoints");
    if (s.fps != first.fps) throw Error(path, which + "tracks disagree on fps");
    if (s.image_size != first.image_size) throw Error(path, which + "tracks disagree on image size");
    if (s.units != first.units) throw Error(path, which + "tracks disagree on units");
    if (s.track_id) {
      if (ids.count(*s.track_id)) throw Error(path, which + "duplicate track id " + std::to_string(*s.track_id));
      ids[*s.track_id] = p;
    } else {
      ++without_id;
    }
  }
  if (without_id > 1 || (without_id == 1 && tracks.size() > 1))
    throw Error(path, "several tracks need distinct track ids to be told apart in CSV");

  std::string out = "# kinepose pose csv: one row per (track, frame, joint); empty = missing\n";
  out += "# skeleton: " + first.skeleton->name + "\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", first.fps);
  out += std::string("# fps: ") + buf + "\n";
  if (first.image_size) out += "# image_size: " + std::to_string((*first.image_size)[0]) + "x" + std::to_string((*first.image_size)[1]) + "\n";
  if (!first.units.empty()) out += "# units: " + first.units + "\n";
  const bool same_name = std::all_of(tracks.begin(), tracks.end(), [&](const PoseSequence& s) { return s.name == first.name; });
  if (!first.name.empty() && same_name && first.name.find('\n') == std::string::npos) out += "# name: " + first.name + "\n";
  out += first.dims == 3 ? "track,frame,joint,x,y,z,score\n" : "track,frame,joint,x,y,score\n";
  for (const PoseSequence& s : tracks) {
    const std::string track = s.track_id ? std::to_string(*s.track_id) : "";
    for (int t = 0; t < s.frames; ++t) {
      const std::string prefix = track + "," + std::to_string(t) + ",";
      for (int j = 0; j < s.joints(); ++j) {
        out += prefix;
        out += s.skeleton->joints[j];
        for (int d = 0; d < s.dims; ++d) {
          out += ',';
          append_float(out, s.at(t, j, d));
        }
        out += ',';
        if (s.has_scores()) append_float(out, s.score(t, j));
        out += '\n';
      }
    }
  }
  write_text_file(path, out);
}

bool sniff_csv(const std::string& path) {
  if (extension_of(path) != ".csv") return false;
  try {
    const std::string text = read_text_file(path).substr(0, 4096);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      const std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      const std::string h = lower(t);
      return h.find("frame") != std::string::npos && h.find("joint") != std::string::npos;
    }
  } catch (const std::exception&) {
  }
  return false;
}

}  // namespace

Format csv_format() {
  Format f;
  f.name = "csv";
  f.description = "CSV, one row per (track, frame, joint): track,frame,joint,x,y[,z],score with '# key: value' metadata";
  f.extensions = {".csv"};
  f.sniff = sniff_csv;
  f.read = read_csv_poses;
  f.write = write_csv_poses;
  return f;
}

}  // namespace kinepose
