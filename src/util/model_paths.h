// Where kinepose finds the models it ships (models/ of the repository, or an installed copy) and
// which one `kinepose refine` uses when no --model is given. Torch-free.
#pragma once

#include <string>
#include <vector>

namespace kinepose {

// One shipped default model.
struct DefaultModel {
  std::string skeleton;     // input skeleton it refines
  int dims = 2;             // 2D or 3D
  bool live = false;        // the causal model of `refine --live`
  std::string file;         // file name under models/
  std::string description;  // one line for errors and --help
};

// The table of shipped defaults (docs/models.md).
const std::vector<DefaultModel>& default_models();

// Folders searched, in order: $KINEPOSE_MODELS, <executable dir>/../models, <executable dir>/models,
// <executable dir>/../share/kinepose/models, ./models.
std::vector<std::string> model_search_dirs();

// The path of a shipped model file; throws Error(file_name, "not found in ...") listing the folders.
std::string find_model_file(const std::string& file_name);

// The shipped default lifter of `kinepose lift` (MPII-16 2D -> H36M-17 3D), a file name under models/.
std::string default_lifter_file();

// The default model for poses of `skeleton` with `dims` coordinates. Throws Error(where, ...) when
// there is none, naming the skeletons that have one and how to convert or what to pass instead.
std::string default_model_path(const std::string& skeleton, int dims, bool live, const std::string& where);

}  // namespace kinepose
