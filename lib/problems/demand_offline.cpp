// Prob-OFF of `demand`: J of §10 and its gradient, handed to the oracle's box solver (see demand_offline.hpp).
#include "problems/demand_offline.hpp"

#include <algorithm>
#include <cmath>

#include "comm/exchange.hpp"
#include "problems/kernels.hpp"

namespace dodge::problems {

namespace {

// J of §10 and its gradient on the local block; loads L(t) (every rank). One fused reduction of T + 1 sums.
PetscErrorCode Evaluate(MPI_Comm comm, const DemandOfflineInstance &in, const double *P, double *J, double *grad,
                        std::vector<double> *L) {
  PetscFunctionBeginUser;
  const std::int64_t T = in.T, nl = in.users_local;
  std::vector<double> buf(T + 1, 0.0);
  double users = 0;
  for (std::int64_t i = 0; i < nl; ++i) {
    const double *p = P + i * T, *w = in.omega.data() + i * T;
    double mean = 0, u = 0, dev = 0;
    for (std::int64_t t = 0; t < T; ++t) mean += p[t];
    mean /= static_cast<double>(T);
    for (std::int64_t t = 0; t < T; ++t) {
      buf[t] += p[t];
      u += demand::utility(p[t], w[t]);
      dev += (p[t] - mean) * (p[t] - mean);
    }
    users += u - (in.aggregate ? 0.0 : 0.5 * in.alpha * dev);
  }
  buf[T] = users;
  PetscCall(comm::AllreduceSum(comm, buf.data(), static_cast<int>(T + 1)));
  L->assign(buf.begin(), buf.begin() + T);
  const double cN = in.cN;
  double Lbar = 0, cost = 0, var = 0;
  for (std::int64_t t = 0; t < T; ++t) Lbar += buf[t];
  Lbar /= static_cast<double>(T);
  for (std::int64_t t = 0; t < T; ++t) {
    const double l = buf[t];
    cost += in.ca * l * l / cN + in.cb * l + cN * in.cc;
    var += (l - Lbar) * (l - Lbar);
  }
  *J = buf[T] - cost - (in.aggregate ? in.alpha / (2.0 * cN) * var : 0.0);
  if (grad) {
    std::vector<double> dc(T);
    for (std::int64_t t = 0; t < T; ++t)
      dc[t] = 2.0 * in.ca * buf[t] / cN + in.cb + (in.aggregate ? in.alpha / cN * (buf[t] - Lbar) : 0.0);
    for (std::int64_t i = 0; i < nl; ++i) {
      const double *p = P + i * T, *w = in.omega.data() + i * T;
      double *gr = grad + i * T;
      double mean = 0;
      for (std::int64_t t = 0; t < T; ++t) mean += p[t];
      mean /= static_cast<double>(T);
      const double a = in.aggregate ? 0.0 : in.alpha;
      for (std::int64_t t = 0; t < T; ++t) gr[t] = demand::dutility(p[t], w[t]) - dc[t] - a * (p[t] - mean);
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

double DemandOfflineLipschitz(const DemandOfflineInstance &in) {
  const double per_capita = in.cN > 1.0;
  if (per_capita) return 0.25 + 2.0 * in.ca + in.alpha;
  return in.aggregate ? 0.25 + static_cast<double>(in.users) * (2.0 * in.ca + in.alpha)
                      : 0.25 + 2.0 * in.ca * static_cast<double>(in.users) + in.alpha;
}

PetscErrorCode DemandOfflineEvaluate(MPI_Comm comm, const DemandOfflineInstance &in, const double *P, double *J,
                                     double *pg_inf) {
  PetscFunctionBeginUser;
  const std::size_t n = static_cast<std::size_t>(in.users_local * in.T);
  std::vector<double> grad(n), L;
  PetscCall(Evaluate(comm, in, P, J, grad.data(), &L));
  PetscCall(oracle::ProjectedGradientInf(comm, in.pmin, in.pmax, std::span<const double>(P, n), grad, pg_inf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DemandOfflineSolve(MPI_Comm comm, const DemandOfflineInstance &in, const DemandOfflineOptions &o,
                                  DemandOfflineResult *res) {
  PetscFunctionBeginUser;
  const std::int64_t nl = in.users_local * in.T;
  *res = DemandOfflineResult{};
  res->P.resize(nl);
  // Start from P = d (§10), inside the box.
  for (std::int64_t k = 0; k < nl; ++k) res->P[k] = std::min(std::max(in.d[k], in.pmin), in.pmax);
  oracle::BoxObjective obj;
  obj.evaluate = [&](const double *P, double *J, double *grad) { return Evaluate(comm, in, P, J, grad, &res->L); };
  obj.lo = in.pmin, obj.hi = in.pmax, obj.lipschitz = DemandOfflineLipschitz(in);
  PetscCall(oracle::MaximizeOnBox(comm, obj, o, res->P, res));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::problems
