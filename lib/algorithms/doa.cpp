// `doa`: the distributed online algorithm of [WMN14] (inner_loop, Algorithms 2.a/2.b with the warm start of
// the "enhanced DOA") and of [WMN13c] (single_step: one dual step per slot), algorithms.md §9.
#include "algorithms/coordinator_common.hpp"

#include "core/options.hpp"

namespace dodge::algorithms {

namespace {

const char *const kModes[] = {"inner_loop", "single_step"};

class Doa final : public Coordinator {
 public:
  Doa() : Coordinator(CoordinatorKind::doa) {}
  const char *name() const override { return "doa"; }

  PetscErrorCode SetFromOptions() override {
    PetscInt mode = 0;
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "doa_",
                      "Algorithm doa: coordinator dual gradient of Wang, Mao, Nelms (algorithms.md §9)", nullptr);
    PetscCall(OptionsChoice(PetscOptionsObject, "-mode", "inner_loop (iterate (21) to |mu^{k+1} - mu^k| < eps, [WMN14]) or single_step ([WMN13c])", kModes, 2, &mode, nullptr));
    opt_.single_step = mode == 1;
    PetscCall(CoordinatorOptionsRead(PetscOptionsObject, "doa_", &opt_));
    PetscOptionsEnd();
    PetscFunctionReturn(PETSC_SUCCESS);
  }
};

}  // namespace

std::unique_ptr<Algorithm> DoaCreate() { return std::make_unique<Doa>(); }

}  // namespace dodge::algorithms
