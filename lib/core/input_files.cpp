// The input files of this run (see input_files.hpp).
#include "core/input_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dodge {

namespace {
std::vector<InputFile> &Registry() {
  static std::vector<InputFile> files;
  return files;
}
}  // namespace

void RegisterInputFile(const std::string &path, const std::string &what) {
  auto &r = Registry();
  if (path.empty() || std::any_of(r.begin(), r.end(), [&](const InputFile &f) { return f.path == path; })) return;
  r.push_back({path, what});
}

const std::vector<InputFile> &InputFiles() { return Registry(); }

bool InputFileUsable(const std::string &path, const std::string &what, std::string *why) {
  struct stat st;
  if (path.empty()) {
    *why = "an empty path was given; give the path of " + what;
    return false;
  }
  if (::stat(path.c_str(), &st) != 0) {
    *why = "cannot open '" + path + "': " + std::strerror(errno) + "; give the path of " + what +
           " (relative paths start from the working directory)";
    return false;
  }
  const char *kind = S_ISREG(st.st_mode)    ? nullptr
                     : S_ISDIR(st.st_mode)  ? "a directory"
                     : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe; reading it would wait for a writer)"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "not a regular file";
  if (!kind) return true;
  *why = "'" + path + "' is " + kind + ", not a regular file; give the path of " + what;
  return false;
}

}  // namespace dodge
