// Options files: which ones a run names, and dodge's check of their text (see options_files.hpp).
#include "core/options_files.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <yaml.h>

#include "core/petsc_compat.hpp"

namespace dodge {

namespace {

bool EndsWith(const std::string &s, const char *suffix) {
  const std::string t = suffix;
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

void Scan(const std::vector<std::string> &words, std::vector<InputFile> *out) {
  for (std::size_t i = 0; i + 1 < words.size(); ++i)
    if (words[i] == "-options_file" || words[i] == "-options_file_yaml")
      out->push_back({words[i + 1], "options file (" + words[i] + ")"});
}

std::string Where(const std::string &path, int line) { return path + ":" + std::to_string(line) + ": "; }

// Parses the whole text with libyaml (the parser PETSc uses): 0, or the first syntax error as "line: what
// (while what)". PETSc itself reports any of them as "YAML parser loading error", naming neither file nor line.
bool YamlSyntaxError(const std::string &text, int *line, std::string *what) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    *line = 1, *what = "the YAML parser could not start (out of memory)";
    return true;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char *>(text.data()), text.size());
  bool failed = false;
  for (bool done = false; !done;) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      failed = true;
      *line = static_cast<int>(parser.problem_mark.line) + 1;
      *what = parser.problem ? parser.problem : "malformed YAML";
      if (parser.context) {
        *what += std::string(" (") + parser.context;
        if (parser.context_mark.line != parser.problem_mark.line)
          *what += " on line " + std::to_string(parser.context_mark.line + 1);
        *what += ")";
      }
      break;
    }
    done = event.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  return failed;
}

}  // namespace

std::vector<InputFile> OptionsFilesGiven(int argc, const char *const *argv) {
  std::vector<InputFile> files;
  if (const char *env = std::getenv("PETSC_OPTIONS")) {
    std::istringstream in(env);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    Scan(words, &files);
    for (auto &f : files) f.what += " in PETSC_OPTIONS";
  }
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) words.push_back(argv[i] ? argv[i] : "");
  Scan(words, &files);
  return files;
}

void OptionsFilesFirst(int argc, char **argv) {
  std::vector<char *> files, rest;
  for (int i = 1; i < argc; ++i) {
    const bool file = std::string(argv[i]) == "-options_file" || std::string(argv[i]) == "-options_file_yaml";
    if (file && i + 1 < argc) {
      files.push_back(argv[i]), files.push_back(argv[i + 1]);
      ++i;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int k = 1;
  for (char *w : files) argv[k++] = w;
  for (char *w : rest) argv[k++] = w;
}

bool OptionsFileIsYaml(const InputFile &f) {
  return f.what.find("-options_file_yaml") != std::string::npos || EndsWith(f.path, ".yaml") || EndsWith(f.path, ".yml");
}

int OptionsTextCheck(const std::string &path, const std::string &text, bool yaml, std::string *msg) {
  // Binary content: any control character but tab, CR and LF (a NUL is the usual sign).
  int line = 1;
  for (unsigned char c : text) {
    if (c == '\n') ++line;
    else if (c < 0x20 && c != '\t' && c != '\r') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      *msg = Where(path, line) + "binary content (byte " + hex + "): an options file is text" +
             (yaml ? std::string(" (YAML: 'name: value' lines)") : std::string(" ('-name value' lines)"));
      return PETSC_ERR_FILE_UNEXPECTED;
    }
  }
  if (!yaml) return 0;
  // YAML, line by line: dodge's files are block mappings of option names (nested mappings join their keys
  // with '_', as PETSc does), so every key must be unique on its path.
  std::istringstream in(text);
  std::vector<std::pair<std::size_t, std::string>> stack;  // (indent, key) of the enclosing mappings
  std::map<std::string, int> seen;                          // full key -> line
  bool content = false, ended = false;
  line = 0;
  for (std::string s; std::getline(in, s);) {
    ++line;
    if (!s.empty() && s.back() == '\r') s.pop_back();
    const std::size_t ind = s.find_first_not_of(" \t");
    if (ind == std::string::npos || s[ind] == '#') continue;  // blank or comment
    if (s.find('\t') < ind) {
      *msg = Where(path, line) + "a tab in the indentation; YAML indents with spaces only";
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    if (ind == 0 && (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0)) {
      if (s.rfind("...", 0) == 0) ended = true;
      else if (content || ended) {
        *msg = Where(path, line) + "a second YAML document ('---'); an options file is one document (PETSc would read only the first)";
        return PETSC_ERR_FILE_UNEXPECTED;
      }
      continue;
    }
    if (ind == 0 && s[0] == '%') continue;  // a directive (%YAML 1.2)
    if (ended) {
      *msg = Where(path, line) + "text after the end of the YAML document ('...'); an options file is one document";
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    content = true;
    const std::string body = s.substr(ind);
    if (ind == 0 && (body[0] == '-' && (body.size() == 1 || body[1] == ' '))) {
      *msg = Where(path, line) + "the top level is a list ('- ...'); an options file is a mapping of option names to values, "
                                 "e.g. 'agents: 100'";
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    if (ind == 0 && body[0] == '[') {
      *msg = Where(path, line) + "the top level is a list ('[...]'); an options file is a mapping of option names to values, "
                                 "e.g. 'agents: 100'";
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    if (body[0] == '-' && (body.size() == 1 || body[1] == ' ')) continue;  // an item of a nested list
    // The key: up to the first ':' followed by a blank or the end of the line (values may hold ':').
    std::size_t colon = std::string::npos;
    for (std::size_t k = 0; k < body.size(); ++k)
      if (body[k] == ':' && (k + 1 == body.size() || body[k + 1] == ' ' || body[k + 1] == '\t')) {
        colon = k;
        break;
      }
    if (colon == std::string::npos || body[0] == '{') continue;  // a continuation or flow value: PETSc decides
    std::string key = body.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (key.size() >= 2 && (key[0] == '"' || key[0] == '\'') && key.back() == key[0]) key = key.substr(1, key.size() - 2);
    while (!stack.empty() && stack.back().first >= ind) stack.pop_back();
    std::string full, shown;
    for (const auto &e : stack) full += e.second + "_", shown += e.second + ": ";
    full += key, shown += key;
    if (auto [it, fresh] = seen.emplace(full, line); !fresh) {
      *msg = Where(path, line) + "'" + shown + "' is given twice (first on line " + std::to_string(it->second) +
             "); PETSc would silently keep one of them: keep one";
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    stack.emplace_back(ind, key);
  }
  // What the line checks above let through must still parse (an unclosed bracket or quote, a bad indent).
  if (int at = 0; YamlSyntaxError(text, &at, msg)) {
    *msg = Where(path, at) + "YAML syntax error: " + *msg;
    return PETSC_ERR_FILE_UNEXPECTED;
  }
  return 0;
}

int OptionsFileCheck(const InputFile &f, std::string *msg) {
  if (!InputFileUsable(f.path, "an " + f.what, msg)) return PETSC_ERR_FILE_OPEN;
  std::ifstream in(f.path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) {
    *msg = "cannot read the options file '" + f.path + "' (" + f.what + ")";
    return PETSC_ERR_FILE_READ;
  }
  return OptionsTextCheck(f.path, text, OptionsFileIsYaml(f), msg);
}

}  // namespace dodge
