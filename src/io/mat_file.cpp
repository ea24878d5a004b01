#include "io/mat_file.h"

#include <matio.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>

#include "kinepose/error.h"

namespace fs = std::filesystem;

namespace kinepose {

namespace {

// matio prints warnings and errors to stderr by default (and its default handler aborts on
// LOG_LEVEL_ERROR); every problem is reported to the caller as an Error instead, so its own
// messages only go to the debug log.
void quiet_matio_log(int /*level*/, char* message) { spdlog::debug("matio: {}", message ? message : ""); }

void install_quiet_log() {
  static std::once_flag once;
  std::call_once(once, [] { Mat_LogInitFunc("kinepose", quiet_matio_log); });
}

struct VarFree {
  void operator()(matvar_t* v) const { Mat_VarFree(v); }
};
using VarPtr = std::unique_ptr<matvar_t, VarFree>;

std::string dims_string(const size_t* dims, int rank) {
  std::string s;
  for (int i = 0; i < rank; ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s.empty() ? "0" : s;
}

const char* class_name(matio_classes c) {
  switch (c) {
    case MAT_C_CELL: return "a cell array";
    case MAT_C_STRUCT: return "a struct";
    case MAT_C_OBJECT: return "an object";
    case MAT_C_CHAR: return "a char array";
    case MAT_C_SPARSE: return "a sparse matrix";
    case MAT_C_FUNCTION: return "a function handle";
    case MAT_C_OPAQUE: return "an opaque object";
    default: return "a numeric array";
  }
}

bool is_numeric_class(matio_classes c) {
  switch (c) {
    case MAT_C_DOUBLE: case MAT_C_SINGLE: case MAT_C_INT8: case MAT_C_UINT8: case MAT_C_INT16:
    case MAT_C_UINT16: case MAT_C_INT32: case MAT_C_UINT32: case MAT_C_INT64: case MAT_C_UINT64:
      return true;
    default:
      return false;
  }
}

template <typename T>
void convert(const void* src, size_t n, std::vector<double>& out) {
  out.resize(n);
  const auto* p = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

void append_utf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// matio lists the variables of a v5 file until the first one it cannot parse and stays silent
// about the rest, so a cut-off file would quietly lose its last variables. Walking the top-level
// element tags (8-byte type + size, contents padded to 8 bytes unless compressed) finds that.
void check_v5_elements(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  char endian[2] = {0, 0};
  in.seekg(126);
  in.read(endian, 2);
  if (!in) throw Error(path, "truncated MATLAB header");
  const bool swap = endian[0] == 'M' && endian[1] == 'I';
  auto u32 = [swap](const unsigned char* b) {
    return swap ? (uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3])
                : (uint32_t(b[3]) << 24 | uint32_t(b[2]) << 16 | uint32_t(b[1]) << 8 | b[0]);
  };
  uint64_t pos = 128;
  int index = 0;
  while (pos < size) {
    unsigned char tag[8];
    in.seekg(static_cast<std::streamoff>(pos));
    in.read(reinterpret_cast<char*>(tag), 8);
    if (!in) throw Error(path, "truncated: variable #" + std::to_string(index + 1) + " is cut off in its header");
    const uint32_t type = u32(tag), nbytes = u32(tag + 4);
    const uint64_t end = pos + 8 + nbytes;
    if (end > size)
      throw Error(path, "truncated: variable #" + std::to_string(index + 1) + " needs " + std::to_string(nbytes) +
                            " bytes, the file ends after " + std::to_string(size - pos - 8));
    pos = type == MAT_T_COMPRESSED ? end : std::min<uint64_t>(size, (end + 7) / 8 * 8);
    ++index;
  }
}

}  // namespace

std::string MatArray::shape_string() const {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s.empty() ? "0" : s;
}

MatFile::MatFile(const std::string& path) : path_(path) {
  install_quiet_log();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path, "no such file");
  if (fs::is_directory(path, ec)) throw Error(path, "is a directory, expected a MATLAB .mat file");
  mat_ = Mat_Open(path.c_str(), MAT_ACC_RDONLY);
  if (!mat_) throw Error(path, "not a MATLAB .mat file (matio cannot open it: garbled, truncated or not MATLAB v4/v5/v7.3)");
  if (Mat_GetVersion(mat_) == MAT_FT_MAT5) {
    try {
      check_v5_elements(path);
    } catch (...) {
      Mat_Close(mat_);
      mat_ = nullptr;
      throw;
    }
  }
  // Variable names from the headers only (no data read yet). A garbled body ends the listing early;
  // the variables that are then "absent" are reported by the format readers.
  while (matvar_t* info = Mat_VarReadNextInfo(mat_)) {
    VarPtr holder(info);
    if (info->name) names_.emplace_back(info->name);
  }
  Mat_Rewind(mat_);
}

MatFile::~MatFile() {
  if (mat_) Mat_Close(mat_);
}

bool MatFile::has(const std::string& name) const {
  for (const auto& n : names_)
    if (n == name) return true;
  return false;
}

MatArray MatFile::numeric(const std::string& name, size_t max_elements) const {
  const std::string where = path_;
  if (!has(name)) throw Error(where, "variable '" + name + "' is missing");
  VarPtr info(Mat_VarReadInfo(mat_, name.c_str()));
  if (!info) throw Error(where, "variable '" + name + "' cannot be read (garbled file)");
  if (!is_numeric_class(info->class_type))
    throw Error(where, "variable '" + name + "' is " + class_name(info->class_type) + ", expected a numeric array");
  if (info->isComplex) throw Error(where, "variable '" + name + "' is complex, expected real numbers");
  size_t count = 1;
  for (int i = 0; i < info->rank; ++i) {
    if (info->dims[i] != 0 && count > max_elements / info->dims[i])
      throw Error(where, "variable '" + name + "' has an absurd size " + dims_string(info->dims, info->rank));
    count *= info->dims[i];
  }
  if (count > max_elements || count > static_cast<size_t>(INT32_MAX))
    throw Error(where, "variable '" + name + "' has an absurd size " + dims_string(info->dims, info->rank));

  MatArray out;
  out.dims.assign(info->dims, info->dims + info->rank);
  if (count == 0) return out;
  // Read into our own zeroed buffer (converted by matio to the variable's class): on a corrupted
  // file whose data element is shorter than its dimensions, matio's own Mat_VarRead leaves the
  // rest of its buffer uninitialised; here it stays deterministic (zeros).
  const size_t item = Mat_SizeOfClass(info->class_type);
  if (item == 0) throw Error(where, "variable '" + name + "' has an unsupported element type");
  std::vector<unsigned char> buffer(count * item, 0);
  if (Mat_VarReadDataLinear(mat_, info.get(), buffer.data(), 0, 1, static_cast<int>(count)) != 0)
    throw Error(where, "variable '" + name + "' cannot be read (truncated or garbled data)");
  const void* data = buffer.data();
  switch (info->class_type) {
    case MAT_C_DOUBLE: convert<double>(data, count, out.data); break;
    case MAT_C_SINGLE: convert<float>(data, count, out.data); break;
    case MAT_C_INT8: convert<int8_t>(data, count, out.data); break;
    case MAT_C_UINT8: convert<uint8_t>(data, count, out.data); break;
    case MAT_C_INT16: convert<int16_t>(data, count, out.data); break;
    case MAT_C_UINT16: convert<uint16_t>(data, count, out.data); break;
    case MAT_C_INT32: convert<int32_t>(data, count, out.data); break;
    case MAT_C_UINT32: convert<uint32_t>(data, count, out.data); break;
    case MAT_C_INT64: convert<int64_t>(data, count, out.data); break;
    case MAT_C_UINT64: convert<uint64_t>(data, count, out.data); break;
    default:
      throw Error(where, "variable '" + name + "' has an unsupported element type");
  }
  return out;
}

std::string MatFile::text(const std::string& name) const {
  const std::string where = path_;
  if (!has(name)) throw Error(where, "variable '" + name + "' is missing");
  VarPtr var(Mat_VarRead(mat_, name.c_str()));
  if (!var) throw Error(where, "variable '" + name + "' cannot be read (truncated or garbled data)");
  if (var->class_type != MAT_C_CHAR)
    throw Error(where, "variable '" + name + "' is " + class_name(var->class_type) + ", expected a char array (text)");
  if (var->rank != 2) throw Error(where, "variable '" + name + "' is a " + dims_string(var->dims, var->rank) + " char array, expected one text row");
  const size_t rows = var->dims[0], cols = var->dims[1];
  const size_t n = rows * cols;
  if (n == 0) return "";
  const size_t item = static_cast<size_t>(var->data_size);
  if (!var->data || item == 0 || var->nbytes < n * item) throw Error(where, "variable '" + name + "' is truncated");
  std::string s;
  const auto* p = static_cast<const unsigned char*>(var->data);
  for (size_t r = 0; r < rows; ++r) {
    if (r) s += '\n';
    for (size_t c = 0; c < cols; ++c) {
      const size_t i = r + c * rows;  // column-major
      uint32_t cp = 0;
      if (item == 1) {  // ASCII / UTF-8 bytes: copy as they are
        s += static_cast<char>(p[i]);
        continue;
      } else if (item == 2) {
        uint16_t v;
        std::memcpy(&v, p + 2 * i, 2);
        cp = v;
      } else if (item == 4) {
        uint32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        cp = v > 0xFFFF ? '?' : v;
      } else {
        throw Error(where, "variable '" + name + "' has an unsupported character width " + std::to_string(item));
      }
      append_utf8(s, cp);
    }
  }
  return s;
}

bool mat_has_variables(const std::string& path, const std::vector<std::string>& variables) {
  try {
    MatFile m(path);
    for (const auto& v : variables)
      if (!m.has(v)) return false;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace kinepose
