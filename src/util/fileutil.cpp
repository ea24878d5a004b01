#include "kinepose/fileutil.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "kinepose/error.h"

namespace fs = std::filesystem;

namespace kinepose {

void require_file(const std::string& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Error(path, "no such file");
  if (fs::is_directory(st)) throw Error(path, "is a directory, expected a file");
}

void require_folder(const std::string& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Error(path, "no such folder");
  if (!fs::is_directory(st)) throw Error(path, "is a file, expected a folder");
}

std::vector<uint8_t> read_binary_file(const std::string& path) {
  require_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "cannot open for reading");
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) throw Error(path, "cannot determine file size");
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> data(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(data.data()), size)) throw Error(path, "read failed");
  return data;
}

std::string read_text_file(const std::string& path) {
  auto bytes = read_binary_file(path);
  return std::string(bytes.begin(), bytes.end());
}

static std::string temp_sibling(const std::string& path) {
  static std::mt19937_64 rng{std::random_device{}()};
  fs::path p(path);
  std::ostringstream name;
  name << "." << p.filename().string() << ".tmp-" << ::getpid() << "-" << std::hex << (rng() & 0xffffffu);
  return (p.parent_path() / name.str()).string();
}

static void require_parent_folder(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) throw Error(path, "output folder " + parent.string() + " does not exist");
}

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& fill) {
  require_parent_folder(path);
  if (fs::is_directory(path)) throw Error(path, "is a folder; cannot overwrite it with a file");
  const std::string tmp = temp_sibling(path);
  try {
    fill(tmp);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw Error(path, "cannot rename temporary output into place: " + ec.message());
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

void write_text_file(const std::string& path, const std::string& content) {
  write_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error(path, "cannot open for writing");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) throw Error(path, "write failed (disk full?)");
  });
}

void write_folder_atomically(const std::string& path, const std::function<void(const std::string&)>& fill) {
  require_parent_folder(path);
  std::error_code ec;
  if (fs::exists(path) && !fs::is_directory(path)) throw Error(path, "exists and is not a folder");
  const std::string tmp = temp_sibling(path);
  fs::create_directories(tmp, ec);
  if (ec) throw Error(path, "cannot create temporary folder: " + ec.message());
  try {
    fill(tmp);
    if (fs::exists(path)) {
      const std::string old = temp_sibling(path);
      fs::rename(path, old);
      fs::rename(tmp, path);
      fs::remove_all(old, ec);
    } else {
      fs::rename(tmp, path);
    }
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string extension_of(const std::string& path) { return lower(fs::path(path).extension().string()); }

std::string stem_of(const std::string& path) {
  fs::path p(path);
  if (p.has_filename() == false || p.filename() == ".") p = p.parent_path();
  return p.stem().string();
}

}  // namespace kinepose
