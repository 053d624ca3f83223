// The one registry of algorithms: `-algorithm <name>`; a new algorithm adds one line here.
#include <functional>
#include <utility>

#include "algorithms/algorithm.hpp"

namespace dodge::algorithms {

std::unique_ptr<Algorithm> PdctCreate();
std::unique_ptr<Algorithm> Li2022Create();
std::unique_ptr<Algorithm> DoppCreate();
std::unique_ptr<Algorithm> CoaCreate();
std::unique_ptr<Algorithm> DoaCreate();
std::unique_ptr<Algorithm> DpaCreate();
std::unique_ptr<Algorithm> OfflineCreate();
std::unique_ptr<Algorithm> OptimalCreate();
std::unique_ptr<Algorithm> OptimalParCreate();
std::unique_ptr<Algorithm> UniformCreate();
std::unique_ptr<Algorithm> AcaCreate();
std::unique_ptr<Algorithm> ParEcsCreate();
std::unique_ptr<Algorithm> NoneCreate();
std::unique_ptr<Algorithm> MmrCreate();
std::unique_ptr<Algorithm> MfqCreate();

namespace {
const std::pair<const char *, std::function<std::unique_ptr<Algorithm>()>> kRegistry[] = {
    {"pdct", PdctCreate},
    {"li2022", Li2022Create},
    {"dopp", DoppCreate},
    {"coa", CoaCreate},
    {"doa", DoaCreate},
    {"dpa", DpaCreate},
    {"offline", OfflineCreate},
    {"optimal", OptimalCreate},
    {"optimal_par", OptimalParCreate},
    {"uniform", UniformCreate},
    {"aca", AcaCreate},
    {"par_ecs", ParEcsCreate},
    {"none", NoneCreate},
    {"mmr", MmrCreate},
    {"mfq", MfqCreate},
};
}  // namespace

PetscErrorCode Algorithm::SaveState(io::Recorder &) const {
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "algorithm %s does not support checkpoints; run without -checkpoint_every "
          "and -restart, or without signals", name());
}

PetscErrorCode Algorithm::LoadState(io::Reader &) {
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "algorithm %s does not support checkpoints; cannot -restart it", name());
}

std::vector<std::string> AlgorithmNames() {
  std::vector<std::string> names;
  for (const auto &e : kRegistry) names.emplace_back(e.first);
  return names;
}

PetscErrorCode AlgorithmCreate(const std::string &name, std::unique_ptr<Algorithm> *out) {
  PetscFunctionBeginUser;
  for (const auto &e : kRegistry)
    if (name == e.first) {
      *out = e.second();
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  std::string known;
  for (const auto &n : AlgorithmNames()) known += (known.empty() ? "" : ", ") + n;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown -algorithm '%s'; known algorithms: %s", name.c_str(),
          known.c_str());
}

}  // namespace dodge::algorithms
