// safetensors files (https://github.com/huggingface/safetensors): the weight format of kinepose's
// learned models. Layout: u64 little-endian header length n, n bytes of JSON header (an object
// mapping tensor names to {"dtype","shape","data_offsets":[begin,end]} plus an optional
// "__metadata__" string→string map), then the raw little-endian tensor bytes; offsets are relative
// to byte 8+n. Deliberately torch-free (plain bytes + shape + dtype) so the core library can read
// and write weights; the model code converts to tensors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kinepose {

struct SafeTensor {
  // "F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL".
  std::string dtype;
  std::vector<int64_t> shape;  // C order; empty = scalar
  std::vector<uint8_t> data;   // raw little-endian bytes, C order

  int64_t numel() const;     // product of the shape (1 for a scalar)
  size_t item_size() const;  // bytes per element of dtype

  // Conversions from any numeric dtype except F16/BF16; throw Error(where, ...) otherwise.
  std::vector<float> to_float32(const std::string& where = "") const;
  std::vector<double> to_float64(const std::string& where = "") const;

  static SafeTensor from_float32(const std::vector<float>& v, std::vector<int64_t> shape);
  static SafeTensor from_float64(const std::vector<double>& v, std::vector<int64_t> shape);
  static SafeTensor from_int64(const std::vector<int64_t>& v, std::vector<int64_t> shape);
};

struct SafeTensors {
  std::map<std::string, std::string> metadata;               // "__metadata__"
  std::vector<std::pair<std::string, SafeTensor>> tensors;   // file (data offset) order

  // nullptr when absent.
  const SafeTensor* find(const std::string& name) const;
  // Throws Error(where, "no tensor '<name>'") when absent.
  const SafeTensor& at(const std::string& name, const std::string& where = "") const;
  // Appends, or replaces a tensor of the same name in place.
  void set(const std::string& name, SafeTensor t);
};

// Bytes per element of a safetensors dtype; throws Error(where, ...) for an unknown dtype.
size_t safetensors_item_size(const std::string& dtype, const std::string& where = "");

// Parses a whole file image; `where` (usually the path) names the source in errors. Strict: the
// header must be valid JSON of the documented shape, every tensor's byte range must lie in the
// buffer, match shape × item size, and the ranges must tile the data section without overlap or gap.
SafeTensors parse_safetensors(const uint8_t* data, size_t size, const std::string& where);
// Header padded with spaces so the data section starts at a multiple of 8; tensors in the given
// order, contiguous. Throws Error for a tensor whose byte count does not match its shape.
std::vector<uint8_t> serialize_safetensors(const SafeTensors& st);

SafeTensors read_safetensors(const std::string& path);
void write_safetensors(const std::string& path, const SafeTensors& st);  // atomic: temp file + rename

}  // namespace kinepose
