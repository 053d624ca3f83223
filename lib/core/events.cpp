// Registration of dodge's PETSc log events and stages.
#include "core/events.hpp"

namespace dodge {

PetscErrorCode EventsGet(const Events **events) {
  static Events ev;
  static bool registered = false;
  PetscFunctionBeginUser;
  if (!registered) {
    PetscCall(PetscClassIdRegister("dodge", &ev.classid));
    PetscCall(PetscLogEventRegister("DodgeExchange", ev.classid, &ev.exchange));
    PetscCall(PetscLogEventRegister("DodgeLocalUpd", ev.classid, &ev.local_update));
    PetscCall(PetscLogEventRegister("DodgeReduce", ev.classid, &ev.reduction));
    PetscCall(PetscLogEventRegister("DodgeOracle", ev.classid, &ev.oracle));
    PetscCall(PetscLogEventRegister("DodgeH5Write", ev.classid, &ev.hdf5_write));
    PetscCall(PetscLogEventRegister("DodgeGraphSetup", ev.classid, &ev.setup_graph));
    PetscCall(PetscLogStageRegister("Dodge setup", &ev.stage_setup));
    PetscCall(PetscLogStageRegister("Dodge run", &ev.stage_run));
    PetscCall(PetscLogStageRegister("Dodge output", &ev.stage_output));
    registered = true;
  }
  *events = &ev;
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge
