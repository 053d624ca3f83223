// The options files of a run (-options_file, -options_file_yaml, on the command line or in PETSC_OPTIONS), and
// dodge's own check of them before PETSc parses them: PETSc's YAML reader silently keeps the last of two
// equal keys, reads only the first of two documents, and answers a tab, a top-level list or binary content
// with a generic "YAML parser loading error" naming no file; a FIFO would block its open forever.
#pragma once
#include <string>
#include <vector>

#include "core/input_files.hpp"

namespace dodge {

// Every options file named on the command line (argv[1..argc)) or in the PETSC_OPTIONS environment
// variable, in the order PETSc reads them (PETSC_OPTIONS first), with the option that named it.
std::vector<InputFile> OptionsFilesGiven(int argc, const char *const *argv);

// Moves every "-options_file X" and "-options_file_yaml X" pair of argv[1..argc) to the front, keeping the
// order of the files and of the other words. PETSc inserts an options file where it stands on the command line,
// so a later file would override an option given before it (`dodge -steps 10 -options_file f.yaml` ran the
// file's steps); after this, options on the command line win wherever they are written, as -help promises.
void OptionsFilesFirst(int argc, char **argv);

// Whether PETSc reads `path` as YAML: given with -options_file_yaml, or named *.yaml / *.yml.
bool OptionsFileIsYaml(const InputFile &f);

// Checks the text of one options file. Returns 0, or a PETSc error code with *msg naming the file and line:
// PETSC_ERR_FILE_UNEXPECTED (79) for binary content and, in YAML, a tab in the indentation, a second
// document, a top-level list, a key given twice at the same level or any YAML syntax error (libyaml's message
// and line). Pure (no I/O, no MPI): what the fuzzer
// calls.
int OptionsTextCheck(const std::string &path, const std::string &text, bool yaml, std::string *msg);

// Reads and checks the file (not collective: call on one rank): a path that is not a regular file
// (InputFileUsable) is PETSC_ERR_FILE_OPEN (65), one that cannot be read PETSC_ERR_FILE_READ (66), then
// OptionsTextCheck.
int OptionsFileCheck(const InputFile &f, std::string *msg);

}  // namespace dodge
