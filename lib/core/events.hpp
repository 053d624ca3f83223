// dodge's PETSc profiling events and stages, shown by -log_view (style.md §9).
#pragma once
#include "core/petsc_compat.hpp"

namespace dodge {

struct Events {
  PetscClassId classid;
  PetscLogEvent exchange;      // halo exchange of agent values (begin + end)
  PetscLogEvent local_update;  // per-agent passes of an algorithm step
  PetscLogEvent reduction;     // fused global reductions of per-step scalars
  PetscLogEvent oracle;        // per-step exact optimum
  PetscLogEvent hdf5_write;    // recorder writes
  PetscLogEvent setup_graph;   // graph construction and weights
  PetscLogStage stage_setup, stage_run, stage_output;
};

// Registers the events once (idempotent); collective on PETSC_COMM_WORLD the first time.
PetscErrorCode EventsGet(const Events **events);

}  // namespace dodge
