// NumPy .npy parsing/serialisation and .npz archives (via libzip). Pickles are never read: object
// dtypes are rejected, so a hostile file can at worst produce an Error.
#include "kinepose/npy.h"

#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"

namespace kinepose {

namespace {

constexpr int64_t kMaxElements = int64_t{1} << 31;  // numpy allows more, but nothing we read needs it
constexpr uint64_t kMaxMemberBytes = uint64_t{16} << 30;
constexpr size_t kMaxHeaderBytes = size_t{1} << 20;  // numpy itself refuses headers > 10 kB by default

struct Dtype {
  char kind = 0;      // 'b', 'i', 'u', 'f', 'U', 'S'
  size_t size = 0;    // bytes per element
  bool swap = false;  // stored big-endian: bytes must be swapped per unit
  size_t unit = 0;    // swap unit (the element size, or 4 for UCS-4 strings)
};

std::string normalised_descr(const Dtype& d) {
  if (d.kind == 'U') return "<U" + std::to_string(d.size / 4);
  if (d.kind == 'S') return "|S" + std::to_string(d.size);
  const char order = d.size == 1 ? '|' : '<';
  return std::string(1, order) + d.kind + std::to_string(d.size);
}

// Parses a numpy descr string such as "<f4", ">i8", "|b1", "<U12", "|S3".
Dtype parse_descr(const std::string& descr, const std::string& where) {
  if (descr.size() < 2) throw Error(where, "unsupported dtype '" + descr + "'");
  char order = descr[0];
  size_t pos = 1;
  if (order != '<' && order != '>' && order != '|' && order != '=') {
    order = '=';
    pos = 0;
  }
  const char kind = descr[pos];
  const std::string count = descr.substr(pos + 1);
  if (kind == 'O') throw Error(where, "object dtype (pickled Python objects) is not supported; save plain numeric/string arrays");
  if (kind == 'c') throw Error(where, "complex dtype '" + descr + "' is not supported");
  if (kind == 'M' || kind == 'm') throw Error(where, "datetime dtype '" + descr + "' is not supported");
  if (kind == 'V') throw Error(where, "void/structured dtype '" + descr + "' is not supported");
  size_t n = 0;
  if (count.empty() || count.size() > 9 || count.find_first_not_of("0123456789") != std::string::npos)
    throw Error(where, "unsupported dtype '" + descr + "'");
  n = std::stoul(count);
  Dtype d;
  d.kind = kind;
  switch (kind) {
    case 'b':
      if (n != 1) throw Error(where, "unsupported dtype '" + descr + "'");
      d.size = 1;
      break;
    case 'i':
    case 'u':
      if (n != 1 && n != 2 && n != 4 && n != 8) throw Error(where, "unsupported dtype '" + descr + "'");
      d.size = n;
      break;
    case 'f':
      if (n != 2 && n != 4 && n != 8) throw Error(where, "unsupported float dtype '" + descr + "'");
      d.size = n;
      break;
    case 'U':
      if (n > (1u << 24)) throw Error(where, "absurd string length in dtype '" + descr + "'");
      d.size = 4 * n;
      d.unit = 4;
      break;
    case 'S':
      if (n > (1u << 26)) throw Error(where, "absurd string length in dtype '" + descr + "'");
      d.size = n;
      d.unit = 1;
      break;
    default:
      throw Error(where, "unsupported dtype '" + descr + "'");
  }
  if (d.unit == 0) d.unit = d.size;
  d.swap = order == '>' && d.unit > 1;
  return d;
}

Dtype dtype_of(const NpyArray& a, const std::string& where) {
  Dtype d = parse_descr(a.dtype, where);
  if (d.swap) throw Error(where, "NpyArray dtype must be little-endian, got '" + a.dtype + "'");
  return d;
}

// ---- the header: a Python dict literal ---------------------------------------------------------

struct HeaderParser {
  const std::string& s;
  size_t i = 0;
  const std::string& where;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(where, "malformed .npy header (" + what + "): " + s.substr(0, 120));
  }
  void skip_ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool accept(char c) {
    skip_ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }
  std::string string_literal() {
    skip_ws();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) fail("expected a string");
    const char q = s[i++];
    std::string out;
    while (i < s.size() && s[i] != q) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out += s[i++];
    }
    if (i >= s.size()) fail("unterminated string");
    ++i;
    return out;
  }
  bool boolean() {
    skip_ws();
    if (s.compare(i, 4, "True") == 0) {
      i += 4;
      return true;
    }
    if (s.compare(i, 5, "False") == 0) {
      i += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<int64_t> shape_tuple() {
    expect('(');
    std::vector<int64_t> shape;
    while (!accept(')')) {
      skip_ws();
      if (i < s.size() && s[i] == '-') throw Error(where, "negative dimension in .npy shape");
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) fail("expected a dimension");
      int64_t v = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) throw Error(where, "absurd dimension in .npy shape");
        v = v * 10 + (s[i++] - '0');
      }
      if (i < s.size() && (s[i] == 'L' || s[i] == 'l')) ++i;  // Python 2 longs
      shape.push_back(v);
      if (shape.size() > 32) throw Error(where, "too many dimensions in .npy shape");
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }
};

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

Header parse_header_dict(const std::string& text, const std::string& where) {
  HeaderParser p{text, 0, where};
  Header h;
  bool have_descr = false, have_order = false, have_shape = false;
  p.expect('{');
  while (!p.accept('}')) {
    const std::string key = p.string_literal();
    p.expect(':');
    if (key == "descr") {
      p.skip_ws();
      if (p.i < text.size() && text[p.i] == '[')
        throw Error(where, "structured dtype (record array) is not supported");
      h.descr = p.string_literal();
      have_descr = true;
    } else if (key == "fortran_order") {
      h.fortran_order = p.boolean();
      have_order = true;
    } else if (key == "shape") {
      h.shape = p.shape_tuple();
      have_shape = true;
    } else {
      p.fail("unknown key '" + key + "'");
    }
    if (!p.accept(',')) {
      p.expect('}');
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape) p.fail("missing 'descr', 'fortran_order' or 'shape'");
  return h;
}

int64_t checked_size(const std::vector<int64_t>& shape, const std::string& where) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(where, "negative dimension in shape");
    if (d != 0 && n > kMaxElements / d) {
      // Keep going to see whether a zero dimension makes the product 0 after all.
      bool zero = false;
      for (int64_t e : shape) zero = zero || e == 0;
      if (zero) return 0;
      throw Error(where, "absurd array shape (more than 2^31 elements)");
    }
    n *= d;
  }
  if (n > kMaxElements) throw Error(where, "absurd array shape (more than 2^31 elements)");
  return n;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

void byteswap(std::vector<uint8_t>& data, size_t unit) {
  for (size_t off = 0; off + unit <= data.size(); off += unit)
    for (size_t a = 0, b = unit - 1; a < b; ++a, --b) std::swap(data[off + a], data[off + b]);
}

// Fortran (column-major) bytes -> C (row-major) bytes.
std::vector<uint8_t> fortran_to_c(const std::vector<uint8_t>& in, const std::vector<int64_t>& shape, size_t item) {
  const size_t nd = shape.size();
  std::vector<int64_t> fstride(nd, 1);
  for (size_t k = 1; k < nd; ++k) fstride[k] = fstride[k - 1] * shape[k - 1];
  std::vector<uint8_t> out(in.size());
  std::vector<int64_t> idx(nd, 0);
  const size_t n = item ? in.size() / item : 0;
  for (size_t c = 0; c < n; ++c) {
    int64_t f = 0;
    for (size_t k = 0; k < nd; ++k) f += idx[k] * fstride[k];
    std::memcpy(out.data() + c * item, in.data() + static_cast<size_t>(f) * item, item);
    for (size_t k = nd; k-- > 0;) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Calls fn(double) for every element of a numeric array; int64/uint64 go through long double-free
// exact paths in to_int64 instead.
template <typename Fn>
void for_each_number(const NpyArray& a, const Dtype& d, const std::string& where, Fn fn) {
  const size_t n = static_cast<size_t>(a.size());
  const uint8_t* p = a.data.data();
  for (size_t k = 0; k < n; ++k, p += d.size) {
    switch (d.kind) {
      case 'b': fn(static_cast<double>(*p != 0)); break;
      case 'i':
        switch (d.size) {
          case 1: fn(load<int8_t>(p)); break;
          case 2: fn(load<int16_t>(p)); break;
          case 4: fn(load<int32_t>(p)); break;
          default: fn(static_cast<double>(load<int64_t>(p))); break;
        }
        break;
      case 'u':
        switch (d.size) {
          case 1: fn(load<uint8_t>(p)); break;
          case 2: fn(load<uint16_t>(p)); break;
          case 4: fn(load<uint32_t>(p)); break;
          default: fn(static_cast<double>(load<uint64_t>(p))); break;
        }
        break;
      case 'f':
        if (d.size == 2) fn(half_to_float(load<uint16_t>(p)));
        else if (d.size == 4) fn(load<float>(p));
        else fn(load<double>(p));
        break;
      default:
        throw Error(where, "cannot convert " + a.dtype + " (string) array to numbers");
    }
  }
}

void check_consistent(const NpyArray& a, const Dtype& d, const std::string& where) {
  const int64_t n = checked_size(a.shape, where);
  if (a.data.size() != static_cast<size_t>(n) * d.size)
    throw Error(where, "array data has " + std::to_string(a.data.size()) + " bytes, expected " +
                           std::to_string(static_cast<size_t>(n) * d.size) + " for shape " + shape_text(a.shape) +
                           " " + a.dtype);
}

void append_utf8(std::string& out, uint32_t cp, const std::string& where) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw Error(where, "invalid Unicode code point in string array");
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::vector<uint32_t> utf8_to_ucs4(const std::string& s) {
  std::vector<uint32_t> out;
  size_t i = 0;
  auto bad = [&]() -> Error { return Error("string '" + s.substr(0, 40) + "'", "invalid UTF-8"); };
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int extra;
    if (c < 0x80) cp = c, extra = 0;
    else if ((c & 0xE0) == 0xC0) cp = c & 0x1F, extra = 1;
    else if ((c & 0xF0) == 0xE0) cp = c & 0x0F, extra = 2;
    else if ((c & 0xF8) == 0xF0) cp = c & 0x07, extra = 3;
    else throw bad();
    if (i + extra >= s.size()) throw bad();
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) throw bad();
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw bad();
    out.push_back(cp);
    i += 1 + extra;
  }
  return out;
}

// ---- libzip helpers ----------------------------------------------------------------------------

struct ZipCloser {
  void operator()(zip_t* z) const {
    if (z) zip_discard(z);
  }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

struct ZipFileCloser {
  void operator()(zip_file_t* f) const {
    if (f) zip_fclose(f);
  }
};

std::string zip_open_error(int code) {
  switch (code) {
    case ZIP_ER_NOENT: return "no such file";
    case ZIP_ER_NOZIP: return "not a zip archive (.npz), or truncated: no zip central directory found";
    case ZIP_ER_INCONS: return "corrupt or truncated zip archive (inconsistent central directory)";
    case ZIP_ER_OPEN:
    case ZIP_ER_READ: return "cannot read file";
    case ZIP_ER_MEMORY: return "out of memory while opening zip archive";
    default: {
      zip_error_t err;
      zip_error_init_with_code(&err, code);
      std::string msg = std::string("cannot open zip archive: ") + zip_error_strerror(&err);
      zip_error_fini(&err);
      return msg;
    }
  }
}

ZipPtr open_npz(const std::string& path) {
  require_file(path);
  int code = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!z) throw Error(path, zip_open_error(code));
  return ZipPtr(z);
}

bool is_npy_member(const std::string& name) { return name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0; }

NpyArray read_member(zip_t* z, zip_uint64_t index, const std::string& path, const std::string& member) {
  const std::string where = path + ":" + member;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    throw Error(where, std::string("cannot stat archive member: ") + zip_strerror(z));
  if (st.size > kMaxMemberBytes) throw Error(where, "absurd member size " + std::to_string(st.size) + " bytes");
  std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(z, index, 0));
  if (!f) throw Error(where, std::string("cannot open archive member: ") + zip_strerror(z));
  // A deflate stream expands at most ~1032x; a larger claimed size is a corrupt (or hostile) entry.
  if ((st.valid & ZIP_STAT_COMP_SIZE) && st.size > st.comp_size * 1100 + (1u << 20))
    throw Error(where, "corrupt archive member: claims " + std::to_string(st.size) + " bytes from " +
                           std::to_string(st.comp_size) + " compressed");
  // Grow while reading rather than trusting the declared size with one big allocation.
  std::vector<uint8_t> buf;
  zip_uint64_t got = 0;
  while (got < st.size) {
    const zip_uint64_t chunk = std::min<zip_uint64_t>(st.size - got, zip_uint64_t{64} << 20);
    buf.resize(static_cast<size_t>(got + chunk));
    const zip_int64_t n = zip_fread(f.get(), buf.data() + got, chunk);
    if (n < 0)
      throw Error(where, std::string("corrupt or truncated archive member: ") + zip_error_strerror(zip_file_get_error(f.get())));
    if (n == 0) break;
    got += static_cast<zip_uint64_t>(n);
  }
  buf.resize(static_cast<size_t>(got));
  if (got != st.size)
    throw Error(where, "truncated archive member: expected " + std::to_string(st.size) + " bytes, read " + std::to_string(got));
  return parse_npy(buf.data(), buf.size(), where);
}

}  // namespace

// ---- NpyArray ----------------------------------------------------------------------------------

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

size_t NpyArray::item_size() const { return parse_descr(dtype, "npy dtype").size; }

std::vector<double> NpyArray::to_float64(const std::string& where) const {
  const Dtype d = dtype_of(*this, where);
  check_consistent(*this, d, where);
  std::vector<double> out;
  out.reserve(static_cast<size_t>(size()));
  for_each_number(*this, d, where, [&](double v) { out.push_back(v); });
  return out;
}

std::vector<float> NpyArray::to_float32(const std::string& where) const {
  const Dtype d = dtype_of(*this, where);
  check_consistent(*this, d, where);
  std::vector<float> out(static_cast<size_t>(size()));
  if (d.kind == 'f' && d.size == 4) {  // bit-exact copy keeps NaN payloads
    if (!out.empty()) std::memcpy(out.data(), data.data(), data.size());
    return out;
  }
  size_t k = 0;
  for_each_number(*this, d, where, [&](double v) { out[k++] = static_cast<float>(v); });
  return out;
}

std::vector<int64_t> NpyArray::to_int64(const std::string& where) const {
  const Dtype d = dtype_of(*this, where);
  check_consistent(*this, d, where);
  const size_t n = static_cast<size_t>(size());
  std::vector<int64_t> out(n);
  if (d.kind == 'i' && d.size == 8) {
    if (n) std::memcpy(out.data(), data.data(), data.size());
    return out;
  }
  if (d.kind == 'u' && d.size == 8) {
    for (size_t k = 0; k < n; ++k) {
      const uint64_t v = load<uint64_t>(data.data() + 8 * k);
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw Error(where, "value " + std::to_string(v) + " does not fit in int64");
      out[k] = static_cast<int64_t>(v);
    }
    return out;
  }
  size_t k = 0;
  for_each_number(*this, d, where, [&](double v) {
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.2e18)
      throw Error(where, "value " + std::to_string(v) + " at index " + std::to_string(k) + " is not an integer");
    out[k++] = static_cast<int64_t>(v);
  });
  return out;
}

std::vector<std::string> NpyArray::to_strings(const std::string& where) const {
  const Dtype d = dtype_of(*this, where);
  if (d.kind != 'U' && d.kind != 'S') throw Error(where, "expected a string array, got dtype " + dtype);
  check_consistent(*this, d, where);
  const size_t n = static_cast<size_t>(size());
  std::vector<std::string> out(n);
  for (size_t k = 0; k < n; ++k) {
    const uint8_t* p = data.data() + k * d.size;
    std::string s;
    if (d.kind == 'S') {
      size_t len = d.size;
      while (len > 0 && p[len - 1] == 0) --len;
      s.assign(reinterpret_cast<const char*>(p), len);
    } else {
      size_t len = d.size / 4;
      while (len > 0 && load<uint32_t>(p + 4 * (len - 1)) == 0) --len;
      for (size_t c = 0; c < len; ++c) append_utf8(s, load<uint32_t>(p + 4 * c), where);
    }
    out[k] = std::move(s);
  }
  return out;
}

std::string NpyArray::to_string(const std::string& where) const {
  auto v = to_strings(where);
  if (v.size() != 1)
    throw Error(where, "expected a single string, got an array of shape " + shape_text(shape));
  return v.front();
}

NpyArray NpyArray::from_float32(const std::vector<float>& v, std::vector<int64_t> shape) {
  NpyArray a{"<f4", std::move(shape), {}};
  if (static_cast<size_t>(checked_size(a.shape, "from_float32")) != v.size())
    throw Error("from_float32", std::to_string(v.size()) + " values do not fit shape " + shape_text(a.shape));
  a.data.resize(v.size() * 4);
  if (!v.empty()) std::memcpy(a.data.data(), v.data(), a.data.size());
  return a;
}

NpyArray NpyArray::from_float64(const std::vector<double>& v, std::vector<int64_t> shape) {
  NpyArray a{"<f8", std::move(shape), {}};
  if (static_cast<size_t>(checked_size(a.shape, "from_float64")) != v.size())
    throw Error("from_float64", std::to_string(v.size()) + " values do not fit shape " + shape_text(a.shape));
  a.data.resize(v.size() * 8);
  if (!v.empty()) std::memcpy(a.data.data(), v.data(), a.data.size());
  return a;
}

NpyArray NpyArray::from_int64(const std::vector<int64_t>& v, std::vector<int64_t> shape) {
  NpyArray a{"<i8", std::move(shape), {}};
  if (static_cast<size_t>(checked_size(a.shape, "from_int64")) != v.size())
    throw Error("from_int64", std::to_string(v.size()) + " values do not fit shape " + shape_text(a.shape));
  a.data.resize(v.size() * 8);
  if (!v.empty()) std::memcpy(a.data.data(), v.data(), a.data.size());
  return a;
}

NpyArray NpyArray::from_int32(const std::vector<int32_t>& v, std::vector<int64_t> shape) {
  NpyArray a{"<i4", std::move(shape), {}};
  if (static_cast<size_t>(checked_size(a.shape, "from_int32")) != v.size())
    throw Error("from_int32", std::to_string(v.size()) + " values do not fit shape " + shape_text(a.shape));
  a.data.resize(v.size() * 4);
  if (!v.empty()) std::memcpy(a.data.data(), v.data(), a.data.size());
  return a;
}

NpyArray NpyArray::from_strings(const std::vector<std::string>& v) {
  std::vector<std::vector<uint32_t>> cps;
  size_t width = 1;  // numpy never makes a zero-width unicode dtype from literals
  for (const auto& s : v) {
    cps.push_back(utf8_to_ucs4(s));
    width = std::max(width, cps.back().size());
  }
  NpyArray a{"<U" + std::to_string(width), {static_cast<int64_t>(v.size())}, {}};
  a.data.assign(v.size() * width * 4, 0);
  for (size_t k = 0; k < cps.size(); ++k)
    for (size_t c = 0; c < cps[k].size(); ++c) std::memcpy(a.data.data() + (k * width + c) * 4, &cps[k][c], 4);
  return a;
}

NpyArray NpyArray::from_string(const std::string& s) {
  NpyArray a = from_strings({s});
  a.shape.clear();
  return a;
}

// ---- .npy --------------------------------------------------------------------------------------

NpyArray parse_npy(const uint8_t* data, size_t size, const std::string& where) {
  static const char kMagic[] = "\x93NUMPY";
  if (size < 6 || std::memcmp(data, kMagic, 6) != 0) {
    if (size >= 2 && data[0] == 0x80) throw Error(where, "a Python pickle, not a .npy array (pickles are not supported)");
    throw Error(where, "not a .npy array (bad magic bytes)");
  }
  if (size < 10) throw Error(where, "truncated .npy header");
  const int major = data[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = data[8] | (size_t{data[9]} << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw Error(where, "truncated .npy header");
    header_len = data[8] | (size_t{data[9]} << 8) | (size_t{data[10]} << 16) | (size_t{data[11]} << 24);
    header_start = 12;
  } else {
    throw Error(where, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(data[7]));
  }
  if (header_len > kMaxHeaderBytes) throw Error(where, "absurd .npy header length " + std::to_string(header_len));
  if (header_start + header_len > size)
    throw Error(where, "truncated .npy header: expected " + std::to_string(header_len) + " header bytes, found " +
                           std::to_string(size - header_start));
  const std::string text(reinterpret_cast<const char*>(data + header_start), header_len);
  const Header h = parse_header_dict(text, where);
  const Dtype d = parse_descr(h.descr, where);
  const int64_t n = checked_size(h.shape, where);
  const size_t offset = header_start + header_len;
  const size_t expected = static_cast<size_t>(n) * d.size;
  const size_t found = size - offset;
  if (found < expected)
    throw Error(where, "truncated: expected " + std::to_string(expected) + " bytes of data, found " + std::to_string(found));
  if (found > expected)
    throw Error(where, "garbled .npy: " + std::to_string(found - expected) + " unexpected bytes after the " +
                           std::to_string(expected) + " bytes of data for shape " + shape_text(h.shape));
  NpyArray a;
  a.dtype = normalised_descr(d);
  a.shape = h.shape;
  a.data.assign(data + offset, data + size);
  if (d.swap) byteswap(a.data, d.unit);
  if (h.fortran_order && h.shape.size() > 1) a.data = fortran_to_c(a.data, h.shape, d.size);
  return a;
}

std::vector<uint8_t> serialize_npy(const NpyArray& a) {
  const Dtype d = dtype_of(a, "serialize_npy");
  check_consistent(a, d, "serialize_npy");
  std::string header = "{'descr': '" + normalised_descr(d) + "', 'fortran_order': False, 'shape': " + shape_text(a.shape) + ", }";
  // Pad so that the data starts on a 64-byte boundary, as numpy does (header ends with '\n').
  size_t prefix = 10;
  if ((header.size() + 1 + prefix + 63) / 64 * 64 - prefix > 0xFFFF) prefix = 12;
  const size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';
  // One allocation filled by offset (GCC 12 misreports inserts into a growing vector here).
  std::vector<uint8_t> out(prefix + header.size() + a.data.size());
  std::memcpy(out.data(), "\x93NUMPY", 6);
  const size_t hl = header.size();
  out[6] = prefix == 10 ? 1 : 2;
  out[7] = 0;
  for (size_t k = 0; k < prefix - 8; ++k) out[8 + k] = static_cast<uint8_t>((hl >> (8 * k)) & 0xFF);
  std::memcpy(out.data() + prefix, header.data(), header.size());
  if (!a.data.empty()) std::memcpy(out.data() + prefix + header.size(), a.data.data(), a.data.size());
  return out;
}

NpyArray read_npy(const std::string& path) {
  const auto bytes = read_binary_file(path);
  return parse_npy(bytes.data(), bytes.size(), path);
}

void write_npy(const std::string& path, const NpyArray& a) {
  const auto bytes = serialize_npy(a);
  write_text_file(path, std::string(bytes.begin(), bytes.end()));
}

// ---- .npz --------------------------------------------------------------------------------------

std::vector<std::string> list_npz(const std::string& path) {
  ZipPtr z = open_npz(path);
  const zip_int64_t count = zip_get_num_entries(z.get(), 0);
  std::vector<std::string> names;
  for (zip_int64_t k = 0; k < count; ++k) {
    const char* name = zip_get_name(z.get(), static_cast<zip_uint64_t>(k), 0);
    if (!name) continue;
    const std::string s(name);
    if (is_npy_member(s)) names.push_back(s.substr(0, s.size() - 4));
  }
  return names;
}

NpzMembers read_npz(const std::string& path) {
  ZipPtr z = open_npz(path);
  const zip_int64_t count = zip_get_num_entries(z.get(), 0);
  NpzMembers out;
  for (zip_int64_t k = 0; k < count; ++k) {
    const char* name = zip_get_name(z.get(), static_cast<zip_uint64_t>(k), 0);
    if (!name) throw Error(path, std::string("cannot read archive entry name: ") + zip_strerror(z.get()));
    const std::string s(name);
    if (!is_npy_member(s)) continue;  // numpy.load would return raw bytes; nothing we can use
    out[s.substr(0, s.size() - 4)] = read_member(z.get(), static_cast<zip_uint64_t>(k), path, s);
  }
  return out;
}

NpzMembers read_npz(const std::string& path, const std::vector<std::string>& names) {
  ZipPtr z = open_npz(path);
  NpzMembers out;
  for (const auto& name : names) {
    const std::string member = name + ".npy";
    const zip_int64_t idx = zip_name_locate(z.get(), member.c_str(), 0);
    if (idx < 0) {
      std::string have;
      const zip_int64_t count = zip_get_num_entries(z.get(), 0);
      for (zip_int64_t k = 0; k < count; ++k) {
        const char* n = zip_get_name(z.get(), static_cast<zip_uint64_t>(k), 0);
        if (n && is_npy_member(n)) have += (have.empty() ? "" : ", ") + std::string(n, std::strlen(n) - 4);
      }
      throw Error(path, "no array '" + name + "' in archive (has: " + (have.empty() ? "none" : have) + ")");
    }
    out[name] = read_member(z.get(), static_cast<zip_uint64_t>(idx), path, member);
  }
  return out;
}

void write_npz(const std::string& path, const NpzMembers& members, bool compress) {
  // Serialise first: a bad array must fail before any file is touched.
  std::vector<std::pair<std::string, std::vector<uint8_t>>> blobs;
  for (const auto& [name, array] : members) {
    if (name.empty()) throw Error(path, "npz member with an empty name");
    try {
      blobs.emplace_back(name + ".npy", serialize_npy(array));
    } catch (const Error& e) {
      throw Error(path + ":" + name, e.detail());
    }
  }
  write_atomically(path, [&](const std::string& tmp) {
    if (blobs.empty()) {  // libzip deletes an archive without entries; write the bare end record
      static const char kEmptyZip[22] = {'P', 'K', 5, 6};
      write_text_file(tmp, std::string(kEmptyZip, sizeof kEmptyZip));
      return;
    }
    int code = 0;
    zip_t* raw = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!raw) throw Error(path, "cannot create zip archive: " + zip_open_error(code));
    ZipPtr z(raw);
    for (const auto& [member, bytes] : blobs) {
      zip_source_t* src = zip_source_buffer(z.get(), bytes.data(), bytes.size(), 0);
      if (!src) throw Error(path, std::string("cannot add ") + member + ": " + zip_strerror(z.get()));
      const zip_int64_t idx = zip_file_add(z.get(), member.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
      if (idx < 0) {
        zip_source_free(src);
        throw Error(path, std::string("cannot add ") + member + ": " + zip_strerror(z.get()));
      }
      if (zip_set_file_compression(z.get(), static_cast<zip_uint64_t>(idx), compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0)
        throw Error(path, std::string("cannot set compression for ") + member + ": " + zip_strerror(z.get()));
    }
    if (zip_close(z.get()) != 0) throw Error(path, std::string("cannot write zip archive: ") + zip_strerror(z.get()));
    z.release();  // zip_close freed it
  });
}

}  // namespace kinepose
