// The input files of this run (see input_files.hpp).
#include "core/input_files.hpp"

#include <algorithm>

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

}  // namespace dodge
