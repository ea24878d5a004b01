// safetensors reading/writing with strict validation: a hostile or truncated weights file must end
// in an Error naming the file and the tensor, never in an out-of-range read.
#include "kinepose/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace kinepose {

namespace {

// The reference implementation refuses headers over 100 MB; a larger length is a garbled file.
constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;
constexpr int64_t kMaxElements = int64_t{1} << 40;

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string tensor_where(const std::string& where, const std::string& name) {
  return where + ": tensor '" + name + "'";
}

template <typename T>
SafeTensor from_vector(const std::vector<T>& v, std::vector<int64_t> shape, const char* dtype) {
  SafeTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (t.numel() != static_cast<int64_t>(v.size()))
    throw Error("safetensors", "shape " + shape_str(t.shape) + " does not hold " + std::to_string(v.size()) + " values");
  t.data.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(t.data.data(), v.data(), t.data.size());  // host is little-endian (x86/ARM)
  return t;
}

template <typename Out>
std::vector<Out> convert(const SafeTensor& t, const std::string& where) {
  const int64_t n = t.numel();
  if (static_cast<int64_t>(t.data.size()) != n * static_cast<int64_t>(t.item_size()))
    throw Error(where, "byte count " + std::to_string(t.data.size()) + " does not match shape " + shape_str(t.shape));
  std::vector<Out> out(static_cast<size_t>(n));
  auto run = [&](auto tag) {
    using In = decltype(tag);
    for (int64_t i = 0; i < n; ++i) {
      In v;
      std::memcpy(&v, t.data.data() + i * sizeof(In), sizeof(In));
      out[static_cast<size_t>(i)] = static_cast<Out>(v);
    }
  };
  const std::string& d = t.dtype;
  if (d == "F32") run(float{});
  else if (d == "F64") run(double{});
  else if (d == "I64") run(int64_t{});
  else if (d == "I32") run(int32_t{});
  else if (d == "I16") run(int16_t{});
  else if (d == "I8") run(int8_t{});
  else if (d == "U64") run(uint64_t{});
  else if (d == "U32") run(uint32_t{});
  else if (d == "U16") run(uint16_t{});
  else if (d == "U8" || d == "BOOL") run(uint8_t{});
  else throw Error(where, "cannot convert dtype " + d + " to a floating-point array");
  return out;
}

}  // namespace

size_t safetensors_item_size(const std::string& dtype, const std::string& where) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  throw Error(where, "unsupported dtype '" + dtype + "'");
}

int64_t SafeTensor::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

size_t SafeTensor::item_size() const { return safetensors_item_size(dtype); }

std::vector<float> SafeTensor::to_float32(const std::string& where) const { return convert<float>(*this, where); }
std::vector<double> SafeTensor::to_float64(const std::string& where) const { return convert<double>(*this, where); }

SafeTensor SafeTensor::from_float32(const std::vector<float>& v, std::vector<int64_t> shape) {
  return from_vector(v, std::move(shape), "F32");
}
SafeTensor SafeTensor::from_float64(const std::vector<double>& v, std::vector<int64_t> shape) {
  return from_vector(v, std::move(shape), "F64");
}
SafeTensor SafeTensor::from_int64(const std::vector<int64_t>& v, std::vector<int64_t> shape) {
  return from_vector(v, std::move(shape), "I64");
}

const SafeTensor* SafeTensors::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

const SafeTensor& SafeTensors::at(const std::string& name, const std::string& where) const {
  const SafeTensor* t = find(name);
  if (!t) throw Error(where, "no tensor '" + name + "'");
  return *t;
}

void SafeTensors::set(const std::string& name, SafeTensor t) {
  for (auto& [n, old] : tensors)
    if (n == name) {
      old = std::move(t);
      return;
    }
  tensors.emplace_back(name, std::move(t));
}

SafeTensors parse_safetensors(const uint8_t* data, size_t size, const std::string& where) {
  if (size < 8) throw Error(where, "truncated safetensors file: " + std::to_string(size) + " bytes, no header length");
  uint64_t n = 0;
  std::memcpy(&n, data, 8);
  if (n > kMaxHeaderBytes)
    throw Error(where, "absurd safetensors header length " + std::to_string(n) + " (not a safetensors file?)");
  if (n > size - 8)
    throw Error(where, "truncated safetensors file: header of " + std::to_string(n) + " bytes but only " +
                           std::to_string(size - 8) + " follow");
  nlohmann::ordered_json header;
  try {
    header = nlohmann::ordered_json::parse(data + 8, data + 8 + n);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, std::string("safetensors header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw Error(where, "safetensors header is not a JSON object");

  const uint8_t* base = data + 8 + n;
  const uint64_t data_size = size - 8 - n;
  SafeTensors st;
  struct Range {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw Error(where, "__metadata__ is not a JSON object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) throw Error(where, "__metadata__ value of '" + m.key() + "' is not a string");
        st.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string tw = tensor_where(where, name);
    if (!v.is_object()) throw Error(tw, "header entry is not a JSON object");
    if (!v.contains("dtype") || !v["dtype"].is_string()) throw Error(tw, "missing or non-string \"dtype\"");
    if (!v.contains("shape") || !v["shape"].is_array()) throw Error(tw, "missing or non-array \"shape\"");
    if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
      throw Error(tw, "missing \"data_offsets\" [begin, end]");
    SafeTensor t;
    t.dtype = v["dtype"].get<std::string>();
    const size_t item = safetensors_item_size(t.dtype, tw);
    int64_t numel = 1;
    for (const auto& s : v["shape"]) {
      if (!s.is_number_unsigned()) throw Error(tw, "shape entries must be non-negative integers");
      const uint64_t d = s.get<uint64_t>();
      if (d > static_cast<uint64_t>(kMaxElements) || (numel > 0 && static_cast<int64_t>(d) > kMaxElements / numel))
        throw Error(tw, "absurd shape (more than 2^40 elements)");
      t.shape.push_back(static_cast<int64_t>(d));
      numel *= static_cast<int64_t>(d);
    }
    for (const auto& o : v["data_offsets"])
      if (!o.is_number_unsigned()) throw Error(tw, "data_offsets must be non-negative integers");
    const uint64_t b = v["data_offsets"][0].get<uint64_t>(), e = v["data_offsets"][1].get<uint64_t>();
    if (b > e) throw Error(tw, "data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] end before they begin");
    if (e > data_size)
      throw Error(tw, "data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] reach past the end of the data (" +
                          std::to_string(data_size) + " bytes; file truncated?)");
    if (e - b != static_cast<uint64_t>(numel) * item)
      throw Error(tw, "holds " + std::to_string(e - b) + " bytes but shape " + shape_str(t.shape) + " of " + t.dtype +
                          " needs " + std::to_string(static_cast<uint64_t>(numel) * item));
    t.data.assign(base + b, base + e);
    ranges.push_back({b, e, name});
    st.tensors.emplace_back(name, std::move(t));
  }
  // The byte ranges must tile [0, data_size) exactly: overlaps would alias tensors, gaps hide data.
  std::vector<size_t> order(ranges.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return ranges[a].begin != ranges[b].begin ? ranges[a].begin < ranges[b].begin : ranges[a].end < ranges[b].end;
  });
  uint64_t pos = 0;
  for (size_t k : order) {
    const Range& r = ranges[k];
    if (r.begin < pos) throw Error(tensor_where(where, r.name), "data overlaps the previous tensor's bytes");
    if (r.begin > pos)
      throw Error(tensor_where(where, r.name), "data is not contiguous: " + std::to_string(r.begin - pos) +
                                                   " unused bytes before it");
    pos = r.end;
  }
  if (pos != data_size)
    throw Error(where, std::to_string(data_size - pos) + " trailing bytes after the last tensor's data");
  // Hand tensors back in data order (the order the writer chose, e.g. a state_dict's).
  std::vector<std::pair<std::string, SafeTensor>> sorted;
  sorted.reserve(order.size());
  for (size_t k : order) sorted.push_back(std::move(st.tensors[k]));
  st.tensors = std::move(sorted);
  return st;
}

std::vector<uint8_t> serialize_safetensors(const SafeTensors& st) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!st.metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : st.metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : st.tensors) {
    if (name == "__metadata__") throw Error("safetensors", "a tensor cannot be named __metadata__");
    if (header.contains(name)) throw Error("safetensors", "duplicate tensor name '" + name + "'");
    const size_t item = safetensors_item_size(t.dtype, "safetensors: tensor '" + name + "'");
    if (t.data.size() != static_cast<size_t>(t.numel()) * item)
      throw Error("safetensors: tensor '" + name + "'", "holds " + std::to_string(t.data.size()) + " bytes but shape " +
                                                           shape_str(t.shape) + " of " + t.dtype + " needs " +
                                                           std::to_string(t.numel() * item));
    nlohmann::ordered_json e;
    e["dtype"] = t.dtype;
    e["shape"] = t.shape;
    e["data_offsets"] = {offset, offset + t.data.size()};
    header[name] = e;
    offset += t.data.size();
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');  // data section 8-byte aligned
  std::vector<uint8_t> out(8 + text.size() + offset);
  const uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  uint8_t* p = out.data() + 8 + text.size();
  for (const auto& [name, t] : st.tensors) {
    if (!t.data.empty()) std::memcpy(p, t.data.data(), t.data.size());
    p += t.data.size();
  }
  return out;
}

SafeTensors read_safetensors(const std::string& path) {
  const std::vector<uint8_t> bytes = read_binary_file(path);
  return parse_safetensors(bytes.data(), bytes.size(), path);
}

void write_safetensors(const std::string& path, const SafeTensors& st) {
  const std::vector<uint8_t> bytes = serialize_safetensors(st);
  write_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error(path, "cannot open for writing");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw Error(path, "write failed (disk full?)");
  });
}

}  // namespace kinepose
