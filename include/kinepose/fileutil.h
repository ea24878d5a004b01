// Small file helpers shared by readers and writers: whole-file reads with clear errors, and atomic
// writes (temporary name in the same folder, then rename) so a failed write leaves no partial file.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace kinepose {

// Throws Error(path, "no such file") / "is a directory" / "cannot read".
std::string read_text_file(const std::string& path);
std::vector<uint8_t> read_binary_file(const std::string& path);
void require_file(const std::string& path);    // exists and is a regular file
void require_folder(const std::string& path);  // exists and is a directory

// Calls fill(tmp_path) then renames tmp_path -> path; on any exception removes tmp_path and
// rethrows. Creates no parent folders.
void write_atomically(const std::string& path, const std::function<void(const std::string& tmp_path)>& fill);
void write_text_file(const std::string& path, const std::string& content);  // atomic
// Atomic folder output: fill(tmp_dir) populates a fresh temporary folder, renamed to `path` at the
// end (an existing folder at `path` is replaced only after success).
void write_folder_atomically(const std::string& path, const std::function<void(const std::string& tmp_dir)>& fill);

std::string lower(std::string s);
std::string extension_of(const std::string& path);  // lower-case with dot, "" if none
std::string stem_of(const std::string& path);       // file name without folder and extension

}  // namespace kinepose
