// NumPy .npy / .npz arrays (no pickles): the container under kinepose's own .npz format and the
// shared datasets. Reads files written by numpy.save / numpy.savez / numpy.savez_compressed;
// writes stored or deflate-compressed members that numpy.load reads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kinepose {

struct NpyArray {
  // NumPy dtype descr, normalised to little-endian or "|": "<f4", "<f8", "<i2", "<i4", "<i8",
  // "|u1", "|i1", "|b1", "<u2", "<u4", "<u8", "<U<n>" (UCS-4 strings of n chars).
  std::string dtype;
  std::vector<int64_t> shape;  // C order; empty = scalar
  std::vector<uint8_t> data;   // raw little-endian bytes, C order

  int64_t size() const;        // number of elements (1 for a scalar)
  size_t item_size() const;    // bytes per element

  // Conversions; throw Error(where, ...) when the dtype cannot be converted (e.g. strings).
  std::vector<float> to_float32(const std::string& where = "") const;
  std::vector<double> to_float64(const std::string& where = "") const;
  std::vector<int64_t> to_int64(const std::string& where = "") const;
  // Unicode ("<U") or bytes ("|S") array as UTF-8 strings.
  std::vector<std::string> to_strings(const std::string& where = "") const;
  std::string to_string(const std::string& where = "") const;  // requires exactly one element

  static NpyArray from_float32(const std::vector<float>& v, std::vector<int64_t> shape);
  static NpyArray from_float64(const std::vector<double>& v, std::vector<int64_t> shape);
  static NpyArray from_int64(const std::vector<int64_t>& v, std::vector<int64_t> shape);
  static NpyArray from_int32(const std::vector<int32_t>& v, std::vector<int64_t> shape);
  static NpyArray from_string(const std::string& s);  // 0-d "<U<n>" scalar
  static NpyArray from_strings(const std::vector<std::string>& v);  // 1-d "<U<n>"
};

using NpzMembers = std::map<std::string, NpyArray>;  // key = member name without ".npy"

// Parse one .npy buffer; `where` names the source in errors.
NpyArray parse_npy(const uint8_t* data, size_t size, const std::string& where);
std::vector<uint8_t> serialize_npy(const NpyArray& a);

NpyArray read_npy(const std::string& path);
void write_npy(const std::string& path, const NpyArray& a);  // atomic: temp file + rename

NpzMembers read_npz(const std::string& path);
// Only the listed members (others are not decompressed); missing names are an Error.
NpzMembers read_npz(const std::string& path, const std::vector<std::string>& names);
std::vector<std::string> list_npz(const std::string& path);
void write_npz(const std::string& path, const NpzMembers& members, bool compress = true);  // atomic

}  // namespace kinepose
