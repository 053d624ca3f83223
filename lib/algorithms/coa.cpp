// `coa`: the centralized online algorithm of [WMN13]: the coordinator collects every agent's parameters of the
// slot, solves Prob-ON exactly (the oracle of algorithms.md §6) and sends back the decisions (§9).
#include "algorithms/coordinator_common.hpp"
#include "core/options.hpp"

namespace dodge::algorithms {

namespace {

class Coa final : public Coordinator {
 public:
  Coa() : Coordinator(CoordinatorKind::coa) {}
  const char *name() const override { return "coa"; }

  PetscErrorCode SetFromOptions() override {
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "coa_",
                      "Algorithm coa: centralized exact per-slot solve of Wang, Mao, Nelms (algorithms.md §9)",
                      nullptr);
    PetscCall(OptionsInt(PetscOptionsObject, "-trace_iterations",
                         "Also record lambda as series lambda_iter_000 (1) for overlays with doa", 0, 1, &opt_.trace));
    PetscCheck(opt_.trace == 0 || opt_.trace == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-coa_trace_iterations %" PetscInt_FMT " must be 0 or 1 (coa has no inner iterations)", opt_.trace);
    PetscOptionsEnd();
    PetscFunctionReturn(PETSC_SUCCESS);
  }
};

}  // namespace

std::unique_ptr<Algorithm> CoaCreate() { return std::make_unique<Coa>(); }

}  // namespace dodge::algorithms
