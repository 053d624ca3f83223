// libFuzzer harness of dodge's options-file check (core/options_files.hpp), the text PETSc's YAML reader gets
// after it: as YAML and as a plain options file.
#include "core/options_files.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);
  for (bool yaml : {true, false}) {
    std::string msg;
    const int code = dodge::OptionsTextCheck("f.yaml", text, yaml, &msg);
    // Either accepted with no message, or refused as a malformed file naming the file and a line.
    FUZZ_CHECK((code == 0 && msg.empty()) || (code == PETSC_ERR_FILE_UNEXPECTED && msg.rfind("f.yaml:", 0) == 0));
    if (!yaml) FUZZ_CHECK(code == 0 || msg.find("binary content") != std::string::npos);
  }
  return 0;
}
