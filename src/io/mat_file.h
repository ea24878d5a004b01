// MATLAB v5 (.mat) files through matio, with kinepose errors instead of matio's stderr messages:
// the container under the Penn Action and JHMDB label readers. Internal to src/io.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

struct _mat_t;  // matio's handle (kept out of this header so only mat_file.cpp includes matio.h)

namespace kinepose {

// A real numeric MATLAB array converted to double. MATLAB stores arrays column-major (first index
// fastest), which `at` follows.
struct MatArray {
  std::vector<size_t> dims;   // MATLAB dims (rank >= 2)
  std::vector<double> data;   // column-major
  size_t size() const { return data.size(); }
  size_t dim(size_t i) const { return i < dims.size() ? dims[i] : 1; }
  double at(size_t i, size_t j) const { return data[i + j * dim(0)]; }
  double at(size_t i, size_t j, size_t k) const { return data[i + dim(0) * (j + dim(1) * k)]; }
  std::string shape_string() const;  // "80x13"
};

class MatFile {
 public:
  // Throws Error(path, ...) when the file is missing, is a folder, or is not a MATLAB file matio reads.
  explicit MatFile(const std::string& path);
  ~MatFile();
  MatFile(const MatFile&) = delete;
  MatFile& operator=(const MatFile&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<std::string>& variables() const { return names_; }
  bool has(const std::string& name) const;
  // Throws Error naming the file and the variable when it is absent, not a real numeric array
  // (struct, cell, sparse, complex, char), truncated, or larger than max_elements.
  MatArray numeric(const std::string& name, size_t max_elements = 200'000'000) const;
  // A char array as UTF-8 (rows joined with '\n'); throws like numeric().
  std::string text(const std::string& name) const;

 private:
  std::string path_;
  _mat_t* mat_ = nullptr;
  std::vector<std::string> names_;
};

// True when `path` is a readable .mat file holding every one of `variables` (never throws).
bool mat_has_variables(const std::string& path, const std::vector<std::string>& variables);

}  // namespace kinepose
