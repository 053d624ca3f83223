// Bound-constrained maximization with PETSc TAO or projected gradient (see full_horizon.hpp).
#include "oracle/full_horizon.hpp"

#include <petsctao.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "comm/exchange.hpp"

namespace dodge::oracle {

namespace {

struct TaoCtx {
  const BoxObjective *obj;
  std::int64_t evaluations = 0;
};

// TAO minimizes f = −J.
PetscErrorCode FormFunctionGradient(Tao, Vec X, PetscReal *f, Vec G, void *ptr) {
  auto *c = static_cast<TaoCtx *>(ptr);
  const PetscScalar *x;
  PetscScalar *g;
  PetscInt n;
  double J;
  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(X, &n));
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(VecGetArray(G, &g));
  PetscCall(c->obj->evaluate(x, &J, g));
  for (PetscInt k = 0; k < n; ++k) g[k] = -g[k];
  PetscCall(VecRestoreArray(G, &g));
  PetscCall(VecRestoreArrayRead(X, &x));
  *f = -J;
  c->evaluations++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Monitor(Tao tao, void *) {
  PetscInt it;
  PetscReal f, gnorm, cnorm, xdiff;
  TaoConvergedReason reason;
  PetscFunctionBeginUser;
  PetscCall(TaoGetSolutionStatus(tao, &it, &f, &gnorm, &cnorm, &xdiff, &reason));
  if (it % 10 == 0)
    PetscCall(PetscPrintf(PetscObjectComm((PetscObject)tao), "  offline TAO %6d  -J %.15e  ||proj. grad||_2 %.3e\n",
                          (int)it, (double)f, (double)gnorm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

double Now() {
  PetscLogDouble t;
  PetscTime(&t);
  return t;
}

}  // namespace

PetscErrorCode ProjectedGradientInf(MPI_Comm comm, double lo, double hi, std::span<const double> P,
                                    std::span<const double> grad, double *out) {
  PetscFunctionBeginUser;
  double m = 0;
  for (std::size_t k = 0; k < P.size(); ++k) m = std::max(m, std::fabs(P[k] - std::min(std::max(P[k] + grad[k], lo), hi)));
  PetscCall(comm::AllreduceMax(comm, &m, 1));
  *out = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MaximizeOnBox(MPI_Comm comm, const BoxObjective &obj, const FullHorizonOptions &o, std::span<double> P,
                             FullHorizonResult *res) {
  PetscFunctionBeginUser;
  const double t0 = Now();
  const std::int64_t nl = static_cast<std::int64_t>(P.size());
  *res = FullHorizonResult{};
  std::vector<double> grad(nl);
  if (o.method == "pg") {
    // Projected gradient with step 1/Lipschitz: no line search, monotone, slow but dependable.
    const double step = 1.0 / obj.lipschitz;
    double J = 0, pg = INFINITY;
    std::int64_t it = 0;
    for (;; ++it) {
      PetscCall(obj.evaluate(P.data(), &J, grad.data()));
      PetscCall(ProjectedGradientInf(comm, obj.lo, obj.hi, P, grad, &pg));
      res->evaluations++;
      if (o.monitor && (it % 100 == 0))
        PetscCall(PetscPrintf(comm, "  offline pg %6lld  J %.12e  ||pg||_inf %.3e\n", (long long)it, J, pg));
      if (pg <= o.tol || it >= o.max_it) break;
      for (std::int64_t k = 0; k < nl; ++k) P[k] = std::min(std::max(P[k] + step * grad[k], obj.lo), obj.hi);
    }
    res->iterations = it;
    res->converged = pg <= o.tol;
    res->reason = res->converged ? "projected-gradient norm below tolerance" : "iteration limit";
  } else {
    Vec X, XL, XU;
    Tao tao;
    TaoCtx ctx{&obj, 0};
    PetscCall(VecCreateMPI(comm, static_cast<PetscInt>(nl), PETSC_DETERMINE, &X));
    PetscCall(VecDuplicate(X, &XL));
    PetscCall(VecDuplicate(X, &XU));
    PetscCall(VecSet(XL, obj.lo));
    PetscCall(VecSet(XU, obj.hi));
    {
      PetscScalar *x;
      PetscCall(VecGetArray(X, &x));
      std::copy(P.begin(), P.end(), x);
      PetscCall(VecRestoreArray(X, &x));
    }
    PetscCall(TaoCreate(comm, &tao));
    PetscCall(TaoSetType(tao, o.method == "blmvm" ? TAOBLMVM : TAOBQNLS));
    PetscCall(TaoSetSolution(tao, X));
    PetscCall(TaoSetVariableBounds(tao, XL, XU));
    PetscCall(TaoSetObjectiveAndGradient(tao, nullptr, FormFunctionGradient, &ctx));
    PetscCall(TaoSetMaximumFunctionEvaluations(
        tao, static_cast<PetscInt>(std::min<std::int64_t>(10 * o.max_it + 100, PETSC_MAX_INT))));
    if (o.monitor) PetscCall(TaoSetMonitor(tao, Monitor, nullptr, nullptr));
    // TAO's residual is the 2-norm of its projected gradient (≥ the ∞-norm we need); if it stops on something
    // else first (a line search at the limits of double precision), the check below decides, and a restart
    // with a tighter tolerance continues from where it stopped.
    double pg = INFINITY, J = 0, gatol = o.tol;
    std::int64_t its = 0;
    TaoConvergedReason reason = TAO_CONTINUE_ITERATING;
    for (int round = 0; round < 4 && its < o.max_it; ++round) {
      PetscCall(TaoSetTolerances(tao, gatol, 0.0, 0.0));
      PetscCall(TaoSetMaximumIterations(tao, static_cast<PetscInt>(o.max_it - its)));
      PetscCall(TaoSolve(tao));
      PetscInt k;
      PetscCall(TaoGetIterationNumber(tao, &k));
      PetscCall(TaoGetConvergedReason(tao, &reason));
      its += k;
      const PetscScalar *x;
      PetscCall(VecGetArrayRead(X, &x));
      std::copy(x, x + nl, P.begin());
      PetscCall(VecRestoreArrayRead(X, &x));
      PetscCall(obj.evaluate(P.data(), &J, grad.data()));
      PetscCall(ProjectedGradientInf(comm, obj.lo, obj.hi, P, grad, &pg));
      if (o.monitor)
        PetscCall(PetscPrintf(comm, "  offline TAO round %d: %lld iterations, reason %s, ||pg||_inf %.3e\n", round,
                              (long long)its, TaoConvergedReasons[reason], pg));
      if (pg <= o.tol) break;
      gatol *= 0.01;
    }
    res->iterations = its;
    res->evaluations = ctx.evaluations;
    res->converged = pg <= o.tol;
    res->reason = TaoConvergedReasons[reason];
    PetscCall(TaoDestroy(&tao));
    PetscCall(VecDestroy(&XU));
    PetscCall(VecDestroy(&XL));
    PetscCall(VecDestroy(&X));
  }
  PetscCall(obj.evaluate(P.data(), &res->J, grad.data()));
  PetscCall(ProjectedGradientInf(comm, obj.lo, obj.hi, P, grad, &res->pg_inf));
  res->seconds = Now() - t0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::oracle
