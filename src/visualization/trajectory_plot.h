// Trajectory plots: a PNG with one row of panels per selected joint (its x and y over time), each
// panel overlaying several versions of the same sequence (ground truth, noisy input, refined
// output) in distinct colours with a legend. Missing samples (NaN) show as gaps in the lines.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

struct TrajectorySeries {
  std::string label;                   // legend text, e.g. "ground truth"
  const PoseSequence* sequence = nullptr;
  std::array<uint8_t, 3> rgb{0, 0, 0};  // line colour; all zero = next colour of the default palette
  int thickness = 1;                    // line width in pixels
};

struct TrajectoryPlotOptions {
  // Joints to plot, by name; empty = the wrists, knees and ankles the first series' skeleton has
  // (or its first six joints when it has none of those).
  std::vector<std::string> joints;
  int panel_width = 460;   // plot area of one panel, pixels
  int panel_height = 150;
  std::string title;       // drawn above the legend; may be empty
};

// Encodes the plot as PNG bytes. Series are matched to the first series' joints by name; a series
// whose skeleton lacks a joint is left out of that joint's panels. Throws Error for no series, a
// null/empty/2D-less sequence, an unknown joint, or absurd panel sizes.
std::vector<uint8_t> render_trajectory_plot(const std::vector<TrajectorySeries>& series,
                                            const TrajectoryPlotOptions& options = {});
// Renders and writes atomically (temporary file, then rename).
void write_trajectory_plot(const std::string& path, const std::vector<TrajectorySeries>& series,
                           const TrajectoryPlotOptions& options = {});

}  // namespace kinepose
