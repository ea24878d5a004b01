// Small text-parsing helpers shared by the mocap readers (BVH, ASF/AMC): line splitting that
// tolerates CRLF / LF / lone-CR / mixed endings, fast locale-independent number parsing, left/right
// pairing by joint name, and strict ReadOptions param handling. Internal to src/io.
#pragma once

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kinepose/error.h"
#include "kinepose/io.h"

namespace kinepose::mocap {

// One line of a text file, without its terminator; `number` is 1-based for error messages.
struct Line {
  std::string_view text;
  int number;
};

// Real mocap files mix "\r\n" and "\n" (CMU 131_0x.bvh) and old Mac tools wrote lone "\r", so every
// one of them ends a line. A trailing line without terminator is kept.
inline std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  size_t start = 0;
  int number = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\n' && c != '\r') continue;
    lines.push_back({text.substr(start, i - start), number++});
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back({text.substr(start), number});
  return lines;
}

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Appends the whitespace-separated tokens of `s` to `out` (cleared first); reuses its capacity so the
// per-frame loops do not allocate.
inline void split_tokens(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const size_t b = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
}

inline std::vector<std::string_view> tokens_of(std::string_view s) {
  std::vector<std::string_view> out;
  split_tokens(s, out);
  return out;
}

// Parses a whole token as a finite double. std::from_chars is locale-independent and fast; it
// rejects a leading '+', which some exporters write, so that is skipped here. "nan"/"inf" are refused
// because positions derived from them are meaningless.
inline bool parse_double(std::string_view tok, double& out) {
  if (!tok.empty() && tok.front() == '+') tok.remove_prefix(1);
  if (tok.empty()) return false;
  const char* end = tok.data() + tok.size();
  auto [ptr, ec] = std::from_chars(tok.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

inline bool parse_int(std::string_view tok, long long& out) {
  if (!tok.empty() && tok.front() == '+') tok.remove_prefix(1);
  if (tok.empty()) return false;
  const char* end = tok.data() + tok.size();
  auto [ptr, ec] = std::from_chars(tok.data(), end, out);
  return ec == std::errc() && ptr == end;
}

inline std::string lower_copy(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

inline bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
inline bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Candidate right-side names for a left-side joint name, covering the spellings mocap files use:
// "LeftUpLeg"/"RightUpLeg", "LHipJoint"/"RHipJoint" (capital L prefix), "lfemur"/"rfemur" (Acclaim),
// "Shoulder_L"/"Shoulder_R", "hand.l"/"hand.r". Only pairs where both names exist are used, so the
// permissive rules (e.g. "lowerback" -> "rowerback") never create false pairs.
inline std::vector<std::string> right_names_for(const std::string& left) {
  std::vector<std::string> out;
  auto replace_first = [&](const std::string& from, const std::string& to) {
    const size_t p = left.find(from);
    if (p != std::string::npos) out.push_back(left.substr(0, p) + to + left.substr(p + from.size()));
  };
  replace_first("Left", "Right");
  replace_first("left", "right");
  replace_first("LEFT", "RIGHT");
  if (left.size() > 1 && left[0] == 'L') out.push_back("R" + left.substr(1));
  if (left.size() > 1 && left[0] == 'l') out.push_back("r" + left.substr(1));
  for (const char* suf : {"_L", "_l", ".L", ".l", "_Left", "_left"}) {
    const std::string s(suf);
    if (ends_with(left, s)) {
      std::string r = s;
      if (s == "_Left") r = "_Right";
      else if (s == "_left") r = "_right";
      else r.back() = (s.back() == 'L') ? 'R' : 'r';
      out.push_back(left.substr(0, left.size() - s.size()) + r);
    }
  }
  return out;
}

inline std::vector<std::pair<int, int>> symmetry_by_name(const std::vector<std::string>& names) {
  std::map<std::string, int> index;
  for (size_t i = 0; i < names.size(); ++i) index.emplace(names[i], static_cast<int>(i));
  std::vector<std::pair<int, int>> pairs;
  std::set<int> used;
  for (size_t i = 0; i < names.size(); ++i) {
    if (used.count(static_cast<int>(i))) continue;
    for (const auto& cand : right_names_for(names[i])) {
      auto it = index.find(cand);
      if (it == index.end() || it->second == static_cast<int>(i) || used.count(it->second)) continue;
      pairs.emplace_back(static_cast<int>(i), it->second);
      used.insert(static_cast<int>(i));
      used.insert(it->second);
      break;
    }
  }
  return pairs;
}

// ReadOptions::params with the keys a format accepts; any other key is an Error (io.h: "Unknown keys
// are an error"), so a typo like "scal=2" is not silently ignored.
inline void check_params(const std::string& path, const ReadOptions& options, const std::set<std::string>& allowed,
                         const std::string& format_name) {
  for (const auto& [key, value] : options.params) {
    if (allowed.count(key)) continue;
    std::string list;
    for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
    throw Error(path, "unknown " + format_name + " read parameter '" + key + "' (known: " + list + ")");
  }
}

inline double param_double(const std::string& path, const ReadOptions& options, const std::string& key, double def) {
  auto it = options.params.find(key);
  if (it == options.params.end()) return def;
  double v = 0;
  if (!parse_double(trim(it->second), v)) throw Error(path, "parameter " + key + "='" + it->second + "' is not a finite number");
  return v;
}

inline bool param_flag(const std::string& path, const ReadOptions& options, const std::string& key, bool def) {
  auto it = options.params.find(key);
  if (it == options.params.end()) return def;
  const std::string& v = it->second;
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  throw Error(path, "parameter " + key + "='" + v + "' must be 0 or 1");
}

inline std::string where(const std::string& path, int line) { return path + ":" + std::to_string(line); }

}  // namespace kinepose::mocap
