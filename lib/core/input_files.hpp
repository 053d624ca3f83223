// The input files of this run: every reader of a user-given file adds its path here, so the output policy
// (run/path_policy.hpp) can refuse an output or checkpoint path that is one of them, whatever module read it.
#pragma once
#include <string>
#include <vector>

namespace dodge {

struct InputFile {
  std::string path;  // as the user gave it (relative to the working directory)
  std::string what;  // the option or role, for messages ("-dispatch_file", "edge list (-graph_files)")
};

// Adds `path` to this process's list (not collective: call it on the ranks that read the file; the policy
// checks each rank's list). Duplicates are kept once.
void RegisterInputFile(const std::string &path, const std::string &what);
// The files registered on this process so far, in registration order.
const std::vector<InputFile> &InputFiles();

// Whether `path` can be read as a data file without surprises, decided by stat() alone (which never blocks):
// it must exist and be a regular file (a symlink to one is fine). A directory, a FIFO (whose open would wait
// for a writer forever), a character or block device (/dev/zero never ends) or a socket is refused. Returns
// true, or false with *why set to the end of a sentence naming the path and what it is ("'x' is a
// directory"), followed by what to give instead (`what`, e.g. "a CSV file").
bool InputFileUsable(const std::string &path, const std::string &what, std::string *why);

}  // namespace dodge
