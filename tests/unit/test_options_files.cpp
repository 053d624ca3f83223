// dodge's check of options files before PETSc reads them (core/options_files.hpp, issue 15): every scenario
// file of inputs/ passes; YAML that PETSc would misread or answer with a generic error is refused naming
// the file and line; files named in PETSC_OPTIONS count.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/options_files.hpp"
#include "core/petsc_compat.hpp"

using namespace dodge;

namespace {
std::string InputsDir() {
  const char *env = std::getenv("DODGE_TEST_DATA");
  return (std::filesystem::path(env && *env ? env : DODGE_DATA_DIR) / "..").lexically_normal().string();
}

int Check(const std::string &text, std::string *msg, bool yaml = true) { return OptionsTextCheck("f.yaml", text, yaml, msg); }
}  // namespace

TEST_CASE("every scenario file of inputs/ passes the options-file check", "[options_files]") {
  int n = 0;
  for (const auto &e : std::filesystem::directory_iterator(InputsDir())) {
    if (e.path().extension() != ".yaml") continue;
    std::string msg;
    INFO(e.path().string());
    CHECK(OptionsFileCheck({e.path().string(), "options file (-options_file)"}, &msg) == 0);
    CHECK(msg.empty());
    ++n;
  }
  CHECK(n >= 20);
}

TEST_CASE("YAML options PETSc would misread are refused with file and line", "[options_files]") {
  using namespace std::string_literals;  // "..."s keeps an embedded NUL
  struct Case { std::string text; const char *want; };
  for (const Case &c : {Case{"agents: 7\nsteps: 3\nagents: 8\n"s, "f.yaml:3: 'agents' is given twice (first on line 1)"},
                        Case{"pdct:\n  scheme: S1\n  scheme: S3\n"s, "f.yaml:3: 'pdct: scheme' is given twice (first on line 2)"},
                        Case{"pdct:\n  scheme: S1\npdct_scheme: S2\n"s, "f.yaml:3: 'pdct_scheme' is given twice"},
                        Case{"agents: 7\n---\nsteps: 3\n"s, "f.yaml:2: a second YAML document"},
                        Case{"agents: 7\n...\nsteps: 3\n"s, "f.yaml:3: text after the end of the YAML document"},
                        Case{"pdct:\n\tscheme: S1\n"s, "f.yaml:2: a tab in the indentation"},
                        Case{"- agents: 7\n"s, "f.yaml:1: the top level is a list ('- ...')"},
                        Case{"[agents, 7]\n"s, "f.yaml:1: the top level is a list ('[...]')"},
                        Case{"agents: 7\nsteps: \x01\n"s, "f.yaml:2: binary content (byte 0x01)"},
                        Case{"# comment\n\nagents:\0 7\n"s, "f.yaml:3: binary content (byte 0x00)"},
                        // Syntax errors PETSc reports as "YAML parser loading error", naming no file or line:
                        Case{"agents: 7\nsteps: [1, 2\nseed: 3\n"s,
                             "f.yaml:3: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence on line 2)"},
                        Case{"steps: 10\n  agents: : 5\n"s, "f.yaml:2: YAML syntax error: mapping values are not allowed"},
                        Case{"agents: 7\nname: \"unterminated\n"s, "f.yaml:3: YAML syntax error: found unexpected end of stream"},
                        Case{"pdct:\n    scheme: S1\n  alpha: 2\n"s, "f.yaml:3: YAML syntax error: did not find expected key"}}) {
    std::string msg;
    INFO(c.text);
    CHECK(Check(c.text, &msg) == PETSC_ERR_FILE_UNEXPECTED);
    CHECK_THAT(msg, Catch::Contains(c.want));
  }
}

TEST_CASE("YAML options that are fine pass", "[options_files]") {
  for (const char *text : {"agents: 7\nsteps: 3\n", "---\nagents: 7\n...\n", "%YAML 1.2\n---\nagents: 7\n",
                           "pdct:\n  scheme: S1\ndopp:\n  scheme: S1\n", "dispatch_window_start: 2024/07/05 00:00\n",
                           "graph_files:\n  - a.txt\n  - b.txt\n", "agents: 7 # a\tcomment with a tab\r\n", "", "# only\n"}) {
    std::string msg;
    INFO(text);
    CHECK(Check(text, &msg) == 0);
    CHECK(msg.empty());
  }
  std::string msg;  // a plain options file: only binary content is refused
  CHECK(Check("-agents 7\n-agents 8\n\t-steps 3\n", &msg, false) == 0);
}

TEST_CASE("options files come from the command line and PETSC_OPTIONS", "[options_files]") {
  const char *argv[] = {"dodge", "-options_file", "a.yaml", "-agents", "3", "-options_file_yaml", "b.txt"};
  setenv("PETSC_OPTIONS", "-log_view -options_file c.yml", 1);
  const auto files = OptionsFilesGiven(7, argv);
  unsetenv("PETSC_OPTIONS");
  REQUIRE(files.size() == 3);
  CHECK(files[0].path == "c.yml");
  CHECK(files[0].what == "options file (-options_file) in PETSC_OPTIONS");
  CHECK(files[1].path == "a.yaml");
  CHECK(files[2].path == "b.txt");
  CHECK(OptionsFileIsYaml(files[0]));
  CHECK(OptionsFileIsYaml(files[2]));  // -options_file_yaml, whatever the name
  CHECK(!OptionsFileIsYaml({"x.txt", "options file (-options_file)"}));
}

TEST_CASE("options files move to the front so the command line wins", "[options_files]") {
  std::vector<std::string> words = {"dodge", "-steps", "10", "-options_file", "a.yaml", "-agents", "5",
                                    "-options_file_yaml", "b", "-output_file", "x.h5", "-options_file"};
  std::vector<char *> argv;
  for (auto &w : words) argv.push_back(w.data());
  OptionsFilesFirst(static_cast<int>(argv.size()), argv.data());
  std::vector<std::string> got(argv.begin(), argv.end());
  // a trailing -options_file without a value stays where PETSc will report it
  CHECK(got == std::vector<std::string>{"dodge", "-options_file", "a.yaml", "-options_file_yaml", "b", "-steps", "10",
                                        "-agents", "5", "-output_file", "x.h5", "-options_file"});
}
