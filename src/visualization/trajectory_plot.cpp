#include "visualization/trajectory_plot.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace kinepose {
namespace {

const char* kWhere = "trajectory plot";

// Joint names compared loosely ("LWrist" == "left_wrist" == "l_wrist").
std::string loose(const std::string& name) {
  std::string s;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"left", "l"}, {"right", "r"}})
    for (size_t pos; (pos = s.find(from)) != std::string::npos;) s.replace(pos, from.size(), to);
  return s;
}

int find_joint(const Skeleton& skel, const std::string& name) {
  const std::string n = loose(name);
  for (int j = 0; j < skel.num_joints(); ++j)
    if (loose(skel.joints[j]) == n) return j;
  return -1;
}

// Colour-blind-friendly palette (Okabe-Ito), RGB.
const std::array<std::array<uint8_t, 3>, 6> kPalette = {{
    {0, 158, 115}, {213, 94, 0}, {0, 114, 178}, {204, 121, 167}, {230, 159, 0}, {86, 180, 233}}};

cv::Scalar bgr(const std::array<uint8_t, 3>& rgb) { return cv::Scalar(rgb[2], rgb[1], rgb[0]); }

std::string format_number(double v) {
  char buf[32];
  const double a = std::fabs(v);
  std::snprintf(buf, sizeof buf, a >= 1000 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
  return buf;
}

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale = 0.4, cv::Scalar colour = {40, 40, 40}) {
  cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
}

int text_width(const std::string& s, double scale = 0.4) {
  int baseline = 0;
  return cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline).width;
}

}  // namespace

std::vector<uint8_t> render_trajectory_plot(const std::vector<TrajectorySeries>& series,
                                            const TrajectoryPlotOptions& options) {
  if (series.empty()) throw Error(kWhere, "nothing to plot: no series");
  for (const auto& s : series) {
    if (!s.sequence || !s.sequence->skeleton || s.sequence->frames < 1)
      throw Error(kWhere, "series '" + s.label + "' is empty");
    if (s.sequence->dims < 2) throw Error(kWhere, "series '" + s.label + "' has fewer than 2 dimensions");
  }
  if (options.panel_width < 50 || options.panel_width > 4000 || options.panel_height < 40 || options.panel_height > 4000)
    throw Error(kWhere, "panel size must be within 50x40 .. 4000x4000 pixels");

  const Skeleton& skel = *series[0].sequence->skeleton;
  std::vector<std::string> names = options.joints;
  if (names.empty()) {
    for (const char* n : {"left_wrist", "right_wrist", "left_knee", "right_knee", "left_ankle", "right_ankle"})
      if (find_joint(skel, n) >= 0) names.push_back(skel.joints[find_joint(skel, n)]);
    for (int j = 0; names.empty() && j < std::min(6, skel.num_joints()); ++j) names.push_back(skel.joints[j]);
    if (names.empty()) names = skel.joints;
  }
  if (names.size() > 64) throw Error(kWhere, "too many joints to plot (" + std::to_string(names.size()) + ", at most 64)");
  for (const auto& n : names)
    if (find_joint(skel, n) < 0) throw Error(kWhere, "joint '" + n + "' is not in skeleton '" + skel.name + "'");

  // Colours: explicit, else the palette in series order.
  std::vector<cv::Scalar> colours;
  for (size_t i = 0, next = 0; i < series.size(); ++i) {
    const auto& c = series[i].rgb;
    colours.push_back(c[0] || c[1] || c[2] ? bgr(c) : bgr(kPalette[next++ % kPalette.size()]));
  }

  int frames = 0;
  for (const auto& s : series) frames = std::max(frames, s.sequence->frames);
  const std::string units = series[0].sequence->units.empty() ? "" : " [" + series[0].sequence->units + "]";

  const int pw = options.panel_width, ph = options.panel_height;
  const int left = 62, right = 14, top = 26, bottom = 34;  // margins around each plot area
  const int cell_w = left + pw + right, cell_h = top + ph + bottom;
  const int header = options.title.empty() ? 34 : 58;
  const int rows = static_cast<int>(names.size());
  cv::Mat img(header + rows * cell_h, 2 * cell_w, CV_8UC3, cv::Scalar(255, 255, 255));

  // Title and legend.
  int y0 = 20;
  if (!options.title.empty()) {
    text(img, options.title, {10, y0}, 0.55);
    y0 += 24;
  }
  int lx = 10;
  for (size_t i = 0; i < series.size(); ++i) {
    cv::line(img, {lx, y0 - 4}, {lx + 26, y0 - 4}, colours[i], std::max(2, series[i].thickness), cv::LINE_AA);
    text(img, series[i].label, {lx + 32, y0}, 0.45);
    lx += 32 + text_width(series[i].label, 0.45) + 24;
  }

  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < 2; ++c) {
      const int ox = c * cell_w + left, oy = header + r * cell_h + top;
      // Value range over every series' present samples of this joint/coordinate.
      double lo = INFINITY, hi = -INFINITY;
      std::vector<int> joint_of(series.size());
      for (size_t i = 0; i < series.size(); ++i) {
        const PoseSequence& s = *series[i].sequence;
        joint_of[i] = find_joint(*s.skeleton, names[r]);
        if (joint_of[i] < 0) continue;
        for (int t = 0; t < s.frames; ++t) {
          const double v = s.at(t, joint_of[i], c);
          if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
        }
      }
      if (!std::isfinite(lo)) lo = 0.0, hi = 1.0;
      if (hi - lo < 1e-6) lo -= 1.0, hi += 1.0;
      const double pad = 0.06 * (hi - lo);
      lo -= pad, hi += pad;
      auto px = [&](double t) { return ox + (frames > 1 ? t / (frames - 1) : 0.5) * pw; };
      auto py = [&](double v) { return oy + ph - (v - lo) / (hi - lo) * ph; };

      // Frame, grid and tick labels.
      for (int k = 0; k <= 4; ++k) {
        const int gy = static_cast<int>(std::lround(oy + k * ph / 4.0));
        cv::line(img, {ox, gy}, {ox + pw, gy}, cv::Scalar(232, 232, 232), 1);
        const std::string label = format_number(hi - k * (hi - lo) / 4.0);
        text(img, label, {ox - 6 - text_width(label, 0.35), gy + 4}, 0.35);
      }
      for (int k = 0; k <= 4; ++k) {
        const int f = static_cast<int>(std::lround(k * (frames - 1) / 4.0));
        const int gx = static_cast<int>(std::lround(px(f)));
        cv::line(img, {gx, oy}, {gx, oy + ph}, cv::Scalar(232, 232, 232), 1);
        const std::string label = std::to_string(f);
        text(img, label, {gx - text_width(label, 0.35) / 2, oy + ph + 14}, 0.35);
      }
      cv::rectangle(img, {ox, oy}, {ox + pw, oy + ph}, cv::Scalar(120, 120, 120), 1);
      text(img, names[r] + (c == 0 ? "  x" : "  y") + units, {ox, oy - 8}, 0.45);
      text(img, "frame", {ox + pw / 2 - text_width("frame", 0.35) / 2, oy + ph + 28}, 0.35, {90, 90, 90});

      // Lines, broken at missing samples; drawn with 4x sub-pixel precision (shift = 2).
      cv::Mat roi = img(cv::Rect(ox, oy, pw + 1, ph + 1));
      for (size_t i = 0; i < series.size(); ++i) {
        if (joint_of[i] < 0) continue;
        const PoseSequence& s = *series[i].sequence;
        bool have_prev = false;
        cv::Point prev;
        for (int t = 0; t < s.frames; ++t) {
          const double v = s.at(t, joint_of[i], c);
          if (!std::isfinite(v) || s.missing(t, joint_of[i])) {
            have_prev = false;
            continue;
          }
          const cv::Point p(static_cast<int>(std::lround((px(t) - ox) * 4)), static_cast<int>(std::lround((py(v) - oy) * 4)));
          if (have_prev) cv::line(roi, prev, p, colours[i], series[i].thickness, cv::LINE_AA, 2);
          else if (t + 1 >= s.frames || s.missing(t + 1, joint_of[i]))  // an isolated sample: a dot
            cv::circle(roi, p, 4 * std::max(1, series[i].thickness), colours[i], cv::FILLED, cv::LINE_AA, 2);
          prev = p;
          have_prev = true;
        }
      }
    }
  }

  std::vector<uint8_t> png;
  if (!cv::imencode(".png", img, png)) throw Error(kWhere, "PNG encoding failed");
  return png;
}

void write_trajectory_plot(const std::string& path, const std::vector<TrajectorySeries>& series,
                           const TrajectoryPlotOptions& options) {
  const std::vector<uint8_t> png = render_trajectory_plot(series, options);
  write_atomically(path, [&](const std::string& tmp) {
    std::ofstream f(tmp, std::ios::binary);
    f.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
    f.close();
    if (!f) throw Error(path, "cannot write file");
  });
}

}  // namespace kinepose
