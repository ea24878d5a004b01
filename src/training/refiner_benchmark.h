// The one-table comparison of issue #5 behind `kinepose bench refiners` (docs/benchmarks.md): on
// Human3.6M Stacked-Hourglass detections vs projected ground truth (MPII-16), the rows of the
// classic-filter benchmark (raw detections, every filter at its default and tuned setting, tuning
// on S1-S8) followed by one row per learned model (HANet, SmoothNet, DeciWatch weights trained with
// `kinepose train`), all scored on the same test sequences with the same metrics. Torch-free
// interface.
#pragma once

#include <string>
#include <vector>

#include "evaluation/filter_benchmark.h"

namespace kinepose {

struct RefinerBenchmarkOptions {
  FilterBenchmarkOptions filters;   // data, subjects, cameras, actions, filters, PCK thresholds, progress
  std::vector<std::string> models;  // weights files; a row each, in this order
  bool skip_filters = false;        // only raw detections + the models (no tuning)
  int model_threads = 0;            // LibTorch threads for the learned rows (<= 0: one per core)
  int stride = 0;                   // window stride of every model, 0 = each model's default
};

// Runs the filter benchmark (unless skip_filters), then refines every test sequence with each model
// (`kinepose refine` path: default stride, missing joints filled, the model's normalisation) and
// appends its row: filter = the model's architecture, variant "learned", setting = file name and
// window; frames/s = test frames / wall seconds of refinement with model_threads threads.
// Throws Error naming the file for unreadable weights or a model whose skeleton is not mpii16 2D.
FilterBenchmarkResult run_refiner_benchmark(const RefinerBenchmarkOptions& options);

}  // namespace kinepose
