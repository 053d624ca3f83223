// `dpa`: the distributed pricing algorithm of [SMR10] as [WMN14] compares with it: doa's inner loop with the
// users' proximal weight α = 0 (no load-variance term, no p̂), the same δ, ε, K_max and warm start
// (algorithms.md §9). On dispatch (no proximal term) it equals doa inner_loop.
#include "algorithms/coordinator_common.hpp"

namespace dodge::algorithms {

namespace {

class Dpa final : public Coordinator {
 public:
  Dpa() : Coordinator(CoordinatorKind::dpa) {}
  const char *name() const override { return "dpa"; }

  PetscErrorCode SetFromOptions() override {
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "dpa_",
                      "Algorithm dpa: distributed pricing without smoothing (Samadi et al.; algorithms.md §9)",
                      nullptr);
    PetscCall(CoordinatorOptionsRead(PetscOptionsObject, "dpa_", &opt_));
    PetscOptionsEnd();
    PetscFunctionReturn(PETSC_SUCCESS);
  }
};

}  // namespace

std::unique_ptr<Algorithm> DpaCreate() { return std::make_unique<Dpa>(); }

}  // namespace dodge::algorithms
