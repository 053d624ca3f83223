// Problem `gridcell` (docs/gridcell.md §16): N prosumer homes of a DC grid cell, block-owned over the ranks
// like every family. Each home draws its coefficients from stream HOME(a = gid), its load from the real system
// profile s(τ) of the bundled hourly traces (CAISO SCE 2014, PJM East 2011) or of the AEMO NSW1 5-minute demand
// (gridcell_data.hpp) with an AR(1) residual LOAD(a = gid, b = τ), its PV from the Haurwitz clear-sky model and
// the cell's 3-state cloud chain CLOUD(b = τ); batteries follow the self-consumption rule b^r = clip(−q̂, b^lo,
// b^hi); bills settle at the tariff (tou, or aemo from the NSW1 prices) and the trade's price (§16.4); the shadow no-trading baseline B1 runs beside the real state. Forecasts are the own-data
// RLS of §16.3 (or persistence, or ideal). Every per-home quantity is a function of its own state only, and
// the only global values that feed a home (the pool balance B_t) come from ExactSum (int64 on the 2^-30 grid),
// so every per-home trajectory is bitwise identical on any rank count. Metrics use one ordinary reduction.
#include <algorithm>
#include <array>
#include <type_traits>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <limits>
#include <memory>
#include <sstream>

#include "comm/collectives.hpp"
#include "comm/errors.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "core/input_files.hpp"
#include "core/options.hpp"
#include "core/rng.hpp"
#include "graph/graph.hpp"
#include "io/cf.hpp"
#include "io/loadtrace.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "problems/gridcell_data.hpp"
#include "problems/gridcell_mfq.hpp"
#include "problems/gridcell_model.hpp"
#include "problems/gridcell_routing.hpp"
#include "problems/gridcell_security.hpp"
#include "problems/market.hpp"

namespace dodge::problems {

namespace {

namespace gc = gridcell;

const char *const kSources[] = {"sce", "pjm", "nsw"};
const char *const kForecasts[] = {"rls", "persistence", "ideal"};
const char *const kScopes[] = {"cell", "neighbours"};
const char *const kTariffs[] = {"tou", "aemo"};
const char *const kPrivacy[] = {"none", "laplace", "mask"};
const char *const kAttackModes[] = {"scale", "replay"};

// The modules' PETSc events (-log_view; bench/bench_gridcell.sh reads them): G1 data, G2 forecasts, G7 shares with
// the detector, G7 learning (RLS and lags), G5/G9 settlement and the step's sums. Registered once, in dodge's class.
struct GcEvents {
  PetscLogEvent data, forecast, share, learn, settle, route, mfq;
};
PetscErrorCode GcEventsGet(const GcEvents **out) {
  static GcEvents ev;
  static bool registered = false;
  PetscFunctionBeginUser;
  if (!registered) {
    const Events *d = nullptr;
    PetscCall(EventsGet(&d));
    PetscCall(PetscLogEventRegister("GcData", d->classid, &ev.data));
    PetscCall(PetscLogEventRegister("GcForecast", d->classid, &ev.forecast));
    PetscCall(PetscLogEventRegister("GcShare", d->classid, &ev.share));
    PetscCall(PetscLogEventRegister("GcLearn", d->classid, &ev.learn));
    PetscCall(PetscLogEventRegister("GcSettle", d->classid, &ev.settle));
    PetscCall(PetscLogEventRegister("GcRoute", d->classid, &ev.route));
    PetscCall(PetscLogEventRegister("GcMfq", d->classid, &ev.mfq));
    registered = true;
  }
  *out = &ev;
  PetscFunctionReturn(PETSC_SUCCESS);
}
const char *const kDetectors[] = {"none", "ewma", "cusum"};
const char *const kRouteModes[] = {"scheduled", "realized"};
const char *const kRouteComm[] = {"triggered", "periodic"};
// Routing's /series columns (appended with -gridcell_route true), in RouteValues' order.
const metrics::SeriesInfo kRouteSeries[] = {
    {"v_bus", "V", "bus voltage V_b after the step's K inner iterations (§16.7)"},
    {"v_err", "V", "e_V = |mean over homes and PCC of v_i - V*|"},
    {"v_maxdev", "1", "max_i |v_i - V*|/V* over homes and PCC"},
    {"iota_star", "1", "common per-unit deviation iota* = sum eps / sum I^rat (0 in scheduled mode)"},
    {"share_err_max", "1", "e_I = max_i |iota_i - iota*| over homes and PCC"},
    {"share_err_rms", "1", "RMS of iota_i - iota* over homes and PCC"},
    {"sched_err", "A", "mean over homes of |I_i - I^sch_i - iota* I^rat_i|"},
    {"losses", "W", "feeder losses sum R_i (I_i - eps_i)^2 (PCC included)"},
    {"pcc_current", "A", "PCC converter current I_p (> 0: injection into the cell)"},
    {"pcc_zeta", "V", "PCC secondary control zeta_p"},
    {"msgs_route", "1", "routing copies sent (event-triggered, §13.1 versions) in the step's K iterations"},
    {"msgs_route_periodic", "1", "periodic reference K sum_i deg_H(i) (homes and PCC)"},
    {"bytes_route", "B", "payload bytes of the routing copies (16 per message: v_bar and iota)"},
    {"kcl_residual", "1", "|sum I_i - sum eps_i| / sum |I_i| (oracle 9, KCL)"},
    {"vbar_drift", "1", "|sum vbar_i - sum v_i| / sum |v_i| after R6 (oracle 9: the observer keeps the sum)"},
};
constexpr int kRouteCols = sizeof(kRouteSeries) / sizeof(kRouteSeries[0]);
// mfq's /series columns (§16.9 RL; appended while learning).
const metrics::SeriesInfo kMfqSeries[] = {
    {"mfq_temperature", "$", "Boltzmann temperature Tb of the step"},
    {"mfq_sell", "1", "battery homes playing a = 0 (full discharge) at the step"},
    {"mfq_idle", "1", "battery homes playing a = 1 (self-consumption rule)"},
    {"mfq_buy", "1", "battery homes playing a = 2 (full charge)"},
    {"mfq_reward_mean", "$", "mean reward -bill_i(t) over the battery homes"},
    {"mfq_updates", "1", "Q updates applied at the step (M0, the deferred update of step t - 1)"}};
constexpr int kMfqCols = sizeof(kMfqSeries) / sizeof(kMfqSeries[0]);

struct SourceInfo {
  const char *file, *time_column, *value_column, *first_day;
  gc::Site site;
  std::int64_t days_default, weekday_first;  // main-window days; weekday (Mon = 0) of the first warm-up day
  std::int64_t days_max;  // whole days the bundled file holds from first_day (warm-up + main window)
};
const SourceInfo kSourceInfo[] = {
    {"caiso/caiso_historical_2014-08-29_to_2014-10-09.csv", "timestamp", "SCE", "2014-08-29", {34.05, -118.25, -7}, 35, 4, 41},
    {"pjm/PJME_hourly_2011-08-29_to_2011-10-09.csv", "ds", "y", "2011-08-29", {39.95, -75.17, -4}, 35, 0, 41},
    // SETTLEMENTDATE 2024/07/01 00:05 to 2024/07/23 00:00 (6336 rows; tests/unit/test_gridcell.cpp reads the file).
    {"aemo/PRICE_AND_DEMAND_202407_NSW1.csv", "", "", "2024-07-01", {-33.87, 151.21, 10}, 19, 0, 22},
};

// Σ_i x_i on the 2^-30 grid, exact in int64 (§16.10): bitwise identical on any rank count. nv quantities.
PetscErrorCode ExactSums(const std::vector<std::int64_t> &local, std::vector<double> *out) {
  PetscFunctionBeginUser;
  std::vector<std::int64_t> v = local;
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, v.data(), static_cast<int>(v.size())));
  out->resize(v.size());
  for (std::size_t k = 0; k < v.size(); ++k) (*out)[k] = static_cast<double>(v[k]) / gc::kGrid;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Series columns of /series (problem part), in order.
enum Col {
  C_BUY, C_SELL, C_MMR, C_CLOUD, C_KC, C_GHI, C_LOAD, C_PV, C_NET, C_IMPORT, C_COST, C_COST0, C_COSTX,
  C_COSTNET, C_OFFERS, C_BIDS, C_MATCHED, C_SOLD, C_BOUGHT, C_IMB, C_BAL, C_UTIL_IMPORT, C_MAPE, C_RMSE_LOAD,
  C_RMSE_PV, C_RMSE_NET, C_SOC, C_SOC0, C_THROUGHPUT, C_MSGS_DATA, C_BYTES_DATA, C_GAP, C_FLAGS_DATA, C_ALARMS_A_DATA,
  C_ALARMS_H_DATA, C_NCOL
};
// The market channel's /series columns (§16.8; appended, after routing's and mfq's, while it is attacked or watched).
const metrics::SeriesInfo kMarketSeries[] = {
    {"flags_market", "1", "flags |r| > z of the market detector at honest homes in the step (§16.8)"},
    {"alarms_attacker_market", "1", "alarmed (attacker -> honest) union edges of the market channel so far (detections)"},
    {"alarms_honest_market", "1", "alarmed (honest -> honest) union edges of the market channel so far (false alarms)"},
    {"market_cut", "1", "neighbours scope: undirected edges cut from the market by alarms; cell scope: homes excluded by a "
                        "strict majority of alarmed neighbours (offers and bids 0)"}};
constexpr int kMarketCols = sizeof(kMarketSeries) / sizeof(kMarketSeries[0]);
// Local sums reduced once per step.
enum Sum { S_LOAD, S_PV, S_NET, S_COST, S_COST0, S_COSTX, S_ABSB, S_OFFERS, S_BIDS, S_SOLD, S_BOUGHT, S_UIMP, S_APE,
           S_SEL, S_SEPV, S_NPV, S_SENET, S_SOC, S_SOC0, S_MSGS, S_GAP, S_FLAGS, S_ALARMS_A, S_ALARMS_H, S_MFQ_SELL, S_MFQ_IDLE,
           S_MFQ_BUY, S_MFQ_REWARD, S_MFQ_UPD, S_MFLAGS, S_MALARMS_A, S_MALARMS_H, S_MEXCL, S_NSUM };

class Gridcell final : public MarketProblem {
 public:
  const char *name() const override { return "gridcell"; }
  std::int64_t default_agents() const override { return 100; }
  // Per home: 4 parameters and 2 flags (Setup), 21 state columns, the 2 evaluation-window bills, the RLS
  // estimate (d) and its matrix (d^2), the lag buffer (L); with shares the ȳ lags (L), the share, ȳ and the
  // held shares with their union-neighbour gids and row-to-union maps (watts_strogatz: about 4 neighbours, 20 bytes each).
  double state_bytes_per_agent() const override {
    const double d = rls_.d;
    const double sh = shares() ? sizeof(double) * (L_ + 2.0) + 4 * 20.0 : 0.0;
    // Routing: the converter (4), the controller state (6), the step's I^sch, eps, I, v, iota, degree, w_ip and
    // copies (10), and per union in-edge the seen version and this step's H(t) entry (about 4 x 24 bytes).
    const double rt = route_.p.on ? sizeof(double) * 20.0 + 4 * 24.0 + (shares() ? 0.0 : 4 * 20.0) : 0.0;
    // §16.8 (an upper bound before the algorithm is known): per union in-edge a chart and its alarm step (about 4
    // x 40 bytes) and per home σ̂ and the honest share, for the data channel; the same again for the market
    // channel with the declared and market positions, the alarm count and the replay rings (ρ_A lag values).
    const bool sec = security();
    const double dsec = sec && shares() ? 4 * 40.0 + 16.0 + rho_a_ * attack_lag_ * 8.0 : 0.0;
    const double msec = sec && ((rho_a_ > 0 && ac_[1]) || (det_.kind != gc::DetectKind::none && dc_[1]))
                            ? (shares() ? 4 * 40.0 + 8.0 : 0.0) + 40.0 + rho_a_ * attack_lag_ * 8.0
                            : 0.0;
    return sizeof(double) * (4.0 + 21.0 + 2.0 + d + d * d + L_) + 2.0 * sizeof(char) + sh + rt + dsec + msec;
  }
  // The shares z̃ (§16.3) travel on G(t): the graph is needed exactly when the neighbour-augmented RLS uses them.
  // Routing (§16.7) runs on H(t) = G(t) plus the PCC's edges, so it needs the graph too.
  bool uses_graph() const override { return shares() || route_.p.on; }
  const char *default_graph_family() const override { return "watts_strogatz"; }  // §16.1: no switching, q = 0
  // After Setup (which ran no warm-up then): the shares' structures on the graph, then the warm-up.
  PetscErrorCode SetGraph(const graph::LocalGraphs &graphs) override {
    PetscFunctionBeginUser;
    graphs_ = &graphs;
    PetscCheck(!route_.p.on || !graphs.directed, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_route true needs an undirected graph (the observer's Metropolis mixing on H(t) must be symmetric to keep "
               "sum vbar = sum v); -graph_family %s is directed",
               graphs.description.c_str());
    PetscCall(SetupShares());
    if (route_.p.on)
      PetscCall(route_.Setup(block_, graphs_, ex_.get(), rfeed_, &nbr_ptr_, &nbr_gid_, &upos_));
    PetscCall(Warmup());
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode SetFromOptions() override {
    // scope: neighbours (§16.5's default); forecast_neighbours: false (own data), see docs/gridcell.md
    PetscInt src = 0, fc = 0, scope = 1, tariff = 0, priv = 0;
    PetscBool days_set = PETSC_FALSE, nb = PETSC_FALSE, tariff_set = PETSC_FALSE, adder_set = PETSC_FALSE, priv_set = PETSC_FALSE,
              eps_set = PETSC_FALSE, sigma_set = PETSC_FALSE;
    PetscReal P[9];
    PetscInt nP = 9;
    PetscBool Pset = PETSC_FALSE;
    PetscReal bins[4];
    PetscInt nbins = 4;
    PetscBool bins_set = PETSC_FALSE;
    PetscReal bat[8];
    PetscInt nbat = 8;
    PetscBool bat_set = PETSC_FALSE;
    PetscReal tou[5];
    PetscInt ntou = 5;
    PetscBool tou_set = PETSC_FALSE;
    PetscReal rls[4];
    PetscInt nrls = 4;
    PetscBool rls_set = PETSC_FALSE;
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "gridcell_",
                      "Problem gridcell: the DC grid cell of prosumer homes (docs/gridcell.md §16; algorithms none, mmr and, §16.6, the generic ones)",
                      nullptr);
    PetscCall(OptionsChoice(PetscOptionsObject, "-source",
                            "Load profile, site, dates and tariff: sce (CAISO SCE 2014, Los Angeles), pjm (PJM East 2011, "
                            "Philadelphia), nsw (AEMO NSW1 2024-07 5-minute demand and price, Sydney, aemo tariff)",
                            kSources, 3, &src, nullptr));
    PetscCall(OptionsInt(PetscOptionsObject, "-days", "Main-window days N_d (default 35, nsw 19; N_w + N_d at most 41 for sce and pjm, 22 for nsw)", 1, 10000,
                         &days_, &days_set));
    PetscCall(OptionsInt(PetscOptionsObject, "-warmup_days", "Warm-up days N_w before the main window (forecasters only)", 0,
                         100, &warmup_));
    PetscCall(OptionsInt(PetscOptionsObject, "-eval_days", "Evaluation window: the last N_e days of the main window", 1, 10000,
                         &eval_days_));
    PetscCall(OptionsReal(PetscOptionsObject, "-load_mean", "Mean home load lbar [kW] (EIA 2020 US residential mean)", kPositive, &lbar_));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-load_kappa", "Home size factor kappa_i range (uniform, HOME c = 0)", kappa_rng_));
    PetscCall(OptionsReal(PetscOptionsObject, "-load_sigma", "AR(1) residual scale sigma_l of the home load", kNonNegative, &sigma_l_));
    PetscCall(OptionsReal(PetscOptionsObject, "-load_rho", "AR(1) residual correlation rho_l per 15 min", RealRange{.lo = 0, .hi = 1, .hi_open = true}, &rho_l_));
    PetscCall(OptionsReal(PetscOptionsObject, "-load_min", "Standby load l_min [kW]", kNonNegative, &lmin_));
    PetscCall(OptionsReal(PetscOptionsObject, "-pv_fraction", "rho_pv: probability that a home has PV", kUnit, &rho_pv_));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-pv_kwp", "PV size range [kWp] (uniform, HOME c = 2)", kwp_rng_));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-pv_orient", "Orientation and shading factor range (HOME c = 3)", orient_rng_));
    PetscCall(OptionsReal(PetscOptionsObject, "-pv_eta", "PV system efficiency eta_pv (PVWatts 14% losses x 0.97 DC-DC)", kPositive, &eta_pv_));
    PetscCall(OptionsReal(PetscOptionsObject, "-pv_ghi_min", "Daylight threshold of the clear-sky index persistence [W/m^2]", kNonNegative, &ghi_min_));
    PetscCall(PetscOptionsRealArray("-cloud_P", "Cloud chain transition probabilities, 9 values row by row (overcast, broken, clear)",
                                    "", P, &nP, &Pset));
    PetscCall(PetscOptionsRealArray("-cloud_bins", "Clear-sky index bin edges k_0 < k_1 < k_2 < k_3 of the three states",
                                    "", bins, &nbins, &bins_set));
    PetscCall(PetscOptionsRealArray("-battery",
                                    "rho_bat (of PV homes), E^b [kWh], P^b [kW], eta each way, SoC_lo, SoC_hi, SoC(1), c_deg [$/kWh] "
                                    "(default 0.5,13.5,5,0.9487,0.1,1,0.5,0.01: Tesla Powerwall 2)",
                                    "", bat, &nbat, &bat_set));
    PetscCall(OptionsChoice(PetscOptionsObject, "-tariff", "Tariff: tou (sce, pjm default) or aemo (nsw default and only: the AEMO wholesale price)", kTariffs, 2,
                            &tariff, &tariff_set));
    PetscCall(OptionsReal(PetscOptionsObject, "-aemo_adder",
                          "aemo tariff: network and retail adder lambda_b - lambda_s [AUD/kWh] over the wholesale price", kNonNegative,
                          &adder_, &adder_set));
    PetscCall(PetscOptionsRealArray("-tou", "tou tariff: off-peak and peak buy price [$/kWh], peak start and end hour, sell price lambda_s "
                                    "(default 0.25,0.45,16,21,0.05)", "", tou, &ntou, &tou_set));
    PetscCall(OptionsChoice(PetscOptionsObject, "-forecast", "Load and PV forecaster: rls (own data), persistence, ideal", kForecasts, 3, &fc, nullptr));
    PetscCall(PetscOptionsBool("-forecast_neighbours",
                               "Use the neighbours' shares ybar in the RLS regressor (dimension 2L + 5; false, the default: own data, L + 5). "
                               "The shares travel on the graph (-graph_family, default watts_strogatz); rls only",
                               "", nb, &nb, nullptr));
    PetscCall(OptionsChoice(PetscOptionsObject, "-share_privacy",
                            "Obfuscation of the shares z_i (§16.8): none, laplace (z + Laplace(0, z_max/eps), stream SHARE) or mask "
                            "(zero-sum pairwise masks over the union-graph neighbours, stream SMASK); needs -gridcell_forecast_neighbours",
                            kPrivacy, 3, &priv, &priv_set));
    PetscCall(OptionsReal(PetscOptionsObject, "-share_eps", "eps_dp of the laplace shares, b_z = z_max/eps (inf: no noise, bitwise none)",
                          RealRange{.lo = 0, .lo_open = true, .inf_ok = true}, &share_eps_, &eps_set));
    PetscCall(OptionsReal(PetscOptionsObject, "-share_mask_sigma", "sigma_z of the mask shares (r_ij = sigma_z normal)", kNonNegative,
                          &mask_sigma_, &sigma_set));
    PetscCall(PetscOptionsRealArray("-rls", "RLS: lags L, forgetting lambda_f, P_0 scale, R_avg (0 = off) (default 4,0.99,100,0)", "",
                                    rls, &nrls, &rls_set));
    PetscCall(OptionsReal(PetscOptionsObject, "-share_zmax", "z_max: cap of the normalized load y = l/(lbar kappa)", kPositive, &zmax_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-market_scope",
                            "Market scope of mmr: neighbours (X1-X4 on the edges of the -graph_ graph, default watts_strogatz) "
                            "or cell (the cell-wide pool, one exact reduction)", kScopes, 2, &scope, nullptr));
    PetscCall(OptionsInt(PetscOptionsObject, "-match_rounds", "R_m: matching rounds of the neighbours scope (>= 1)", 1, 1000,
                         &match_rounds_));
    PetscCall(OptsFromOptions(PetscOptionsObject));
    PetscCall(SecurityFromOptions(PetscOptionsObject));
    PetscCall(RouteFromOptions(PetscOptionsObject));
    PetscCall(PetscOptionsBool("-output_q", "mfq: write the final Q tables as /summary/mfq_Q [agent, 675] (-algorithm mfq, -mfq_policy learn)",
                               "", output_q_, &output_q_, &output_q_set_));
    PetscOptionsEnd();
    source_ = static_cast<int>(src), forecast_ = static_cast<int>(fc), cell_ = scope == 0;
    if (!days_set) days_ = kSourceInfo[source_].days_default;
    tariff_ = tariff_set ? static_cast<int>(tariff) : (source_ == 2 ? 1 : 0);
    PetscCheck(tariff_ == 0 || source_ == 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_tariff aemo needs the AEMO prices of -gridcell_source nsw; -gridcell_source %s has no price data (use "
               "-gridcell_tariff tou)", kSources[source_]);
    PetscCheck(!adder_set || tariff_ == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_aemo_adder applies to -gridcell_tariff aemo only (the tariff is tou)");
    PetscCheck(!tou_set || tariff_ == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_tou applies to -gridcell_tariff tou only (the tariff is aemo)");
    money_ = tariff_ == 1 ? "AUD" : "$";
    units_.cost_units = units_.money_units = money_;
    nb_ = nb == PETSC_TRUE, privacy_ = static_cast<int>(priv);
    // The shares' only consumer is the neighbour-augmented RLS (the detector watches them too): obfuscating
    // shares nobody sends is a mistake in the options, refused rather than ignored; likewise a parameter of the
    // other privacy mode.
    PetscCheck(privacy_ == 0 || shares(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_share_privacy %s obfuscates the shares, which only the neighbour-augmented RLS uses: it needs "
               "-gridcell_forecast rls and -gridcell_forecast_neighbours true",
               kPrivacy[privacy_]);
    PetscCheck(!eps_set || privacy_ == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_share_eps applies to -gridcell_share_privacy laplace only (the privacy is %s)", kPrivacy[privacy_]);
    PetscCheck(!sigma_set || privacy_ == 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_share_mask_sigma applies to -gridcell_share_privacy mask only (the privacy is %s)", kPrivacy[privacy_]);
    PetscCheck(kappa_rng_[0] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-gridcell_load_kappa %g,%g: kappa must be positive",
               kappa_rng_[0], kappa_rng_[1]);
    PetscCheck(kwp_rng_[0] >= 0 && orient_rng_[0] >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-gridcell_pv_kwp and -gridcell_pv_orient must be non-negative ranges");
    if (Pset) {
      PetscCheck(nP == 9, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-gridcell_cloud_P needs 9 values, got %d", (int)nP);
      for (int r = 0; r < 3; ++r) {
        double s = 0;
        for (int c = 0; c < 3; ++c) {
          PetscCheck(P[3 * r + c] >= 0 && P[3 * r + c] <= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                     "-gridcell_cloud_P: entry %d = %g is not a probability in [0, 1]", 3 * r + c + 1, (double)P[3 * r + c]);
          Pc_[r][c] = P[3 * r + c], s += P[3 * r + c];
        }
        PetscCheck(std::fabs(s - 1) <= 1e-12, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                   "-gridcell_cloud_P: row %d sums to %.15g, not 1 (within 1e-12)", r + 1, s);
      }
    }
    if (bins_set) {
      PetscCheck(nbins == 4 && bins[0] >= 0 && bins[0] < bins[1] && bins[1] < bins[2] && bins[2] < bins[3], PETSC_COMM_WORLD,
                 PETSC_ERR_ARG_OUTOFRANGE, "-gridcell_cloud_bins needs 4 increasing non-negative edges");
      for (int k = 0; k < 4; ++k) kbins_[k] = bins[k];
    }
    if (bat_set) {
      PetscCheck(nbat == 8, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-gridcell_battery needs 8 values (rho_bat, E, P, eta, SoC_lo, SoC_hi, SoC(1), c_deg), got %d",
                 (int)nbat);
      rho_bat_ = bat[0], batt_.E = bat[1], batt_.P = bat[2], batt_.eta_c = batt_.eta_d = bat[3];
      batt_.soc_lo = bat[4], batt_.soc_hi = bat[5], batt_.soc0 = bat[6], batt_.c_deg = bat[7];
      PetscCheck(rho_bat_ >= 0 && rho_bat_ <= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_battery: rho_bat = %g is not a probability in [0, 1]", rho_bat_);
      PetscCheck(batt_.E > 0 && batt_.P > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_battery: capacity E^b = %g kWh and power P^b = %g kW must be positive", batt_.E, batt_.P);
      PetscCheck(batt_.eta_c > 0 && batt_.eta_c <= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_battery: efficiency %g is not in (0, 1]", batt_.eta_c);
      PetscCheck(batt_.soc_lo >= 0 && batt_.soc_lo < batt_.soc_hi && batt_.soc_hi <= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_battery: infeasible SoC range [%g, %g] (need 0 <= SoC_lo < SoC_hi <= 1)", batt_.soc_lo, batt_.soc_hi);
      PetscCheck(batt_.soc0 >= batt_.soc_lo && batt_.soc0 <= batt_.soc_hi, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_battery: SoC(1) = %g lies outside [SoC_lo, SoC_hi] = [%g, %g]", batt_.soc0, batt_.soc_lo, batt_.soc_hi);
      PetscCheck(batt_.c_deg >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-gridcell_battery: c_deg = %g is negative", batt_.c_deg);
    }
    if (tou_set) {
      PetscCheck(ntou == 5, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-gridcell_tou needs 5 values (off-peak, peak, start hour, end hour, sell), got %d",
                 (int)ntou);
      for (int k = 0; k < 5; ++k) tou_[k] = tou[k];
    }
    PetscCheck(tou_[4] >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-gridcell_tou: the sell price lambda_s = %g is negative", tou_[4]);
    PetscCheck(tou_[4] <= tou_[0] && tou_[4] <= tou_[1], PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-gridcell_tou: the sell price lambda_s = %g exceeds a buy price (%g off-peak, %g peak): lambda_s <= lambda_b is required",
               tou_[4], tou_[0], tou_[1]);
    PetscCheck(tou_[2] >= 0 && tou_[2] <= tou_[3] && tou_[3] <= 24, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-gridcell_tou: peak hours [%g, %g) must satisfy 0 <= start <= end <= 24", tou_[2], tou_[3]);
    if (rls_set) {
      PetscCheck(nrls == 4, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-gridcell_rls needs 4 values (L, lambda_f, P_0 scale, R_avg), got %d", (int)nrls);
      PetscCheck(rls[0] >= 1 && rls[0] <= 96 && rls[0] == std::floor(rls[0]), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_rls: the lag count L = %g must be an integer in [1, 96]", (double)rls[0]);
      PetscCheck(rls[1] > 0 && rls[1] <= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-gridcell_rls: lambda_f = %g is not in (0, 1]", (double)rls[1]);
      PetscCheck(rls[2] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-gridcell_rls: the P_0 scale %g must be positive", (double)rls[2]);
      PetscCheck(rls[3] >= 0 && rls[3] <= 1e6 && rls[3] == std::floor(rls[3]), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_rls: R_avg = %g must be a whole number of steps in [0, 10^6] (0: no model averaging)", (double)rls[3]);
      L_ = static_cast<int>(rls[0]), rls_.lambda = rls[1], rls_.p0 = rls[2], ravg_ = static_cast<std::int64_t>(rls[3]);
    }
    PetscCheck(eval_days_ <= days_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-gridcell_eval_days %lld exceeds the main window -gridcell_days %lld", (long long)eval_days_, (long long)days_);
    PetscCheck(forecast_ != 0 || 96 * warmup_ >= L_ + 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-gridcell_warmup_days %lld gives %lld warm-up steps, fewer than L + 1 = %d (-gridcell_rls)", (long long)warmup_,
               (long long)(96 * warmup_), L_ + 1);
    // Model averaging mixes θ over the graph G(t) of the shares, so it needs them (uses_graph).
    PetscCheck(ravg_ == 0 || shares(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_rls: model averaging (R_avg = %lld) mixes theta over the graph of the shares; it needs -gridcell_forecast "
               "rls with -gridcell_forecast_neighbours true", (long long)ravg_);
    rls_.d = shares() ? 2 * L_ + 5 : L_ + 5;
    PetscCall(SecurityCheck());
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, std::uint64_t seed) override {
    PetscFunctionBeginUser;
    PetscCall(GcEventsGet(&gev_));
    block_ = block, seed_ = seed;
    const std::int64_t N = block.n;
    const SourceInfo &src = kSourceInfo[source_];
    site_ = src.site;
    path_ = std::string(DODGE_DATA_DIR) + "/" + src.file;
    const std::int64_t total_days = warmup_ + days_;
    // The bundled hourly traces hold 2014-08-29 (2011-08-29) 00:00 to 10-09 23:00: 41 whole days with the
    // closing 00:00 sample the interpolation needs; the AEMO NSW1 file 22 whole days of 5-minute rows.
    PetscCheck(total_days <= src.days_max, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-gridcell_warmup_days %lld + -gridcell_days %lld = %lld days exceed the %lld days of the bundled trace %s (from %s): "
               "with %lld warm-up days the main window holds at most %lld days",
               (long long)warmup_, (long long)days_, (long long)total_days, (long long)src.days_max, path_.c_str(), src.first_day,
               (long long)warmup_, (long long)(src.days_max - warmup_));
    std::vector<double> L, rrp;
    // Registered on every rank before the read (rank 0's CSV reader would otherwise register it first under
    // another name, and the checkpoint's input fingerprint would depend on the rank count).
    if (source_ == 2) {
      // nsw: the 15-minute means of the 5-minute TOTALDEMAND and RRP (§16.2, §16.4).
      RegisterInputFile(path_, "-gridcell_source nsw load and price trace");
      gc::NswSeries ns;
      PetscCall(gc::NswRead(PETSC_COMM_WORLD, path_, src.first_day, total_days, &ns));
      L = std::move(ns.load), rrp = std::move(ns.rrp);
    } else {
      RegisterInputFile(path_, "-gridcell_source load trace");
      io::LoadTrace tr;
      PetscCall(io::LoadTraceRead(PETSC_COMM_WORLD, path_, src.time_column, src.value_column, src.first_day, total_days, &tr));
      L = io::LoadTraceSlots(tr.hourly, 4);
    }
    taus_ = 96 * total_days, tau0_ = 96 * warmup_, T_ = 96 * days_;
    PetscCheck(static_cast<std::int64_t>(L.size()) == taus_, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "gridcell: %zu load slots, expected %lld",
               L.size(), (long long)taus_);
    double mean = 0;
    for (std::int64_t k = tau0_; k < taus_; ++k) mean += L[k];
    mean /= static_cast<double>(T_);
    Lsys_ = L, profile_.resize(taus_);
    for (std::int64_t k = 0; k < taus_; ++k) profile_[k] = L[k] / mean;
    // Day 0 of the axis, the weekday of the first warm-up day, and the global per-step inputs.
    int y, m, d;
    std::sscanf(src.first_day, "%d-%d-%d", &y, &m, &d);
    day0_ = gc::DaysFromCivil(y, m, d);
    weekday0_ = static_cast<int>(((day0_ + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday (Mon = 0)
    ghi_.resize(taus_), cloud_.resize(taus_), kc_.resize(taus_), buy_.resize(taus_), sell_.resize(taus_);
    int c = 2;
    for (std::int64_t k = 0; k < taus_; ++k) {
      const double hm = HourStart(k) + 0.125;
      ghi_[k] = gc::GhiClearSky(gc::CosZenith(site_, day0_ + k / 96, hm));
      c = gc::CloudNext(Pc_, c, rng::uniform(seed_, rng::CLOUD, 0, k, 0));
      cloud_[k] = c;
      const double lo = kbins_[c], hi = kbins_[c + 1];
      kc_[k] = lo + (hi - lo) * rng::uniform(seed_, rng::CLOUD, 0, k, 1);
      const double hs = HourStart(k);
      if (tariff_ == 1) gc::AemoTariff(rrp[k], adder_, &buy_[k], &sell_[k]);
      else buy_[k] = (hs >= tou_[2] && hs < tou_[3]) ? tou_[1] : tou_[0], sell_[k] = tou_[4];
    }
    // §16.11: 0 <= λ_s <= λ_b at every step (the tou values are checked with their option).
    double bmax = 0;
    for (std::int64_t k = 0; k < taus_; ++k) {
      PetscCheck(sell_[k] >= 0 && sell_[k] <= buy_[k], PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "gridcell: step %lld has lambda_s = %g and lambda_b = %g; 0 <= lambda_s <= lambda_b is required (-gridcell_tariff)",
                 (long long)k, sell_[k], buy_[k]);
      bmax = std::max(bmax, buy_[k]);
    }
    // ExactSum bound (§16.10): N·X_max < 2^33 with X_max = 30 kW (offers, bids, trades) and 30·max λ_b (money/h),
    // max λ_b over the whole series (the aemo tariff's from the prices).
    const double xmax = 30.0 * std::max(1.0, bmax);
    PetscCheck(static_cast<double>(N) * xmax < 8589934592.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-agents %lld exceeds the exact-sum bound of gridcell: N x %g must stay below 2^33 (docs/gridcell.md §16.10)",
               (long long)N, xmax);
    // Homes.
    const std::int64_t nl = block.local();
    kappa_.resize(nl), has_pv_.resize(nl), kwp_.resize(nl), orient_.resize(nl), has_bat_.resize(nl), rfeed_.resize(nl);
    for (std::int64_t i = 0; i < nl; ++i) {
      const std::uint64_t g = static_cast<std::uint64_t>(block.start + i);
      kappa_[i] = rng::uniform(kappa_rng_[0], kappa_rng_[1], seed_, rng::HOME, g, 0, 0);
      has_pv_[i] = rng::uniform(seed_, rng::HOME, g, 0, 1) < rho_pv_;
      kwp_[i] = has_pv_[i] ? rng::uniform(kwp_rng_[0], kwp_rng_[1], seed_, rng::HOME, g, 0, 2) : 0.0;
      orient_[i] = has_pv_[i] ? rng::uniform(orient_rng_[0], orient_rng_[1], seed_, rng::HOME, g, 0, 3) : 0.0;
      has_bat_[i] = has_pv_[i] && rng::uniform(seed_, rng::HOME, g, 0, 4) < rho_bat_;
      rfeed_[i] = rng::uniform(route_.p.r_lo, route_.p.r_hi, seed_, rng::HOME, g, 0, 5);
    }
    // Routing's exact sums (§16.10): N x X_max < 2^33 with X_max = 320 A, the V_b numerator's per-home bound
    // (zeta clipped), which dominates the PCC schedule's 80 A and Gsum's 5 S.
    PetscCheck(!route_.p.on || static_cast<double>(N) * 320.0 < 8589934592.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-agents %lld exceeds the exact-sum bound of -gridcell_route: N x 320 A must stay below 2^33 (docs/gridcell.md §16.10)",
               (long long)N);
    if (!uses_graph()) PetscCall(Warmup());  // with the graph, SetGraph runs it
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // The state's reset and the warm-up: data, forecast and learning only (G1, G2, G7).
  PetscErrorCode Warmup() {
    PetscFunctionBeginUser;
    PetscCall(ResetState());
    for (std::int64_t k = 0; k < tau0_; ++k) {
      PetscCall(DataForecast(k));
      PetscCall(Learn(k));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::int64_t horizon() const override { return T_; }
  PetscErrorCode SetSteps(std::int64_t T) override {
    PetscFunctionBeginUser;
    PetscCheck(T >= 1 && T <= T_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-steps %lld is outside 1..%lld (96 x -gridcell_days)",
               (long long)T, (long long)T_);
    T_run_ = T;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // G1-G3 of step t: data, forecasts, the battery rule, the declared positions.
  PetscErrorCode BeginStep(std::int64_t t, ScalarKernel *kernel) override {
    PetscFunctionBeginUser;
    const std::int64_t k = tau0_ + t - 1;
    // Data and forecasts advance state (the AR(1) residual, the lags): a second call for the same step (the
    // coordinators peek at step 1 in their Setup) returns the step's kernel without repeating them.
    if (t == begun_) {
      OptKernel(k, kernel);
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    begun_ = t;
    PetscCall(DataForecast(k));
    const std::int64_t nl = block_.local();
    const bool learn = mfq_.learn;
    double tb = 0;
    if (learn) {
      PetscCall(PetscLogEventBegin(gev_->mfq, 0, 0, 0, 0));
      tb = gc::Temperature(mfq_, Ctr(t));
      mfq_step_[0] = mfq_step_[1] = mfq_step_[2] = mfq_step_[3] = 0;
      tb_ = tb;
    }
    for (std::int64_t i = 0; i < nl; ++i) {
      const double qh = lhat_[i] - pvhat_[i];
      qhat_[i] = qh;
      double lo = 0, hi = 0, lo0 = 0, hi0 = 0;
      if (has_bat_[i]) {
        lo = gc::BatteryLo(batt_, soc_[i]), hi = gc::BatteryHi(batt_, soc_[i]);
        lo0 = gc::BatteryLo(batt_, soc0_[i]), hi0 = gc::BatteryHi(batt_, soc0_[i]);
      }
      b_[i] = gc::clip(-qh, lo, hi);
      b0_[i] = gc::clip(-qh, lo0, hi0);
      if (learn && has_bat_[i]) {
        // §16.5 M0 (the deferred update of step t - 1 with s' = s_i(t), mf = mf_i(t - 1)) and M1 (act).
        const int s = gc::MfqState(mfq_, qh, soc_[i], HourStart(k)), mf = static_cast<int>(mmf_[i]);
        double *Q = qtab_.data() + i * gc::kMfqQ;
        if (t >= 2 && ma_[i] >= 0) {
          const double v = gc::Backup(Q + gc::QIndex(s, mf, 0), tb, mfq_.backup_max);
          double &q = Q[gc::QIndex(static_cast<int>(ms_[i]), mf, static_cast<int>(ma_[i]))];
          q = gc::QUpdate(q, mfq_.eta, -bill_[i], mfq_.gamma, v);
          mfq_step_[3] += 1;
        }
        double pi[3];
        gc::Boltzmann(Q + gc::QIndex(s, mf, 0), tb, pi);
        const int a = gc::Act(pi, rng::uniform(seed_, rng::MFQ, static_cast<std::uint64_t>(block_.start + i),
                                               static_cast<std::uint64_t>(Ctr(t)), 0));
        ms_[i] = s, ma_[i] = a, mfq_step_[a] += 1;
        if (a == 0) b_[i] = lo;
        else if (a == 2) b_[i] = hi;
      }
      nhat_[i] = qh + b_[i];
    }
    if (learn) PetscCall(PetscLogEventEnd(gev_->mfq, 0, 0, 0, 0));
    if (market_on()) Declare(t);
    OptKernel(k, kernel);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // §16.6: every e_i(λ_b) <= 0, so the oracle's multiplier lies in [0, λ_b(t)].
  PetscErrorCode OracleBracket(std::int64_t t, const ScalarKernel &, double *mu_hi) override {
    *mu_hi = buy_[tau0_ + t - 1];
    return PETSC_SUCCESS;
  }
  // Σ_i range_i = 2ēN (the scalar family's constraint scale, §16.6).
  double constraint_scale() const override { return 2.0 * opt_.emax * static_cast<double>(block_.n); }
  bool opt_family() const override { return true; }
  const char *default_step_scheme() const override { return "G"; }
  const char *opt_option_given() const override { return opt_given_; }

  const double *declared() const override { return market_on() ? mkt_.data() : nhat_.data(); }
  const std::vector<std::int64_t> *market_cut(std::int64_t *version) const override {
    *version = mcut_version_;
    return mdetect_ && !cell_ ? &mcut_ : nullptr;
  }
  // §16.8 on the market channel, at G4 of step t: the attackers' declarations n_hat' = (1 + s) n_hat + beta, or
  // n_hat of `lag` main steps earlier, from t_A on (honest before, and before a replay has `lag` steps to send);
  // in the cell scope, a home alarmed by a strict majority of its union-graph neighbours (alarms up to t − 1)
  // offers and bids 0. Attackers settle honestly: their battery, metered n_i and routing are untouched.
  void Declare(std::int64_t t) {
    const std::int64_t nl = block_.local();
    const bool poison = mattack_ && t >= attack_t0();
    mexcl_ = 0;
    for (std::int64_t i = 0; i < nl; ++i) {
      double v = nhat_[i];
      if (mattack_ && attacker_[i]) {
        if (attack_mode_ == 0) {
          if (poison) v = gc::PoisonScale(v, mattack_s_, mattack_beta_);
        } else {
          // Slot (t − 1) mod lag was written at main step t − lag.
          double &slot = mring_[mslot_[i] * attack_lag_ + (t - 1) % attack_lag_];
          const double old = slot;
          slot = nhat_[i];
          if (poison && t > attack_lag_) v = old;
        }
      }
      ndecl_[i] = v;
      const bool excluded = cell_ && mdetect_ && 2 * mcount_[i] > nbr_ptr_[i + 1] - nbr_ptr_[i];
      mkt_[i] = excluded ? 0.0 : v;
      mexcl_ += excluded;
    }
  }

  // ---- mfq (§16.5): the learning state is the family's; the options are the algorithm's (market.cpp) ----
  PetscErrorCode SetupLearning(const gc::MfqParams &p) override {
    PetscFunctionBeginUser;
    mfq_ = p;
    const std::int64_t nl = block_.local();
    qtab_.assign(nl * gc::kMfqQ, 0.0), day_cost_.assign(nl, 0.0);
    ma_.assign(nl, -1.0), ms_.assign(nl, -1.0), mmf_.assign(nl, 1.0);  // mf_i(0) = 1
    double nb = 0;
    for (std::int64_t i = 0; i < nl; ++i) nb += has_bat_[i] ? 1.0 : 0.0;
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, &nb, 1));
    nbat_ = nb, pass_ = 1, tb_ = gc::Temperature(mfq_, 0);
    pass_days_.assign(static_cast<std::size_t>(mfq_.passes * Days()), 0.0);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  const double *actions() const override { return mfq_.learn ? ma_.data() : nullptr; }
  void SetMeanField(std::int64_t i, int mf) override { mmf_[i] = mf; }
  PetscErrorCode NewPass(int pass) override {
    PetscFunctionBeginUser;
    PetscCheck(mfq_.learn && pass == pass_ + 1 && pass <= mfq_.passes, PETSC_COMM_WORLD, PETSC_ERR_PLIB,
               "gridcell: pass %d after pass %d of %d", pass, pass_, mfq_.passes);
    // Every state but Q_i returns to the start of the run (the data replay: the streams are keyed by tau).
    PetscCall(Warmup());
    acc_[0] = Acc{}, acc_[1] = Acc{};
    begun_ = 0, mu_step_ = -1;
    std::fill(ma_.begin(), ma_.end(), -1.0), std::fill(ms_.begin(), ms_.end(), -1.0), std::fill(mmf_.begin(), mmf_.end(), 1.0);
    std::fill(day_cost_.begin(), day_cost_.end(), 0.0);
    pass_ = pass;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  double pass_cost() const override {
    double c = 0;
    for (std::int64_t d = 0; d < Days(); ++d) c += pass_days_[static_cast<std::size_t>((pass_ - 1) * Days() + d)];
    return c;
  }
  const char *learning_option_given() const override { return output_q_set_ ? "-gridcell_output_q" : nullptr; }
  double mid_market_rate() const override { return 0.5 * (buy_[cur_] + sell_[cur_]); }
  bool cell_scope() const override { return cell_; }
  int match_rounds() const override { return static_cast<int>(match_rounds_); }

  // G5 settle, shadow baseline, SoC; G7 learning; G9 the step's sums. x = e_i, prices = π_i.
  PetscErrorCode EndStep(std::int64_t t, const double *e, const StepPrices &prices) override {
    PetscFunctionBeginUser;
    PetscCall(PetscLogEventBegin(gev_->settle, 0, 0, 0, 0));
    const std::int64_t k = tau0_ + t - 1, nl = block_.local();
    const double lb = buy_[k], ls = sell_[k];
    // Pool account (§16.6): A_t = Δ Σ π_i e_i, E_t = Σ e_i, both exact; B_t = A_t − Δ C^U(E_t).
    std::vector<std::int64_t> ex(2, 0);
    for (std::int64_t i = 0; i < nl; ++i) {
      const double pi = prices.uniform_set ? prices.uniform : (prices.agent ? prices.agent[i] : 0.0);
      price_[i] = pi, e_[i] = e[i];
      ex[0] += gc::GridInt(e[i]), ex[1] += gc::GridInt(pi * e[i]);
    }
    std::vector<double> es;
    PetscCall(ExactSums(ex, &es));
    E_ = es[0];
    const double A = gc::kDelta * es[1];
    B_ = A - gc::kDelta * gc::Utility(lb, ls, E_);
    const double share = B_ / static_cast<double>(block_.n);
    std::vector<double> s(S_NSUM, 0.0);
    const bool has_mu = mu_step_ == t;  // the metrics' oracle ran this step (§16.9 opt metric)
    for (std::int64_t i = 0; i < nl; ++i) {
      const double n = load_[i] - pv_[i] + b_[i], n0 = load_[i] - pv_[i] + b0_[i];
      net_[i] = n;
      const double deg = batt_.c_deg * std::fabs(b_[i]);
      bill_[i] = gc::kDelta * (price_[i] * e_[i] + gc::Utility(lb, ls, n - e_[i]) + deg) - share;
      bill0_[i] = gc::kDelta * (gc::Utility(lb, ls, n0) + batt_.c_deg * std::fabs(b0_[i]));
      billx_[i] = gc::kDelta * (gc::Utility(lb, ls, n) + deg);
      if (has_bat_[i]) {
        soc_[i] = gc::BatteryNext(batt_, soc_[i], b_[i]);
        soc0_[i] = gc::BatteryNext(batt_, soc0_[i], b0_[i]);
      }
      cost_[i] += bill_[i], cost0_[i] += bill0_[i];
      const double dcl = market_on() ? mkt_[i] : nhat_[i];  // what entered the market
      const double off = gc::GridRound(gc::pos(-dcl)), bid = gc::GridRound(gc::pos(dcl));
      s[S_LOAD] += load_[i], s[S_PV] += pv_[i], s[S_NET] += n, s[S_COST] += bill_[i], s[S_COST0] += bill0_[i];
      s[S_COSTX] += billx_[i], s[S_ABSB] += std::fabs(b_[i]), s[S_OFFERS] += off, s[S_BIDS] += bid;
      s[S_SOLD] += gc::pos(-e_[i]), s[S_BOUGHT] += gc::pos(e_[i]), s[S_UIMP] += gc::pos(n - e_[i]);
      s[S_APE] += std::fabs(load_[i] - lhat_[i]) / load_[i];
      s[S_SEL] += (load_[i] - lhat_[i]) * (load_[i] - lhat_[i]);
      if (has_pv_[i] && ghi_[k] >= ghi_min_) s[S_SEPV] += (pv_[i] - pvhat_[i]) * (pv_[i] - pvhat_[i]), s[S_NPV] += 1;
      const double qerr = (load_[i] - pv_[i]) - qhat_[i];
      s[S_SENET] += qerr * qerr;
      s[S_SOC] += soc_[i], s[S_SOC0] += soc0_[i];
      if (has_mu) s[S_GAP] += std::fabs(price_[i] - mu_star_);
    }
    PetscCall(PetscLogEventEnd(gev_->settle, 0, 0, 0, 0));
    if (route_.p.on) {
      // Module 4 on the step's schedule n̂ (and, realized mode, the metered n): it feeds nothing back.
      PetscCall(PetscLogEventBegin(gev_->route, 0, 0, 0, 0));
      PetscCall(route_.Step(t, nhat_.data(), net_.data()));
      PetscCall(PetscLogEventEnd(gev_->route, 0, 0, 0, 0));
    }
    PetscCall(Learn(k));  // G7 (the sums above are taken; the shares' messages join them)
    if (mdetect_) {
      PetscCall(PetscLogEventBegin(gev_->share, 0, 0, 0, 0));
      PetscCall(MarketDetect(t));
      PetscCall(PetscLogEventEnd(gev_->share, 0, 0, 0, 0));
    }
    PetscCall(PetscLogEventBegin(gev_->settle, 0, 0, 0, 0));
    s[S_MSGS] = share_msgs_;
    if (market_on()) {
      s[S_MFLAGS] = mflags_, s[S_MALARMS_A] = mah_, s[S_MALARMS_H] = mhh_;
      s[S_MEXCL] = mexcl_;
    }
    s[S_FLAGS] = flags_, s[S_ALARMS_A] = alarms_ah_, s[S_ALARMS_H] = alarms_hh_;
    if (mfq_.learn) {
      s[S_MFQ_SELL] = mfq_step_[0], s[S_MFQ_IDLE] = mfq_step_[1], s[S_MFQ_BUY] = mfq_step_[2], s[S_MFQ_UPD] = mfq_step_[3];
      for (std::int64_t i = 0; i < nl; ++i)
        if (has_bat_[i]) s[S_MFQ_REWARD] -= bill_[i];
    }
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, s.data(), S_NSUM));
    if (market_on()) {
      mrow_[0] = s[S_MFLAGS], mrow_[1] = s[S_MALARMS_A], mrow_[2] = s[S_MALARMS_H];
      mrow_[3] = cell_ ? s[S_MEXCL] : static_cast<double>(mcut_.size() / 2);
    }
    if (mfq_.learn) {
      mfq_row_[0] = tb_, mfq_row_[1] = s[S_MFQ_SELL], mfq_row_[2] = s[S_MFQ_IDLE], mfq_row_[3] = s[S_MFQ_BUY];
      mfq_row_[4] = nbat_ > 0 ? s[S_MFQ_REWARD] / nbat_ : 0.0, mfq_row_[5] = s[S_MFQ_UPD];
    }
    // The /series row and the window accumulators.
    const double N = static_cast<double>(block_.n);
    double *r = row_;
    r[C_BUY] = lb, r[C_SELL] = ls, r[C_MMR] = 0.5 * (lb + ls), r[C_CLOUD] = cloud_[k], r[C_KC] = kc_[k];
    r[C_GHI] = ghi_[k], r[C_LOAD] = s[S_LOAD], r[C_PV] = s[S_PV], r[C_NET] = s[S_NET], r[C_IMPORT] = gc::pos(s[S_NET]);
    r[C_COST] = s[S_COST], r[C_COST0] = s[S_COST0], r[C_COSTX] = s[S_COSTX];
    r[C_COSTNET] = gc::kDelta * (gc::Utility(lb, ls, s[S_NET]) + batt_.c_deg * s[S_ABSB]);
    r[C_OFFERS] = s[S_OFFERS], r[C_BIDS] = s[S_BIDS], r[C_MATCHED] = gc::kDelta * s[S_SOLD], r[C_SOLD] = s[S_SOLD];
    r[C_BOUGHT] = s[S_BOUGHT], r[C_IMB] = E_, r[C_BAL] = B_, r[C_UTIL_IMPORT] = s[S_UIMP] + gc::pos(E_);
    r[C_MAPE] = 100.0 * s[S_APE] / N, r[C_RMSE_LOAD] = std::sqrt(s[S_SEL] / N);
    r[C_RMSE_PV] = s[S_NPV] > 0 ? std::sqrt(s[S_SEPV] / s[S_NPV]) : 0.0, r[C_RMSE_NET] = std::sqrt(s[S_SENET] / N);
    r[C_SOC] = s[S_SOC] / N, r[C_SOC0] = s[S_SOC0] / N, r[C_THROUGHPUT] = gc::kDelta * s[S_ABSB];
    // G7 carries z̃_i, plus the metered n_i for the market detector (and, cell scope, n_hat'_i: the neighbours
    // scope has it from X1).
    r[C_MSGS_DATA] = s[S_MSGS], r[C_BYTES_DATA] = sizeof(double) * s[S_MSGS] * (mdetect_ ? (cell_ ? 3 : 2) : 1);
    r[C_GAP] = has_mu ? s[S_GAP] / N : std::nan("");
    r[C_FLAGS_DATA] = s[S_FLAGS], r[C_ALARMS_A_DATA] = s[S_ALARMS_A], r[C_ALARMS_H_DATA] = s[S_ALARMS_H];
    const bool eval = t > T_run() - 96 * eval_days_;
    for (int w = 0; w < 2; ++w) {
      if (w == 1 && !eval) continue;
      Acc &a = acc_[w];
      a.steps += 1, a.C += r[C_COST], a.C0 += r[C_COST0], a.Cx += r[C_COSTX], a.Cnet += r[C_COSTNET];
      a.load += gc::kDelta * s[S_LOAD], a.imp_phys += gc::kDelta * gc::pos(s[S_NET]);
      a.imp_util += gc::kDelta * r[C_UTIL_IMPORT], a.matched += r[C_MATCHED];
      a.mape += r[C_MAPE], a.msel += s[S_SEL] / N, a.msenet += s[S_SENET] / N, a.sepv += s[S_SEPV], a.npv += s[S_NPV];
      if (has_mu) a.gap += r[C_GAP], a.ngap += 1;
      if (mfq_.learn) {
        a.asell += s[S_MFQ_SELL], a.aidle += s[S_MFQ_IDLE], a.abuy += s[S_MFQ_BUY], a.reward += s[S_MFQ_REWARD];
        a.updates += s[S_MFQ_UPD];
      }
      if (route_.p.on) {
        const gc::RouteMetrics &rm = route_.m;
        a.rv += rm.v_err, a.rvmax = std::max(a.rvmax, rm.v_maxdev), a.rimax += rm.share_err_max, a.rirms += rm.share_err_rms;
        a.rsched += rm.sched_err, a.rmsgs += rm.msgs, a.rper += rm.msgs_periodic, a.rloss += gc::kDelta * rm.losses;
      }
      if (w == 1) {
        cost_eval_local_.resize(nl), cost0_eval_local_.resize(nl);
        for (std::int64_t i = 0; i < nl; ++i) cost_eval_local_[i] += bill_[i], cost0_eval_local_[i] += bill0_[i];
      }
    }
    if (mfq_.learn) {
      // The community cost per pass and day: each home's day on the 2^-20 $ grid, summed exactly when the day ends
      // (int64, so the same on any rank count; N x 2^20 x the largest day bill stays far below 2^63).
      for (std::int64_t i = 0; i < nl; ++i) day_cost_[i] += bill_[i];
      if (t % 96 == 0 || t == T_run()) {
        std::int64_t c = 0;
        for (std::int64_t i = 0; i < nl; ++i) c += std::llround(day_cost_[i] * kDayGrid);
        PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &c, 1));
        pass_days_[static_cast<std::size_t>((pass_ - 1) * Days() + (t - 1) / 96)] = static_cast<double>(c) / kDayGrid;
        std::fill(day_cost_.begin(), day_cost_.end(), 0.0);
      }
    }
    PetscCall(PetscLogEventEnd(gev_->settle, 0, 0, 0, 0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::vector<metrics::SeriesInfo> home_fields() const override {
    std::vector<metrics::SeriesInfo> f = HomeFields();
    if (route_.p.on) {
      f.push_back({"zeta", "V", "secondary control zeta_i after the step (§16.7)"});
      f.push_back({"v", "V", "converter terminal voltage v_i after iteration K"});
      f.push_back({"iota", "1", "per-unit deviation iota_i = (I_i - I^sch_i)/I^rat_i after iteration K"});
    }
    if (mfq_.learn) {
      f.push_back({"action", "1", "mfq action a_i(t): 0 sell (full discharge), 1 idle (rule), 2 buy (full charge); -1 without battery"});
      f.push_back({"mfq_state", "1", "mfq state s_i(t) in 0..74 ((3 n-bin + S-bin) 5 + period); -1 without battery"});
      f.push_back({"mfq_mf", "1", "mean field mf_i(t) of the market neighbours' actions (0, 1, 2)"});
    }
    if (market_on()) {
      f.push_back({"declared", "kW", "position n_hat'_i that entered the market (poisoned for attackers from t_A; 0 if excluded, cell scope)"});
      f.push_back({"alarms_out", "1", "neighbours home i has alarmed so far, on every watched channel (§16.8)"});
    }
    return f;
  }
  std::vector<metrics::SeriesInfo> HomeFields() const {
    return Money({{"load", "kW", "home load l_i(t)"},
            {"pv", "kW", "PV output pv_i(t)"},
            {"load_hat", "kW", "load forecast"},
            {"pv_hat", "kW", "PV forecast"},
            {"battery", "kW", "battery power b_i (> 0 charging, grid side)"},
            {"soc", "1", "state of charge after the step"},
            {"net_sched", "kW", "declared net position q_hat + b"},
            {"net", "kW", "metered net import n_i = l - pv + b"},
            {"bill", "$", "bill of the step"},
            {"bill_shadow", "$", "bill of the shadow no-trading baseline B1"},
            {"soc_shadow", "1", "state of charge of the shadow baseline"}});
  }
  double traded(std::int64_t i) const override { return e_[i]; }
  double pool_price(std::int64_t i) const override { return price_[i]; }
  void SetStepOptimum(std::int64_t t, double mu_star) override { mu_step_ = t, mu_star_ = mu_star; }
  void home_values(std::int64_t i, double *o) const override {
    o[0] = load_[i], o[1] = pv_[i], o[2] = lhat_[i], o[3] = pvhat_[i], o[4] = b_[i], o[5] = soc_[i], o[6] = nhat_[i];
    o[7] = net_[i], o[8] = bill_[i], o[9] = bill0_[i], o[10] = soc0_[i];
    int c = 11;
    if (route_.p.on) o[c] = route_.zeta[i], o[c + 1] = route_.v[i], o[c + 2] = route_.iota[i], c += 3;
    if (mfq_.learn) o[c] = ma_[i], o[c + 1] = ms_[i], o[c + 2] = mmf_[i], c += 3;
    if (market_on()) {
      double a = 0;
      for (std::int64_t u = nbr_ptr_.empty() ? 0 : nbr_ptr_[i]; !nbr_ptr_.empty() && u < nbr_ptr_[i + 1]; ++u)
        a += (ddetect_ && charts_[u].alarmed) + (mdetect_ && mcharts_[u].alarmed);
      o[c] = mkt_[i], o[c + 1] = a;
    }
  }

  const Units &units() const override { return units_; }
  double time_of(std::int64_t t) const override { return 0.25 * static_cast<double>(t - 1); }
  // CF time: hours since the main window's first midnight, at the site's UTC offset.
  std::string time_units() const override {
    std::int64_t y;
    unsigned m, d;
    gc::CivilFromDays(day0_ + tau0_ / 96, &y, &m, &d);
    char day[32];
    std::snprintf(day, sizeof(day), "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return "hours since " + io::cf::ReferenceTime(day, site_.utc_offset);
  }
  std::string describe() const override {
    char buf[1536], tb[96], sec[512] = "";
    std::snprintf(tb, sizeof tb, "aemo (wholesale RRP + %g AUD/kWh)", adder_);
    const std::string tariff = tariff_ == 1 ? tb : "tou";
    if (shares() && security()) {
      char att[128] = "no attackers";
      if (dattack_ && attack_mode_ == 0)
        std::snprintf(att, sizeof att, "attackers rho_A = %g on the shares (scale s = %g, beta = %g) from day %lld", rho_a_, attack_s_,
                      attack_beta_, (long long)attack_day_);
      else if (dattack_)
        std::snprintf(att, sizeof att, "attackers rho_A = %g on the shares (replay, lag %lld) from day %lld", rho_a_, (long long)attack_lag_,
                      (long long)attack_day_);
      std::snprintf(sec, sizeof sec, ", %s, detector %s", att, kDetectors[static_cast<int>(det_.kind)]);
    }
    if (market_on()) {
      char mk[200];
      if (mattack_ && attack_mode_ == 0)
        std::snprintf(mk, sizeof mk, ", market channel: attackers rho_A = %g declare (1 + %g) n_hat + %g kW from day %lld", rho_a_, mattack_s_, mattack_beta_,
                      (long long)attack_day_);
      else if (mattack_)
        std::snprintf(mk, sizeof mk, ", market channel: attackers rho_A = %g replay n_hat (lag %lld) from day %lld", rho_a_, (long long)attack_lag_,
                      (long long)attack_day_);
      else
        std::snprintf(mk, sizeof mk, ", market channel: no attackers");
      std::snprintf(sec + std::strlen(sec), sizeof sec - std::strlen(sec), "%s, market detector %s", mk,
                    mdetect_ ? kDetectors[static_cast<int>(det_.kind)] : "none");
    }
    std::snprintf(buf, sizeof buf,
                  "gridcell: %lld homes, source %s (%s), %lld + %lld days (warm-up + main), tariff %s, forecast %s%s%s, market "
                  "scope %s%s",
                  (long long)block_.n, kSources[source_], path_.c_str(), (long long)warmup_, (long long)days_, tariff.c_str(),
                  kForecasts[forecast_], forecast_ == 0 ? (nb_ ? " with neighbours, shares " : " (own data)") : "",
                  shares() ? kPrivacy[privacy_] : "", cell_ ? "cell" : "neighbours", sec);
    std::string d = buf;
    if (route_.p.on) {
      const gc::RouteParams &rp = route_.p;
      char rb[256];
      std::snprintf(rb, sizeof rb, ", routing %s (K = %lld, %s, V* = %g V, %lld PCC links)", kRouteModes[rp.realized ? 1 : 0], (long long)rp.K,
                    rp.periodic ? "periodic" : "event-triggered", rp.Vs, (long long)std::min<std::int64_t>(rp.dp, block_.n));
      d += rb;
    }
    return d;
  }
  std::vector<metrics::SeriesInfo> series() const override {
    std::vector<metrics::SeriesInfo> v = Money({{"price_buy", "$/kWh", "retail price lambda_b(t)"},
            {"price_sell", "$/kWh", "feed-in price lambda_s(t)"},
            {"price_mmr", "$/kWh", "mid-market rate P_m(t)"},
            {"cloud_state", "1", "cloud chain state (0 overcast, 1 broken, 2 clear)"},
            {"clear_sky_index", "1", "clear-sky index kc(t)"},
            {"ghi_cs", "W/m^2", "clear-sky GHI at the interval midpoint"},
            {"load", "kW", "sum of the home loads"},
            {"pv", "kW", "sum of the PV outputs"},
            {"net", "kW", "sum of the metered net imports n_i"},
            {"import_cell", "kW", "[sum n_i]_+"},
            {"cost", "$", "community cost C_t = sum of the bills"},
            {"cost_shadow", "$", "community cost of the shadow no-trading baseline B1"},
            {"cost_counterfactual", "$", "B0: the same positions without trades"},
            {"cost_netting", "$", "netting bound Delta [C^U(sum n) + c_deg sum |b|]"},
            {"offers", "kW", "sum of the offers s_i (2^-30 grid)"},
            {"bids", "kW", "sum of the bids d_i (2^-30 grid)"},
            {"matched", "kWh", "matched energy Delta sum sold_i"},
            {"sold", "kW", "sum of sold_i"},
            {"bought", "kW", "sum of bought_i"},
            {"pool_imbalance", "kW", "E_t = sum e_i (exact sum)"},
            {"pool_balance", "$", "B_t = A_t - Delta C^U(E_t)"},
            {"import_util", "kW", "sum [n_i - e_i]_+ + [E_t]_+"},
            {"mape", "%", "mean absolute percentage error of the load forecasts"},
            {"rmse_load", "kW", "RMSE of the load forecasts"},
            {"rmse_pv", "kW", "RMSE of the PV forecasts (PV homes, GHI_cs >= threshold)"},
            {"rmse_net", "kW", "RMSE of the net forecasts q_hat"},
            {"soc_mean", "1", "mean state of charge over all homes"},
            {"soc_shadow_mean", "1", "mean shadow state of charge"},
            {"throughput", "kWh", "Delta sum |b_i|"},
            {"msgs_data", "1", "shares sent on the active edges of G(t) (one double per directed edge, §16.3)"},
            {"bytes_data", "B", "payload bytes of the shares (8 per message)"},
            {"price_gap_mean", "$/kWh", "mean_i |pi_i - mu*_t|: the prices' distance to the per-step optimum (NaN: no oracle)"},
            {"flags_data", "1", "flags |r| > z of the share detector at honest homes in the step (§16.8; 0 without a detector)"},
            {"alarms_attacker_data", "1", "alarmed (attacker -> honest) union edges of the shares so far (detections)"},
            {"alarms_honest_data", "1", "alarmed (honest -> honest) union edges of the shares so far (false alarms)"}});
    if (route_.p.on) v.insert(v.end(), std::begin(kRouteSeries), std::end(kRouteSeries));
    if (mfq_.learn) {
      const std::size_t first = v.size();
      v.insert(v.end(), std::begin(kMfqSeries), std::end(kMfqSeries));
      for (std::size_t c = first; c < v.size(); ++c) v[c].units = Money(v[c].units);
    }
    if (market_on()) v.insert(v.end(), std::begin(kMarketSeries), std::end(kMarketSeries));
    return v;
  }
  void series_values(std::int64_t, double *out) const override {
    std::copy(row_, row_ + C_NCOL, out);
    if (mfq_.learn) std::copy(mfq_row_, mfq_row_ + kMfqCols, out + C_NCOL + (route_.p.on ? kRouteCols : 0));
    if (market_on()) std::copy(mrow_, mrow_ + kMarketCols, out + C_NCOL + (route_.p.on ? kRouteCols : 0) + (mfq_.learn ? kMfqCols : 0));
    if (!route_.p.on) return;
    const gc::RouteMetrics &m = route_.m;
    const double r[kRouteCols] = {m.v_bus,     m.v_err,       m.v_maxdev, m.iota_star, m.share_err_max, m.share_err_rms, m.sched_err, m.losses,
                                  m.pcc_current, m.pcc_zeta, m.msgs,     m.msgs_periodic, 16.0 * m.msgs, m.kcl,         m.vbar_drift};
    std::copy(r, r + kRouteCols, out + C_NCOL);
  }

  PetscErrorCode RecordInputs(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    std::vector<double> v(nl);
    auto put = [&](const char *nm, const char *u, const char *ln, auto f) -> PetscErrorCode {
      for (std::int64_t i = 0; i < nl; ++i) v[i] = f(i);
      return rec.WriteDistributedArray(std::string("gridcell/") + nm, n, off, nl, v.data(), u, ln, "agent");
    };
    PetscCall(put("kappa", "1", "home size factor", [&](std::int64_t i) { return kappa_[i]; }));
    PetscCall(put("has_pv", "1", "1 if the home has PV", [&](std::int64_t i) { return has_pv_[i] ? 1.0 : 0.0; }));
    PetscCall(put("pv_kwp", "kWp", "PV size", [&](std::int64_t i) { return kwp_[i]; }));
    PetscCall(put("orient", "1", "orientation and shading factor", [&](std::int64_t i) { return orient_[i]; }));
    PetscCall(put("has_battery", "1", "1 if the home has a battery", [&](std::int64_t i) { return has_bat_[i] ? 1.0 : 0.0; }));
    PetscCall(put("battery_kwh", "kWh", "battery capacity", [&](std::int64_t i) { return has_bat_[i] ? batt_.E : 0.0; }));
    PetscCall(put("battery_kw", "kW", "battery power", [&](std::int64_t i) { return has_bat_[i] ? batt_.P : 0.0; }));
    PetscCall(put("r_feeder", "Ohm", "feeder resistance", [&](std::int64_t i) { return rfeed_[i]; }));
    if (route_.p.on) {
      PetscCall(put("r_droop", "Ohm", "droop resistance r^d_i (§16.7)", [&](std::int64_t i) { return route_.conv[i].rd; }));
      PetscCall(put("i_rated", "A", "converter rating I^rat_i", [&](std::int64_t i) { return route_.conv[i].irat; }));
    }
    PetscCall(put("attacker", "1", "1 if the home attacks (u(GCATTACK) < rho_A, §16.8)",
                  [&](std::int64_t i) { return attacker_.empty() ? 0.0 : static_cast<double>(attacker_[i]); }));
    const std::int64_t nt = taus_;
    PetscCall(rec.WriteGlobalArray("gridcell/profile", profile_.data(), nt, "1", "s(tau) = L(tau)/Lbar, warm-up included"));
    PetscCall(rec.WriteGlobalArray("gridcell/load_system", Lsys_.data(), nt, "MW",
                                   source_ == 2 ? "system load L(tau): mean of the interval's three 5-minute TOTALDEMAND"
                                                : "system load L(tau) at the interval midpoint"));
    PetscCall(rec.WriteGlobalArray("gridcell/ghi_cs", ghi_.data(), nt, "W/m^2", "clear-sky GHI"));
    std::vector<double> cs(cloud_.begin(), cloud_.end());
    PetscCall(rec.WriteGlobalArray("gridcell/cloud_state", cs.data(), nt, "1", "cloud chain state"));
    PetscCall(rec.WriteGlobalArray("gridcell/clear_sky_index", kc_.data(), nt, "1", "clear-sky index"));
    PetscCall(rec.WriteGlobalArray("gridcell/price_buy", buy_.data(), nt, Money("$/kWh"), "lambda_b"));
    PetscCall(rec.WriteGlobalArray("gridcell/price_sell", sell_.data(), nt, Money("$/kWh"), "lambda_s"));
    const char *g = "/inputs/gridcell";
    PetscCall(rec.SetAttribute(g, "source", std::string(kSources[source_])));
    PetscCall(rec.SetAttribute(g, "file", path_));
    PetscCall(rec.SetAttribute(g, "lat", site_.lat));
    PetscCall(rec.SetAttribute(g, "lon", site_.lon));
    PetscCall(rec.SetAttribute(g, "utc_offset", site_.utc_offset));
    PetscCall(rec.SetAttribute(g, "warmup_steps", tau0_));
    PetscCall(rec.SetAttribute(g, "forecast", std::string(kForecasts[forecast_])));
    PetscCall(rec.SetAttribute(g, "tariff", std::string(kTariffs[tariff_])));
    PetscCall(rec.SetAttribute(g, "currency", money_));
    if (tariff_ == 1) PetscCall(rec.SetAttribute(g, "aemo_adder", adder_));
    PetscCall(rec.SetAttribute(g, "forecast_neighbours", shares() ? 1.0 : 0.0));
    // -gridcell_rls as run: L, λ_f, the P_0 scale and R_avg (0: no model averaging).
    PetscCall(rec.SetAttribute(g, "rls_lags", static_cast<double>(L_)));
    PetscCall(rec.SetAttribute(g, "rls_lambda", rls_.lambda));
    PetscCall(rec.SetAttribute(g, "rls_p0", rls_.p0));
    PetscCall(rec.SetAttribute(g, "rls_avg", static_cast<double>(ravg_)));
    PetscCall(rec.SetAttribute(g, "share_privacy", std::string(shares() ? kPrivacy[privacy_] : "none")));
    PetscCall(rec.SetAttribute(g, "share_eps", share_eps_));
    PetscCall(rec.SetAttribute(g, "share_mask_sigma", mask_sigma_));
    PetscCall(rec.SetAttribute(g, "attack_fraction", rho_a_));
    const auto join = [](bool d, bool m, bool u) {
      std::string out;
      for (auto [on, name] : {std::pair{d, "data"}, std::pair{m, "market"}, std::pair{u, "dual"}})
        if (on) {
          if (!out.empty()) out += ',';
          out += name;
        }
      return out;
    };
    const std::string attacked = join(dattack_, mattack_, dual_.attack), watched = join(ddetect_, mdetect_, dual_.detect);
    PetscCall(rec.SetAttribute(g, "attack_channels", attacked));
    PetscCall(rec.SetAttribute(g, "attack_mode", std::string(kAttackModes[attack_mode_])));
    PetscCall(rec.SetAttribute(g, "attack_start_day", attack_day_));
    PetscCall(rec.SetAttribute(g, "attack_start_step", attack_t0()));
    PetscCall(rec.SetAttribute(g, "attack_lag", attack_lag_));
    PetscCall(rec.SetAttribute(g, "attack_data_s", attack_s_));
    PetscCall(rec.SetAttribute(g, "attack_data_beta", attack_beta_));
    PetscCall(rec.SetAttribute(g, "detect", std::string(kDetectors[static_cast<int>(det_.kind)])));
    PetscCall(rec.SetAttribute(g, "detect_channels", watched));
    PetscCall(rec.SetAttribute(g, "attack_market_s", mattack_s_));
    PetscCall(rec.SetAttribute(g, "attack_market_beta", mattack_beta_));
    PetscCall(rec.SetAttribute(g, "detect_floor_market", floors_[1]));
    PetscCall(rec.SetAttribute(g, "attack_dual_s", dual_.s));
    PetscCall(rec.SetAttribute(g, "attack_dual_beta_mu", dual_.beta[0]));
    PetscCall(rec.SetAttribute(g, "attack_dual_beta_y", dual_.beta[1]));
    PetscCall(rec.SetAttribute(g, "detect_floor_dual_mu", floors_[2]));
    PetscCall(rec.SetAttribute(g, "detect_floor_dual_y", floors_[3]));
    PetscCall(rec.SetAttribute(g, "detect_nu", det_.nu));
    PetscCall(rec.SetAttribute(g, "detect_omega", det_.omega));
    PetscCall(rec.SetAttribute(g, "detect_h", det_.h));
    PetscCall(rec.SetAttribute(g, "detect_flag", det_.flag));
    PetscCall(rec.SetAttribute(g, "detect_min_values", static_cast<std::int64_t>(det_.min_values)));
    PetscCall(rec.SetAttribute(g, "detect_floor_data", floors_[0]));
    PetscCall(rec.SetAttribute(g, "battery_eta", batt_.eta_c));
    PetscCall(rec.SetAttribute(g, "soc_lo", batt_.soc_lo));
    PetscCall(rec.SetAttribute(g, "soc_hi", batt_.soc_hi));
    PetscCall(rec.SetAttribute(g, "soc_initial", batt_.soc0));
    PetscCall(rec.SetAttribute(g, "c_deg", batt_.c_deg));
    // §16.6's surrogate (used by the generic algorithms only).
    PetscCall(rec.SetAttribute(g, "opt_cf", opt_.cf));
    PetscCall(rec.SetAttribute(g, "opt_ws", opt_.ws));
    PetscCall(rec.SetAttribute(g, "opt_emax", opt_.emax));
    PetscCall(rec.SetAttribute(g, "oracle", std::string(oracle_realized_ ? "realized" : "forecast")));
    PetscCall(rec.SetAttribute(g, "name", std::string("gridcell")));
    PetscCall(rec.SetAttribute(g, "route", route_.p.on ? 1.0 : 0.0));
    if (route_.p.on) {
      const gc::RouteParams &rp = route_.p;
      PetscCall(rec.SetAttribute(g, "route_mode", std::string(kRouteModes[rp.realized ? 1 : 0])));
      PetscCall(rec.SetAttribute(g, "route_comm", std::string(kRouteComm[rp.periodic ? 1 : 0])));
      PetscCall(rec.SetAttribute(g, "route_iters", rp.K));
      PetscCall(rec.SetAttribute(g, "route_v_star", rp.Vs));
      PetscCall(rec.SetAttribute(g, "route_gains", std::to_string(rp.kv) + "," + std::to_string(rp.kc) + "," + std::to_string(rp.zlim)));
      PetscCall(rec.SetAttribute(g, "route_trigger", std::to_string(rp.c0) + "," + std::to_string(rp.c1) + "," + std::to_string(rp.rho)));
      // The PCC: its rating, droop and feeder resistances, and its d_p edges {p, j}, j = 0..d_p - 1.
      // The PCC: its rating [A], droop and feeder resistances [Ohm], and its d_p edges {p, j}, j = 0..d_p - 1.
      PetscCall(rec.SetAttribute(g, "route_pcc_i_rated", route_.pconv.irat));
      PetscCall(rec.SetAttribute(g, "route_pcc_r_droop", route_.pconv.rd));
      PetscCall(rec.SetAttribute(g, "route_pcc_r_feeder", route_.pconv.rf));
      PetscCall(rec.SetAttribute(g, "route_pcc_links", route_.dp));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode View() const override {
    Summary s;
    PetscFunctionBeginUser;
    PetscCall(Summarize(&s));
    for (const auto &[k, v] : s.values) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6f\n", k.c_str(), v));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode RecordSummary(io::Recorder &rec) const override {
    Summary s;
    PetscFunctionBeginUser;
    PetscCall(Summarize(&s));
    for (const auto &[k, v] : s.values) {
      std::string key = k;
      std::replace(key.begin(), key.end(), ' ', '_');
      PetscCall(rec.SetAttribute("/", "gridcell_" + key, v));
    }
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    std::vector<double> sav(nl);
    const double days = static_cast<double>(acc_[0].steps) / 96.0;
    for (std::int64_t i = 0; i < nl; ++i) sav[i] = (cost0_[i] - cost_[i]) / days;
    PetscCall(rec.WriteDistributedArray("/summary/home_cost", n, off, nl, cost_.data(), Money("$"), "per-home cost over the main window", "agent"));
    PetscCall(rec.WriteDistributedArray("/summary/home_cost_shadow", n, off, nl, cost0_.data(), Money("$"), "per-home cost of B1", "agent"));
    PetscCall(rec.WriteDistributedArray("/summary/home_saving", n, off, nl, sav.data(), Money("$/day"), "per-home saving against B1", "agent"));
    if (mfq_.learn) {
      // -mfq_passes: the community cost per pass and day (the last pass is the recorded run: /series/cost).
      std::vector<double> pc(mfq_.passes, 0.0);
      for (int q = 0; q < mfq_.passes; ++q)
        for (std::int64_t d = 0; d < Days(); ++d) pc[q] += pass_days_[static_cast<std::size_t>(q * Days() + d)];
      PetscCall(rec.WriteGlobalArray("/summary/mfq_pass_cost", pc.data(), mfq_.passes, Money("$"),
                                     "community cost of each pass of -mfq_passes (the last one is the recorded run)"));
      PetscCall(rec.WriteGlobalArray("/summary/mfq_pass_daily_cost", pass_days_.data(), static_cast<std::int64_t>(pass_days_.size()),
                                     Money("$"), "community cost per pass and day, row-major [pass, day] (days of the run, from its first step)"));
      PetscCall(rec.SetAttribute("/summary/mfq_pass_daily_cost", "shape", "passes " + std::to_string(mfq_.passes) + " x days " +
                                                                              std::to_string(static_cast<long long>(Days()))));
      if (output_q_)
        PetscCall(rec.WriteDistributedTable("/summary/mfq_Q", n, off, nl, gc::kMfqQ, qtab_.data(), Money("$"),
                                            "final Q_i[s][mf][a] per home at column (s 3 + mf) 3 + a (0 without a battery)"));
    }
    if (mdetect_) {
      // Every alarm of the market channel: (receiver, sender, main step), sorted by receiver and sender.
      std::vector<double> al(malarms_.begin(), malarms_.end());
      PetscCall(rec.WriteGlobalArray("/summary/market_alarms", al.data(), static_cast<std::int64_t>(al.size()), "1",
                                     "market-channel alarms, row-major [alarm, 3]: receiver gid, sender gid, main step of the alarm"));
      PetscCall(rec.SetAttribute("/summary/market_alarms", "shape", "alarms " + std::to_string(malarms_.size() / 3) + " x 3"));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // Checkpoint (docs/gridcell.md §16.10). Setup rebuilds the homes' parameters, the global inputs and the
  // warm-up; LoadState then overwrites everything a step carries to the next: the per-home arrays of
  // HomeState(), the counts nseen_ and cur_, and the two window accumulators acc_. The step's outputs (load_,
  // pv_, the forecasts, b, bills, e, E_, B_, row_) are recomputed by the next step before anything reads them,
  // so they are not saved. Per-home arrays are stored by global home id (home g holds entries [g w, (g + 1) w)
  // of an array of width w), so a restart may use any rank count. A checkpoint is untrusted input: the shapes
  // and the values are checked here (every rank its own homes, one verdict for all), beyond the manifest.
  PetscErrorCode SaveState(io::Recorder &ck) const override {
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    PetscFunctionBeginUser;
    for (const HomeArray &a : HomeState()) {
      PetscCheck(static_cast<std::int64_t>(a.v->size()) == nl * a.width, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "gridcell checkpoint: %s holds %zu values, expected %lld", a.name, a.v->size(), (long long)(nl * a.width));
      PetscCall(ck.WriteDistributedArray(std::string("/state/gridcell_") + a.name, n * a.width, off * a.width, nl * a.width,
                                         a.v->data(), a.units, a.long_name, a.width == 1 ? "agent" : ""));
    }
    const double counts[2] = {static_cast<double>(nseen_), static_cast<double>(cur_)};
    PetscCall(ck.WriteGlobalArray("/state/gridcell_counts", counts, 2, "1", "steps learned from (nseen), tau of the last step"));
    std::vector<double> acc;
    for (const Acc &w : acc_)
      for (double Acc::*f : kAccFields) acc.push_back(w.*f);
    PetscCall(ck.WriteGlobalArray("/state/gridcell_acc", acc.data(), static_cast<std::int64_t>(acc.size()), "mixed",
                                  "window accumulators (main, evaluation)"));
    if (shares()) {
      // The held shares, one per union-graph in-edge, in home order and then by the neighbour's gid (the CSR
      // nbr_ptr_/nbr_gid_, the same on any rank count), with the neighbour's gid beside each for the check.
      std::int64_t off_e = 0, ne = 0;
      PetscCall(HeldExtent(&off_e, &ne));
      PetscCall(ck.WriteDistributedArray("/state/gridcell_held", ne, off_e, nbr_ptr_[nl], held_.data(), "1",
                                         "held share z of each union-graph in-edge (home, then neighbour gid); NaN: none yet"));
      PetscCall(ck.WriteDistributedArray("/state/gridcell_held_gid", ne, off_e, nbr_ptr_[nl], nbr_gid_.data(), "1",
                                         "the neighbour of each entry of gridcell_held"));
      if (security()) PetscCall(SaveSecurity(ck, off_e, ne));
    }
    if (market_on()) {
      std::int64_t off_e = 0, ne = 0;
      if (mdetect_) PetscCall(HeldExtent(&off_e, &ne));
      PetscCall(SaveChannel(ck, off_e, ne, "_market", mdetect_ ? mcharts_ : std::vector<gc::EdgeChart>{}, malarm_t_, msig_, mring_));
    }
    if (route_.p.on) {
      std::int64_t off_e = 0, ne = 0;
      PetscCall(HeldExtent(&off_e, &ne));
      PetscCall(route_.Save(ck, off_e, ne));
    }
    if (mfq_.learn)
      PetscCall(ck.WriteGlobalArray("/state/gridcell_mfq_pass_days", pass_days_.data(), static_cast<std::int64_t>(pass_days_.size()),
                                    "$", "mfq: community cost per pass and day so far, [pass, day]"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // §16.8's state (security on): per union in-edge in held_'s layout the chart (s0, s1, values seen, main step of
  // the alarm or NaN), per home σ̂_i (NaN until its first value), and the replay rings of the replaying attackers in
  // increasing gid. The alarm counts follow from the alarm steps and the roles, so they are not saved.
  PetscErrorCode SaveSecurity(io::Recorder &ck, std::int64_t off_e, std::int64_t ne) const {
    PetscFunctionBeginUser;
    PetscCall(SaveChannel(ck, off_e, ne, "", charts_, alarm_t_, sig_, replay_));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // One channel's detector state (suffix "" for data, "_market"): charts and alarm steps per union in-edge (when
  // charts exist), σ̂ per home, and the replay rings (when any).
  PetscErrorCode SaveChannel(io::Recorder &ck, std::int64_t off_e, std::int64_t ne, const std::string &sfx, const std::vector<gc::EdgeChart> &charts,
                             const std::vector<std::int64_t> &alarm_t, const std::vector<double> &sig, const std::vector<double> &ring) const {
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    PetscFunctionBeginUser;
    if (!charts.empty()) {
      const std::int64_t nloc_e = nbr_ptr_[nl];
      std::vector<double> ch(4 * nloc_e);
      for (std::int64_t u = 0; u < nloc_e; ++u) {
        const gc::EdgeChart &c = charts[u];
        ch[4 * u] = c.s[0], ch[4 * u + 1] = c.s[1], ch[4 * u + 2] = static_cast<double>(c.seen);
        ch[4 * u + 3] = alarm_t[u] == kNoAlarm ? std::nan("") : static_cast<double>(alarm_t[u]);
      }
      PetscCall(ck.WriteDistributedArray("/state/gridcell_charts" + sfx, 4 * ne, 4 * off_e, 4 * nloc_e, ch.data(), "1",
                                         "detector chart of each entry of gridcell_held: s0, s1, values seen, alarm step (NaN: none)"));
      PetscCall(ck.WriteDistributedArray("/state/gridcell_sigma" + sfx, n, off, nl, sig.data(), "1",
                                         "detector residual scale sigma_hat_i (NaN: no value yet)", "agent"));
    }
    std::int64_t roff = 0, rn = 0;
    PetscCall(RingExtent(ring, &roff, &rn));
    if (rn > 0)
      PetscCall(ck.WriteDistributedArray("/state/gridcell_replay" + sfx, rn, roff, static_cast<std::int64_t>(ring.size()), ring.data(), "1",
                                         "replay rings of the replaying attackers (increasing gid; slot k mod lag holds step k)"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode RingExtent(const std::vector<double> &ring, std::int64_t *off, std::int64_t *total) const {
    PetscFunctionBeginUser;
    std::int64_t r = static_cast<std::int64_t>(ring.size());
    PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, r, off));
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &r, 1));
    *total = r;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // The security state of a checkpoint at main step t, checked: shapes; charts finite and within what the chart
  // can reach (EWMA |s0| <= 10, s1 = 0; CUSUM s0, s1 in [0, h + 10]; nothing with the detector off), whole counts of
  // values seen up to the steps shared so far, alarm steps whole and in [1 - tau0, t] and only with a detector;
  // sigma NaN or finite and not below the floor; replay values finite (in [0, z_max] without obfuscation).
  PetscErrorCode LoadSecurity(io::Reader &ck, const char *file, std::int64_t t) {
    PetscFunctionBeginUser;
    const double hi = privacy_ == 0 ? zmax_ : INFINITY, lo = privacy_ == 0 ? 0.0 : -INFINITY;
    PetscCall(LoadChannel(ck, file, t, "", det_.floor, true, lo, hi, charts_, alarm_t_, sig_, replay_, &alarms_ah_, &alarms_hh_));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // One channel's state of a checkpoint at main step t (SaveChannel's datasets), checked: shapes; charts finite and
  // within what the chart can reach (EWMA |s0| <= 10, s1 = 0; CUSUM s0, s1 in [0, h + 10]; nothing with the
  // detector off), whole counts of values seen up to the steps shared so far, alarm steps whole and in
  // [1 - tau0, t] and only with a detector; sigma NaN or finite and not below the floor; replay values finite
  // and in [ring_lo, ring_hi]. *ah, *hh: the alarms at honest receivers from attackers and honest senders.
  PetscErrorCode LoadChannel(io::Reader &ck, const char *file, std::int64_t t, const std::string &sfx, double floor, bool with_charts,
                             double ring_lo, double ring_hi, std::vector<gc::EdgeChart> &charts, std::vector<std::int64_t> &alarm_t,
                             std::vector<double> &sig_out, std::vector<double> &ring, double *ah, double *hh) {
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local(), nloc_e = with_charts ? nbr_ptr_[nl] : 0;
    std::int64_t off_e = 0, ne = 0, roff = 0, rn = 0;
    PetscFunctionBeginUser;
    if (with_charts) PetscCall(HeldExtent(&off_e, &ne));
    PetscCall(RingExtent(ring, &roff, &rn));
    const std::string pc = "/state/gridcell_charts" + sfx, ps = "/state/gridcell_sigma" + sfx, pr = "/state/gridcell_replay" + sfx;
    struct Want {
      std::string path;
      std::int64_t len;
      const char *what;
    };
    std::vector<Want> want;
    if (with_charts) want = {{pc, 4 * ne, "4 per union-graph in-edge"}, {ps, n, "one per home"}};
    if (rn > 0) want.push_back({pr, rn, "the replaying attackers' rings"});
    for (const Want &w : want) {
      std::vector<std::int64_t> dims;
      PetscCall(ck.Shape(w.path, &dims));
      PetscCheck(dims.size() == 1 && dims[0] == w.len, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
                 "checkpoint %s: dataset %s has %zu dimension(s) of length %lld, expected one of %lld (%s); it is damaged or not "
                 "this run's, and is not resumed",
                 file, w.path.c_str(), dims.size(), (long long)(dims.empty() ? 0 : dims[0]), (long long)w.len, w.what);
    }
    std::vector<double> ch(4 * nloc_e), sig(with_charts ? nl : 0), rep(ring.size());
    if (with_charts) {
      PetscCall(ck.ReadSlice(pc, 4 * off_e, 4 * nloc_e, ch.data()));
      PetscCall(ck.ReadSlice(ps, off, nl, sig.data()));
    }
    if (rn > 0) PetscCall(ck.ReadSlice(pr, roff, static_cast<std::int64_t>(rep.size()), rep.data()));
    const bool ewma = det_.kind == gc::DetectKind::ewma, cusum = det_.kind == gc::DetectKind::cusum;
    const double smax = ewma ? 10 * (1 + 1e-12) : cusum ? det_.cusum_h + 10 : 0.0, steps = static_cast<double>(tau0_ + t);
    auto whole = [](double x, double lo, double hi) { return std::isfinite(x) && x == std::floor(x) && x >= lo && x <= hi; };
    std::string bad, what;
    char m[320];
    for (std::int64_t i = 0; i < nl && bad.empty() && with_charts; ++i)
      for (std::int64_t u = nbr_ptr_[i]; u < nbr_ptr_[i + 1] && bad.empty(); ++u) {
        const double *c = ch.data() + 4 * u;
        const char *why = nullptr;
        if (!(std::isfinite(c[0]) && std::isfinite(c[1]))) why = "a chart statistic is not finite";
        else if (ewma ? (std::fabs(c[0]) > smax || c[1] != 0) : cusum ? (c[0] < 0 || c[1] < 0 || c[0] > smax || c[1] > smax) : (c[0] != 0 || c[1] != 0))
          why = ewma ? "the EWMA chart must have |s0| <= 10 and s1 = 0" : cusum ? "the CUSUM sums must lie in [0, h + 10]" : "the detector is off, so the chart must be 0";
        else if (!whole(c[2], 0, det_.kind == gc::DetectKind::none ? 0 : steps)) why = "the count of values seen is not a whole number up to the steps shared";
        else if (!std::isnan(c[3]) && (det_.kind == gc::DetectKind::none || !whole(c[3], static_cast<double>(1 - tau0_), static_cast<double>(t))))
          why = "the alarm step is not a whole step of this run up to the checkpoint (or the detector is off)";
        if (why) {
          std::snprintf(m, sizeof m, "home %lld's chart of home %lld holds (%.17g, %.17g, %.17g, %.17g): %s", (long long)(off + i),
                        (long long)nbr_gid_[u], c[0], c[1], c[2], c[3], why);
          bad = m, what = pc;
        }
      }
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(sig.size()) && bad.empty(); ++i)
      if (!std::isnan(sig[i]) && !(std::isfinite(sig[i]) && sig[i] >= floor * (1 - 1e-12))) {
        std::snprintf(m, sizeof m, "home %lld has sigma = %.17g, not finite or below the floor %g", (long long)(off + i), sig[i], floor);
        bad = m, what = ps;
      }
    for (std::size_t q = 0; q < rep.size() && bad.empty(); ++q)
      if (!(std::isfinite(rep[q]) && rep[q] >= ring_lo && rep[q] <= ring_hi)) {
        std::snprintf(m, sizeof m, "entry %lld = %.17g is not finite or outside [%.15g, %.15g]", (long long)(roff + static_cast<std::int64_t>(q)), rep[q],
                      ring_lo, ring_hi);
        bad = m, what = pr;
      }
    PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, bad, &bad));
    PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, what, &what));
    PetscCheck(bad.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "checkpoint %s: dataset %s: %s; it is damaged or not this run's, and is not resumed", file, what.c_str(), bad.c_str());
    *ah = *hh = 0;
    for (std::int64_t i = 0; i < nl && with_charts; ++i)
      for (std::int64_t u = nbr_ptr_[i]; u < nbr_ptr_[i + 1]; ++u) {
        const double *c = ch.data() + 4 * u;
        gc::EdgeChart &e = charts[u];
        e.s[0] = c[0], e.s[1] = c[1], e.seen = static_cast<std::int64_t>(c[2]), e.alarmed = !std::isnan(c[3]);
        alarm_t[u] = e.alarmed ? static_cast<std::int64_t>(c[3]) : kNoAlarm;
        if (e.alarmed && !attacker_[i]) (nbr_att_[u] ? *ah : *hh) += 1;
      }
    if (with_charts) sig_out = std::move(sig);
    ring = std::move(rep);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // The market channel's state (§16.8): the charts, σ̂ and the rings as for the data channel; the global alarm
  // sets (the cut edges, the cell scope's counts) follow from the alarmed charts, gathered again.
  PetscErrorCode LoadMarket(io::Reader &ck, const char *file, std::int64_t t) {
    PetscFunctionBeginUser;
    // A declared position is a forecast plus a battery power: far below 10^6 kW for any home of the model.
    PetscCall(LoadChannel(ck, file, t, "_market", mdet_.floor, mdetect_, -1e6, 1e6, mcharts_, malarm_t_, msig_, mring_, &mah_, &mhh_));
    malarms_.clear(), mcut_.clear(), std::fill(mcount_.begin(), mcount_.end(), 0);
    std::vector<std::int64_t> mine;
    const std::int64_t nl = block_.local();
    for (std::int64_t i = 0; i < nl && mdetect_; ++i)
      for (std::int64_t u = nbr_ptr_[i]; u < nbr_ptr_[i + 1]; ++u)
        if (mcharts_[u].alarmed) mine.push_back(block_.start + i), mine.push_back(nbr_gid_[u]), mine.push_back(malarm_t_[u]);
    PetscCall(AddMarketAlarms(mine, -1));
    mcut_version_++;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // This rank's offset in the held shares and their global count (collective).
  PetscErrorCode HeldExtent(std::int64_t *off, std::int64_t *total) const {
    PetscFunctionBeginUser;
    std::int64_t ne = nbr_ptr_[block_.local()];
    PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, ne, off));
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &ne, 1));
    *total = ne;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // The held shares of a checkpoint: the shape, every entry's neighbour against this run's union graph, and the
  // values (NaN: none held; else finite, and in [0, z_max] when the shares are not obfuscated).
  PetscErrorCode LoadHeld(io::Reader &ck, const char *file) {
    const std::int64_t nl = block_.local();
    std::int64_t off_e = 0, ne = 0;
    PetscFunctionBeginUser;
    PetscCall(HeldExtent(&off_e, &ne));
    for (const char *path : {"/state/gridcell_held", "/state/gridcell_held_gid"}) {
      std::vector<std::int64_t> dims;
      PetscCall(ck.Shape(path, &dims));
      PetscCheck(dims.size() == 1 && dims[0] == ne, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
                 "checkpoint %s: dataset %s has %zu dimension(s) of length %lld, expected one of %lld (the union graph's "
                 "in-edges); it is damaged or not this run's, and is not resumed",
                 file, path, dims.size(), (long long)(dims.empty() ? 0 : dims[0]), (long long)ne);
    }
    const std::int64_t nloc_e = nbr_ptr_[nl];
    std::vector<std::int64_t> gid(nloc_e);
    std::vector<double> held(nloc_e);
    PetscCall(ck.ReadSlice("/state/gridcell_held_gid", off_e, nloc_e, gid.data()));
    PetscCall(ck.ReadSlice("/state/gridcell_held", off_e, nloc_e, held.data()));
    std::string bad, what;
    const double hi = privacy_ == 0 ? zmax_ : INFINITY, lo = privacy_ == 0 ? 0.0 : -INFINITY;
    for (std::int64_t i = 0; i < nl && bad.empty(); ++i)
      for (std::int64_t u = nbr_ptr_[i]; u < nbr_ptr_[i + 1] && bad.empty(); ++u) {
        char m[256];
        const long long g = block_.start + i, j = u - nbr_ptr_[i];
        if (gid[u] != nbr_gid_[u]) {
          std::snprintf(m, sizeof m, "home %lld neighbour entry %lld is home %lld, but this run's graph has home %lld there", g, j,
                        (long long)gid[u], (long long)nbr_gid_[u]);
          bad = m, what = "/state/gridcell_held_gid";
        } else if (!std::isnan(held[u]) && !(std::isfinite(held[u]) && held[u] >= lo && held[u] <= hi)) {
          // lo = 0 whenever a finite value can fail (unobfuscated shares).
          if (std::isfinite(held[u]))
            std::snprintf(m, sizeof m, "home %lld holds %.17g from home %lld, outside [0, %.15g]", g, held[u], (long long)gid[u], hi);
          else
            std::snprintf(m, sizeof m, "home %lld holds %.17g from home %lld, not finite", g, held[u], (long long)gid[u]);
          bad = m, what = "/state/gridcell_held";
        }
      }
    PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, bad, &bad));
    PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, what, &what));
    PetscCheck(bad.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "checkpoint %s: dataset %s: %s; it is damaged or not this run's, and is not resumed", file, what.c_str(), bad.c_str());
    held_ = std::move(held);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode LoadState(io::Reader &ck) override {
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    const char *file = ck.Path().c_str();
    std::int64_t t = 0;
    PetscFunctionBeginUser;
    PetscCall(ck.GetAttribute("/", "step", &t));  // in [1, T) (run/checkpoint.cpp checked it)
    for (const HomeArray &a : HomeState()) {
      const std::string path = std::string("/state/gridcell_") + a.name;
      std::vector<std::int64_t> dims;
      PetscCall(ck.Shape(path, &dims));
      PetscCheck(dims.size() == 1 && dims[0] == n * a.width, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
                 "checkpoint %s: dataset %s has %zu dimension(s) of length %lld, expected one of %lld (%lld homes x %d); it is "
                 "damaged or not this run's, and is not resumed",
                 file, path.c_str(), dims.size(), (long long)(dims.empty() ? 0 : dims[0]), (long long)(n * a.width), (long long)n,
                 a.width);
      a.v->resize(nl * a.width);
      PetscCall(ck.ReadSlice(path, off * a.width, nl * a.width, a.v->data()));
      std::string bad;
      for (std::int64_t i = 0; i < nl && bad.empty(); ++i)
        for (int c = 0; c < a.width && bad.empty(); ++c) {
          const double x = (*a.v)[i * a.width + c];
          double lo = a.lo, hi = a.hi;
          if (a.soc) lo = has_bat_[i] ? batt_.soc_lo : 0.0, hi = has_bat_[i] ? batt_.soc_hi : 0.0;
          if (a.bat && !has_bat_[i]) lo = hi = a.nobat;
          if (std::isfinite(x) && x >= lo && x <= hi && (!a.integer || x == std::floor(x))) continue;
          char m[256];
          char range[96];
          std::snprintf(range, sizeof range, "outside [%.15g, %.15g]%s", lo, hi, a.integer ? " or not a whole number" : "");
          std::snprintf(m, sizeof m, "home %lld%s has %s = %.17g, %s%s", (long long)(off + i),
                        a.width > 1 ? (" entry " + std::to_string(c)).c_str() : "", a.name, x, std::isfinite(x) ? range : "not finite",
                        (a.soc || a.bat) && !has_bat_[i] ? " (a home without battery)" : "");
          bad = m;
        }
      PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, bad, &bad));
      PetscCheck(bad.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
                 "checkpoint %s: dataset %s: %s; it is damaged or not this run's, and is not resumed", file, path.c_str(), bad.c_str());
    }
    // The counts follow from the step: nseen = tau0 + t (warm-up included), cur = tau0 + t - 1, and the
    // windows hold t and [t - (T_run - 96 N_e)]_+ steps.
    std::vector<double> counts, acc;
    PetscCall(ck.ReadAll("/state/gridcell_counts", &counts));
    PetscCheck(counts.size() == 2, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "checkpoint %s: dataset /state/gridcell_counts has %zu values, expected 2; it is not resumed", file, counts.size());
    PetscCheck(counts[0] == static_cast<double>(tau0_ + t) && counts[1] == static_cast<double>(tau0_ + t - 1), PETSC_COMM_WORLD,
               PETSC_ERR_FILE_UNEXPECTED,
               "checkpoint %s: dataset /state/gridcell_counts holds nseen = %.17g and tau = %.17g, but step %lld after %lld "
               "warm-up steps needs %lld and %lld; it is damaged or not this run's, and is not resumed",
               file, counts[0], counts[1], (long long)t, (long long)tau0_, (long long)(tau0_ + t), (long long)(tau0_ + t - 1));
    nseen_ = tau0_ + t, cur_ = tau0_ + t - 1;
    constexpr std::size_t na = sizeof(kAccFields) / sizeof(kAccFields[0]);
    PetscCall(ck.ReadAll("/state/gridcell_acc", &acc));
    PetscCheck(acc.size() == 2 * na, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "checkpoint %s: dataset /state/gridcell_acc has %zu values, expected %zu; it is not resumed", file, acc.size(), 2 * na);
    const std::int64_t eval0 = std::max<std::int64_t>(0, T_run() - 96 * eval_days_);
    const double steps[2] = {static_cast<double>(t), static_cast<double>(std::max<std::int64_t>(0, t - eval0))};
    for (int w = 0; w < 2; ++w)
      for (std::size_t f = 0; f < na; ++f) {
        const double x = acc[w * na + f];
        // Every accumulator but the four costs is a sum of non-negative terms; steps is fixed by the step.
        const bool signed_ = kAccFields[f] == &Acc::C || kAccFields[f] == &Acc::C0 || kAccFields[f] == &Acc::Cx ||
                             kAccFields[f] == &Acc::Cnet || kAccFields[f] == &Acc::reward;
        const bool ok = std::isfinite(x) && (signed_ || x >= 0) && (kAccFields[f] != &Acc::steps || x == steps[w]);
        PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
                   "checkpoint %s: dataset /state/gridcell_acc entry %zu (%s window, field %zu) = %.17g is %s; it is damaged or "
                   "not this run's, and is not resumed",
                   file, w * na + f, w ? "evaluation" : "main", f, x,
                   kAccFields[f] == &Acc::steps ? ("not the step count " + std::to_string((long long)steps[w])).c_str()
                                                : (signed_ ? "not finite" : "negative or not finite"));
        acc_[w].*kAccFields[f] = x;
      }
    if (shares()) PetscCall(LoadHeld(ck, file));
    if (shares() && security()) PetscCall(LoadSecurity(ck, file, t));
    if (market_on()) PetscCall(LoadMarket(ck, file, t));
    if (route_.p.on) {
      std::int64_t off_e = 0, ne = 0;
      PetscCall(HeldExtent(&off_e, &ne));
      PetscCall(route_.Load(ck, file, off_e, ne));
    }
    if (mfq_.learn) {
      // A checkpoint is written in the recorded (last) pass only: the earlier passes' days are whole, the
      // current pass's days after the step's day are 0.
      std::vector<double> pd;
      PetscCall(ck.ReadAll("/state/gridcell_mfq_pass_days", &pd));
      PetscCheck(pd.size() == pass_days_.size(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
                 "checkpoint %s: dataset /state/gridcell_mfq_pass_days has %zu values, expected %zu (%d passes x %lld days); it is "
                 "damaged or not this run's, and is not resumed",
                 file, pd.size(), pass_days_.size(), mfq_.passes, (long long)Days());
      for (std::size_t q = 0; q < pd.size(); ++q) {
        const bool later = static_cast<std::int64_t>(q) >= (mfq_.passes - 1) * Days() + (t - 1) / 96 + 1;
        PetscCheck(std::isfinite(pd[q]) && (!later || pd[q] == 0), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
                   "checkpoint %s: dataset /state/gridcell_mfq_pass_days entry %zu = %.17g is %s; it is damaged or not this run's, "
                   "and is not resumed",
                   file, q, pd[q], std::isfinite(pd[q]) ? "not 0 for a day after the checkpointed step" : "not finite");
      }
      pass_days_ = pd, pass_ = mfq_.passes;
      tb_ = gc::Temperature(mfq_, Ctr(t));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 private:
  struct Acc {
    double steps = 0, C = 0, C0 = 0, Cx = 0, Cnet = 0, load = 0, imp_phys = 0, imp_util = 0, matched = 0, mape = 0, msel = 0,
           msenet = 0, sepv = 0, npv = 0, gap = 0, ngap = 0;
    // routing (§16.7): Σ e_V, max v_maxdev, Σ e_I max, Σ e_I RMS, Σ schedule error, messages, periodic, losses [Wh]
    double rv = 0, rvmax = 0, rimax = 0, rirms = 0, rsched = 0, rmsgs = 0, rper = 0, rloss = 0;
    // mfq (§16.9 RL): battery home-steps by action, Σ rewards (−bills of battery homes), Q updates
    double asell = 0, aidle = 0, abuy = 0, reward = 0, updates = 0;
  };
  struct Summary {
    std::vector<std::pair<std::string, double>> values;
  };
  // One per-home state array of the checkpoint: /state/gridcell_<name>, `width` values per home, each in
  // [lo, hi] and finite (soc: [SoC_lo, SoC_hi] for a home with a battery, 0 for one without). New per-home
  // state is one more line here.
  struct HomeArray {
    const char *name;
    std::vector<double> *v;
    int width;
    const char *units, *long_name;
    double lo = -INFINITY, hi = INFINITY;
    bool soc = false;
    // bat: [lo, hi] holds for the homes with a battery, the others hold exactly `nobat`; integer: whole numbers.
    bool bat = false, integer = false;
    double nobat = 0;
  };
  std::vector<HomeArray> HomeState() const {
    auto *s = const_cast<Gridcell *>(this);  // the same table serves SaveState (reads) and LoadState (writes)
    const int d = rls_.d;
    const double kmax = std::max(1.0, kbins_[3]) * (1 + 1e-9);  // kpv: 1 until daylight, then kc <= k_3
    std::vector<HomeArray> v = {
        {"eps", &s->eps_, 1, "1", "AR(1) load residual epsilon_i"},
        {"soc", &s->soc_, 1, "1", "state of charge SoC_i", 0, 0, true},
        {"soc_shadow", &s->soc0_, 1, "1", "shadow state of charge SoC^0_i (B1)", 0, 0, true},
        {"kpv", &s->kpv_, 1, "1", "clear-sky index persistence k^pv_i", 0, kmax},
        {"last_load", &s->last_load_, 1, "kW", "load of the last step", 0, INFINITY},
        {"lags", &s->lags_, L_, "1", "lag buffer of y (newest first)", 0, zmax_},
        {"theta", &s->theta_, d, "1", "RLS estimate theta_i"},
        {"rls_P", &s->P_, d * d, "1", "RLS matrix P_i (row-major)"},
        {"cost", &s->cost_, 1, "$", "cost over the main window so far"},
        {"cost_shadow", &s->cost0_, 1, "$", "shadow cost over the main window so far"},
        {"cost_eval", &s->cost_eval_local_, 1, "$", "cost over the evaluation window so far"},
        {"cost_shadow_eval", &s->cost0_eval_local_, 1, "$", "shadow cost over the evaluation window so far"},
    };
    // With shares: the lag buffer of ȳ (means of the held shares: in [0, z_max] unless obfuscated).
    if (shares())
      v.push_back({"nlags", &s->nlags_, L_, "1", "lag buffer of ybar, the neighbours' mean share (newest first)",
                   privacy_ == 0 ? 0.0 : -INFINITY, privacy_ == 0 ? zmax_ : INFINITY});
    // With routing: the controller state of §16.7 (zeta clipped to the limit; versions count from 0).
    if (route_.p.on) {
      gc::Router &r = s->route_;
      const double lim = r.p.zlim * r.p.Vs;
      v.push_back({"route_zeta", &r.zeta, 1, "V", "routing: secondary control zeta_i", -lim, lim});
      v.push_back({"route_vbar", &r.vbar, 1, "V", "routing: voltage observer vbar_i"});
      v.push_back({"route_vprev", &r.vprev, 1, "V", "routing: last terminal voltage v_i^prev"});
      v.push_back({"route_copy_v", &r.cv, 1, "V", "routing: last-sent copy of vbar_i"});
      v.push_back({"route_copy_iota", &r.ci, 1, "1", "routing: last-sent copy of iota_i"});
      v.push_back({"route_version", &r.ver, 1, "1", "routing: version of the copy", 0, 9007199254740992.0});
    }
    // With mfq learning (§16.5): Q_i (0 without a battery; |Q| bounded far beyond any reachable value), the
    // last state and action (read by M0 of the next step), the mean field of the last step, and its bill (the
    // reward of M0).
    if (mfq_.learn) {
      v.push_back({"mfq_q", &s->qtab_, gc::kMfqQ, "$", "mfq: Q_i[s][mf][a] at index (s 3 + mf) 3 + a", -1e12, 1e12, false, true});
      v.push_back({"mfq_state", &s->ms_, 1, "1", "mfq: state s_i of the last step", 0, gc::kMfqStates - 1, false, true, true, -1});
      v.push_back({"mfq_action", &s->ma_, 1, "1", "mfq: action a_i of the last step", 0, 2, false, true, true, -1});
      v.push_back({"mfq_mf", &s->mmf_, 1, "1", "mfq: mean field mf_i of the last step", 0, 2, false, false, true});
      v.push_back({"bill", &s->bill_, 1, "$", "bill of the last step (the reward of the deferred update)"});
      v.push_back({"mfq_day_cost", &s->day_cost_, 1, "$", "mfq: cost of the current day so far (for the pass costs)"});
    }
    return v;
  }
  static constexpr double Acc::*kAccFields[] = {&Acc::steps, &Acc::C,        &Acc::C0,       &Acc::Cx,     &Acc::Cnet,
                                                &Acc::load,  &Acc::imp_phys, &Acc::imp_util, &Acc::matched, &Acc::mape,
                                                &Acc::msel,  &Acc::msenet,   &Acc::sepv,     &Acc::npv,
                                                &Acc::gap,   &Acc::ngap,     &Acc::rv,       &Acc::rvmax,  &Acc::rimax,
                                                &Acc::rirms, &Acc::rsched,   &Acc::rmsgs,    &Acc::rper,   &Acc::rloss,
                                                &Acc::asell, &Acc::aidle,    &Acc::abuy,     &Acc::reward, &Acc::updates};

  std::int64_t T_run() const { return T_run_ ? T_run_ : T_; }
  // Unit texts in the tariff's currency: "$..." becomes "AUD..." with the aemo tariff.
  std::string Money(const std::string &u) const { return !u.empty() && u[0] == '$' ? money_ + u.substr(1) : u; }
  std::vector<metrics::SeriesInfo> Money(std::vector<metrics::SeriesInfo> v) const {
    for (auto &c : v) c.units = Money(c.units);
    return v;
  }
  bool shares() const { return forecast_ == 0 && nb_; }
  double HourStart(std::int64_t k) const { return std::fmod(0.25 * static_cast<double>(k), 24.0); }

  PetscErrorCode ResetState() {
    PetscFunctionBeginUser;
    const std::int64_t nl = block_.local();
    const int d = rls_.d;
    for (auto *v : {&eps_, &soc_, &soc0_, &kpv_, &load_, &pv_, &lhat_, &pvhat_, &qhat_, &b_, &b0_, &nhat_, &net_, &e_, &price_,
                    &bill_, &bill0_, &billx_, &cost_, &cost0_, &last_load_, &cost_eval_local_,
                    &cost0_eval_local_})
      v->assign(nl, 0.0);
    theta_.assign(nl * d, 0.0), P_.assign(nl * d * d, 0.0), lags_.assign(nl * L_, 0.0), work_.assign(2 * d, 0.0);
    if (shares()) {
      // No share received yet: NaN marks a neighbour without a held value (left out of ȳ).
      nlags_.assign(nl * L_, 0.0), held_.assign(nbr_gid_.size(), std::nan("")), ztil_.assign(nl, 0.0), ybar_.assign(nl, 0.0);
      ghost_.assign(graphs_->ghosts.size(), 0.0);
      if (security()) {
        charts_.assign(nbr_gid_.size(), gc::EdgeChart{}), alarm_t_.assign(nbr_gid_.size(), kNoAlarm);
        sig_.assign(nl, std::nan("")), zhon_.assign(nl, 0.0), std::fill(replay_.begin(), replay_.end(), 0.0);
        alarms_ah_ = alarms_hh_ = flags_ = 0;
      }
    }
    if (market_on()) {
      std::fill(mring_.begin(), mring_.end(), 0.0), std::fill(mcount_.begin(), mcount_.end(), 0);
      malarms_.clear(), mcut_.clear(), mcut_version_++;
      mah_ = mhh_ = mflags_ = 0;
      if (mdetect_) mcharts_.assign(nbr_gid_.size(), gc::EdgeChart{}), malarm_t_.assign(nbr_gid_.size(), kNoAlarm), msig_.assign(nl, std::nan(""));
    }
    if (route_.p.on) route_.Reset();
    for (std::int64_t i = 0; i < nl; ++i) {
      soc_[i] = soc0_[i] = has_bat_[i] ? batt_.soc0 : 0.0;
      kpv_[i] = 1.0;
      rls_.Reset(theta_.data() + i * d, P_.data() + i * d * d, true);
    }
    nseen_ = 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // G1 and G2 of step τ = k, each under its event.
  PetscErrorCode DataForecast(std::int64_t k) {
    PetscFunctionBeginUser;
    PetscCall(PetscLogEventBegin(gev_->data, 0, 0, 0, 0));
    Data(k);
    PetscCall(PetscLogEventEnd(gev_->data, 0, 0, 0, 0));
    PetscCall(PetscLogEventBegin(gev_->forecast, 0, 0, 0, 0));
    Forecast(k);
    PetscCall(PetscLogEventEnd(gev_->forecast, 0, 0, 0, 0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // G1: the loads and PV of step τ = k (advances the AR(1) residuals).
  void Data(std::int64_t k) {
    cur_ = k;
    const std::int64_t nl = block_.local();
    const double cap = zmax_ * lbar_;
    for (std::int64_t i = 0; i < nl; ++i) {
      const std::uint64_t g = static_cast<std::uint64_t>(block_.start + i);
      const double xi = rng::normal(seed_, rng::LOAD, g, static_cast<std::uint64_t>(k), 0);
      eps_[i] = k == 0 ? xi : rho_l_ * eps_[i] + std::sqrt(1 - rho_l_ * rho_l_) * xi;
      load_[i] = gc::clip(lbar_ * kappa_[i] * profile_[k] * (1 + sigma_l_ * eps_[i]), lmin_, cap * kappa_[i]);
      pv_[i] = has_pv_[i] ? kwp_[i] * orient_[i] * eta_pv_ * kc_[k] * ghi_[k] / 1000.0 : 0.0;
    }
  }
  // Features of step k for home i from its lag buffer.
  void Phi(std::int64_t i, std::int64_t k, double *phi) const {
    const double hm = HourStart(k) + 0.125;
    const double w = static_cast<double>((weekday0_ + k / 96) % 7) + hm / 24.0;
    gc::Features(L_, lags_.data() + i * L_, hm, w, phi, shares() ? nlags_.data() + i * L_ : nullptr);
  }
  // G2: forecasts of step k (own data up to k−1).
  void Forecast(std::int64_t k) {
    const std::int64_t nl = block_.local();
    const int d = rls_.d;
    std::vector<double> phi(d);
    for (std::int64_t i = 0; i < nl; ++i) {
      const double nom = lbar_ * kappa_[i];
      if (forecast_ == 2) {
        lhat_[i] = load_[i], pvhat_[i] = pv_[i];
        continue;
      }
      if (forecast_ == 1 || nseen_ < L_) lhat_[i] = k == 0 ? nom : last_load_[i];
      else {
        Phi(i, k, phi.data());
        lhat_[i] = nom * gc::clip(rls_.Predict(theta_.data() + i * d, phi.data()), 0.0, zmax_);
      }
      const double pvcs = has_pv_[i] ? kwp_[i] * orient_[i] * eta_pv_ * ghi_[k] / 1000.0 : 0.0;
      pvhat_[i] = pvcs * kpv_[i];
    }
  }
  // G7 shares (§16.3, §16.8): each home sends z̃_i(τ) on the active edges of G(t); every receiver holds the
  // last value of each union-graph neighbour while a link is down (or the neighbour is not in G(t)); ȳ_i(τ) is
  // the mean of the held values in increasing neighbour gid (y_i(τ) when none is held yet). The graph's clock
  // is the main step t = τ − τ_0 + 1 (the algorithms' G(t)); warm-up steps have t ≤ 0 (their LINK keys are
  // the two's complement of t, distinct from the main window's). share_msgs_: this rank's messages received.
  PetscErrorCode Share(std::int64_t k) {
    PetscFunctionBeginUser;
    const std::int64_t nl = block_.local(), N = block_.n;
    const double bz = std::isinf(share_eps_) ? 0.0 : zmax_ / share_eps_;
    const std::int64_t t = k - tau0_ + 1;
    // §16.8: attackers send poisoned shares from t_A on; their own forecasting stays honest (zhon_).
    const bool poison = dattack_ && t >= attack_t0();
    for (std::int64_t i = 0; i < nl; ++i) {
      const std::int64_t g = block_.start + i;
      const double z = gc::clip(load_[i] / (lbar_ * kappa_[i]), 0.0, zmax_);
      double zt = z;
      if (privacy_ == 1 && bz > 0)
        zt = z + gc::LaplaceFromUniform(rng::uniform(seed_, rng::SHARE, static_cast<std::uint64_t>(g), static_cast<std::uint64_t>(k), 0), bz);
      else if (privacy_ == 2)
        zt = z + gc::ShareMask(seed_, N, g, nbr_gid_.data() + nbr_ptr_[i], nbr_ptr_[i + 1] - nbr_ptr_[i], k, mask_sigma_);
      if (security()) zhon_[i] = zt;
      if (dattack_ && attacker_[i]) {
        if (attack_mode_ == 0) {
          if (poison) zt = gc::PoisonScale(zt, attack_s_, attack_beta_);
        } else {
          // The ring holds z̃ of the last `lag` steps: slot k mod lag was written at step k − lag.
          double &slot = replay_[replay_slot_[i] * attack_lag_ + k % attack_lag_];
          const double old = slot;
          slot = zt;
          if (poison && k >= attack_lag_) zt = old;
        }
      }
      ztil_[i] = zt;
    }
    PetscCall(ex_->Begin(ztil_, ghost_, 1));
    PetscCall(ex_->End());
    const int B = graphs_->B, b = static_cast<int>(((t - 1) % B + B) % B);
    const graph::Mixing &m = graphs_->graphs[b];
    const std::vector<std::int32_t> &up = upos_[b];
    const bool detect = ddetect_;
    std::int64_t msgs = 0;
    flags_ = 0;
    for (std::int64_t i = 0; i < nl; ++i) {
      int n = 0;
      for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
        if (up[e] < 0 || !(graphs_->link_failure <= 0 || graphs_->edge_up(m.edge[e], t))) continue;
        const std::int32_t c = m.col[e];
        const double v = c < nl ? ztil_[c] : ghost_[c - nl];
        held_[up[e]] = v;
        msgs++;
        if (detect) det_x_[n] = v, det_u_[n] = up[e], det_ch_[n] = &charts_[up[e]], det_obf_[n] = obf_nbr_[up[e]], n++;
      }
      if (detect && n > 0) {
        int raised = 0;
        const int fl = gc::DetectStep(det_, zhon_[i], det_x_.data(), det_ch_.data(), det_obf_.data(), n, &sig_[i], det_scratch_.data(), &raised);
        if (!attacker_[i]) flags_ += fl;
        for (int q = 0; q < n && raised > 0; ++q) {
          const std::int64_t u = det_u_[q];
          if (!charts_[u].alarmed || alarm_t_[u] != kNoAlarm) continue;
          alarm_t_[u] = t, raised--;
          if (!attacker_[i]) (nbr_att_[u] ? alarms_ah_ : alarms_hh_) += 1;
        }
      }
      // ȳ_i: the held shares of the neighbours not alarmed (§16.8: an alarmed j leaves ȳ_i).
      double sum = 0;
      int cnt = 0;
      for (std::int64_t u = nbr_ptr_[i]; u < nbr_ptr_[i + 1]; ++u)
        if (!std::isnan(held_[u]) && !(detect && charts_[u].alarmed)) sum += held_[u], cnt++;
      ybar_[i] = cnt ? sum / cnt : gc::clip(load_[i] / (lbar_ * kappa_[i]), 0.0, zmax_);
    }
    share_msgs_ = static_cast<double>(msgs);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // G7 on the market channel (§16.8), main step t: every home sends its metered n_i(t) beside its share (and the
  // declared n_hat'_i(t) it sent in X1) on the active edges of G(t); each receiver's detector watches x_j =
  // n_hat'_j − n_j, with its own honest n_hat_i − n_i in V. The step's new alarms (receiver, sender) are gathered
  // on every rank (the alarm bits of X1 and of the G7 message, delivered): in the neighbours scope the edge
  // leaves M_i and M_j from step t + 1, in the cell scope they count towards the sender's majority.
  PetscErrorCode MarketDetect(std::int64_t t) {
    PetscFunctionBeginUser;
    const std::int64_t nl = block_.local();
    mbuf_.resize(2 * nl), mghost_.resize(2 * graphs_->ghosts.size());
    for (std::int64_t i = 0; i < nl; ++i) mbuf_[2 * i] = ndecl_[i], mbuf_[2 * i + 1] = net_[i];
    PetscCall(ex_->Begin(mbuf_, mghost_, 2));
    PetscCall(ex_->End());
    const int B = graphs_->B, b = static_cast<int>(((t - 1) % B + B) % B);
    const graph::Mixing &m = graphs_->graphs[b];
    const std::vector<std::int32_t> &up = upos_[b];
    std::vector<std::int64_t> mine;  // (receiver gid, sender gid) of the alarms raised here at t
    mflags_ = 0;
    for (std::int64_t i = 0; i < nl; ++i) {
      int n = 0;
      for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
        if (up[e] < 0 || !(graphs_->link_failure <= 0 || graphs_->edge_up(m.edge[e], t))) continue;
        const std::int32_t c = m.col[e];
        const double *v = c < nl ? &mbuf_[2 * c] : &mghost_[2 * (c - nl)];
        det_x_[n] = v[0] - v[1], det_u_[n] = up[e], det_ch_[n] = &mcharts_[up[e]], n++;
      }
      if (n == 0) continue;
      int raised = 0;
      const int fl = gc::DetectStep(mdet_, nhat_[i] - net_[i], det_x_.data(), det_ch_.data(), nullptr, n, &msig_[i], det_scratch_.data(), &raised);
      if (!attacker_[i]) mflags_ += fl;
      for (int q = 0; q < n && raised > 0; ++q) {
        const std::int64_t u = det_u_[q];
        if (!mcharts_[u].alarmed || malarm_t_[u] != kNoAlarm) continue;
        malarm_t_[u] = t, raised--;
        if (!attacker_[i]) (nbr_att_[u] ? mah_ : mhh_) += 1;
        mine.push_back(block_.start + i), mine.push_back(nbr_gid_[u]);
      }
    }
    PetscCall(AddMarketAlarms(mine, t));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // Every rank's new alarms (pairs, or triples with the step when step < 0) into the global, sorted sets: the
  // alarms, the cut edges and the local senders' alarm counts. Collective; the result is independent of the
  // rank count (a set).
  PetscErrorCode AddMarketAlarms(const std::vector<std::int64_t> &mine, std::int64_t step) {
    PetscFunctionBeginUser;
    std::vector<std::int64_t> all;
    PetscCall(comm::AllgathervInt64(PETSC_COMM_WORLD, mine, &all));
    const int w = step < 0 ? 3 : 2;
    if (all.empty()) PetscFunctionReturn(PETSC_SUCCESS);
    std::vector<std::array<std::int64_t, 3>> add3;
    std::vector<std::array<std::int64_t, 2>> add2;
    for (std::size_t q = 0; q + w <= all.size(); q += w) {
      const std::int64_t r = all[q], snd = all[q + 1];
      add3.push_back({r, snd, w == 3 ? all[q + 2] : step});
      add2.push_back({std::min(r, snd), std::max(r, snd)});
      if (snd >= block_.start && snd < block_.start + block_.local()) mcount_[snd - block_.start]++;
    }
    // The new rows sorted, then merged into the sorted flat arrays (O(K + k log k) per step with k new alarms);
    // a pair cut twice (both ends alarmed) is kept once.
    std::sort(add3.begin(), add3.end()), std::sort(add2.begin(), add2.end());
    add2.erase(std::unique(add2.begin(), add2.end()), add2.end());
    auto merge = [](std::vector<std::int64_t> &flat, const auto &rows, bool unique) {
      constexpr std::size_t W = std::tuple_size<typename std::decay_t<decltype(rows)>::value_type>::value;
      std::vector<std::int64_t> out;
      out.reserve(flat.size() + W * rows.size());
      std::size_t a = 0, b = 0;
      const std::size_t na = flat.size() / W;
      auto less = [&](std::size_t i, const auto &r) {
        return std::lexicographical_compare(flat.begin() + W * i, flat.begin() + W * (i + 1), r.begin(), r.end());
      };
      auto same = [&](std::size_t i, const auto &r) { return std::equal(r.begin(), r.end(), flat.begin() + W * i); };
      while (a < na || b < rows.size()) {
        if (b == rows.size() || (a < na && less(a, rows[b]))) {
          out.insert(out.end(), flat.begin() + W * a, flat.begin() + W * (a + 1)), ++a;
        } else {
          if (!(unique && a < na && same(a, rows[b]))) out.insert(out.end(), rows[b].begin(), rows[b].end());
          ++b;
        }
      }
      flat.swap(out);
    };
    merge(malarms_, add3, false), merge(mcut_, add2, true);
    mcut_version_++;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // The union-graph neighbours of each home (sorted by gid), each
  // graph's row entry → union position map, and the shares' exchange on the graph's ghosts.
  PetscErrorCode SetupShares() {
    PetscFunctionBeginUser;
    PetscCheck(graphs_, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "gridcell: the shares need the communication graph (SetGraph)");
    const std::int64_t nl = block_.local();
    const graph::LocalGraphs &G = *graphs_;
    nbr_ptr_.assign(1, 0), nbr_gid_.clear();
    std::vector<std::int32_t> nbr_col;  // the extended column of each union neighbour
    std::vector<std::pair<std::int64_t, std::int32_t>> row;
    for (std::int64_t i = 0; i < nl; ++i) {
      row.clear();
      for (const graph::Mixing &m : G.graphs)
        for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e)
          if (m.gid[e] != block_.start + i) row.emplace_back(m.gid[e], m.col[e]);
      std::sort(row.begin(), row.end());
      row.erase(std::unique(row.begin(), row.end()), row.end());
      for (const auto &gc_ : row) nbr_gid_.push_back(gc_.first), nbr_col.push_back(gc_.second);
      nbr_ptr_.push_back(static_cast<std::int64_t>(nbr_gid_.size()));
    }
    upos_.assign(G.B, {});
    for (int b = 0; b < G.B; ++b) {
      const graph::Mixing &m = G.graphs[b];
      upos_[b].assign(m.col.size(), -1);
      for (std::int64_t i = 0; i < nl; ++i)
        for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
          if (m.gid[e] == block_.start + i) continue;
          const auto first = nbr_gid_.begin() + nbr_ptr_[i], last = nbr_gid_.begin() + nbr_ptr_[i + 1];
          upos_[b][e] = static_cast<std::int32_t>(std::lower_bound(first, last, m.gid[e]) - nbr_gid_.begin());
        }
    }
    PetscCall(comm::Exchange::Create(PETSC_COMM_WORLD, block_, G.ghosts, &ex_));
    PetscCall(SetupSecurity(nbr_col));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // §16.8 on the shares: every home's role (pure in its id), the edges into honest homes by the sender's role,
  // the senders' obfuscation std (masks: from their union degree, exchanged once), the replay rings.
  PetscErrorCode SetupSecurity(const std::vector<std::int32_t> &nbr_col) {
    PetscFunctionBeginUser;
    const std::int64_t nl = block_.local(), ne = static_cast<std::int64_t>(nbr_gid_.size());
    FillAttackers();
    nbr_att_.assign(ne, 0), replay_slot_.assign(nl, -1);
    if (!security()) PetscFunctionReturn(PETSC_SUCCESS);
    double cnt[3] = {0, 0, 0};  // attackers, attacker -> honest edges, honest -> honest edges
    std::int64_t slots = 0, maxdeg = 0;
    for (std::int64_t i = 0; i < nl; ++i) {
      cnt[0] += attacker_[i];
      if (attacker_[i] && attack_mode_ == 1) replay_slot_[i] = slots++;
      maxdeg = std::max(maxdeg, nbr_ptr_[i + 1] - nbr_ptr_[i]);
      for (std::int64_t u = nbr_ptr_[i]; u < nbr_ptr_[i + 1]; ++u) {
        nbr_att_[u] = gc::IsAttacker(seed_, nbr_gid_[u], rho_a_);
        if (!attacker_[i]) cnt[nbr_att_[u] ? 1 : 2] += 1;
      }
    }
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, cnt, 3));
    attackers_ = cnt[0], edges_ah_ = cnt[1], edges_hh_ = cnt[2];
    replay_.assign(slots * attack_lag_, 0.0);
    // The masks' σ_obf,j = σ_z sqrt(deg_j) needs each sender's union degree: one exchange at setup.
    std::vector<double> deg(nl), deg_ghost(graphs_->ghosts.size(), 0.0);
    for (std::int64_t i = 0; i < nl; ++i) deg[i] = static_cast<double>(nbr_ptr_[i + 1] - nbr_ptr_[i]);
    PetscCall(ex_->Begin(deg, deg_ghost, 1));
    PetscCall(ex_->End());
    obf_nbr_.assign(ne, 0.0);
    for (std::int64_t u = 0; u < ne; ++u) {
      const std::int32_t c = nbr_col[u];
      obf_nbr_[u] = SigmaObf(c < nl ? deg[c] : deg_ghost[c - nl]);
    }
    det_x_.assign(maxdeg, 0.0), det_obf_.assign(maxdeg, 0.0), det_scratch_.assign(maxdeg + 1, 0.0), det_ch_.assign(maxdeg, nullptr);
    det_u_.assign(maxdeg, 0);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // G7: the shares, the RLS update with y(k), the lag buffers, and the clear-sky index persistence.
  PetscErrorCode Learn(std::int64_t k) {
    PetscFunctionBeginUser;
    if (shares()) {
      PetscCall(PetscLogEventBegin(gev_->share, 0, 0, 0, 0));
      PetscCall(Share(k));
      PetscCall(PetscLogEventEnd(gev_->share, 0, 0, 0, 0));
    }
    PetscCall(PetscLogEventBegin(gev_->learn, 0, 0, 0, 0));
    const std::int64_t nl = block_.local();
    const int d = rls_.d;
    std::vector<double> phi(d);
    for (std::int64_t i = 0; i < nl; ++i) {
      const double y = gc::clip(load_[i] / (lbar_ * kappa_[i]), 0.0, zmax_);
      if (forecast_ == 0 && nseen_ >= L_) {
        Phi(i, k, phi.data());
        rls_.Update(theta_.data() + i * d, P_.data() + i * d * d, phi.data(), y, work_.data());
      }
      double *lg = lags_.data() + i * L_;
      for (int l = L_ - 1; l > 0; --l) lg[l] = lg[l - 1];
      lg[0] = y;
      if (shares()) {
        double *nlg = nlags_.data() + i * L_;
        for (int l = L_ - 1; l > 0; --l) nlg[l] = nlg[l - 1];
        nlg[0] = ybar_[i];
      }
      last_load_[i] = load_[i];
      if (has_pv_[i] && ghi_[k] >= ghi_min_) kpv_[i] = pv_[i] / (kwp_[i] * orient_[i] * eta_pv_ * ghi_[k] / 1000.0);
    }
    nseen_++;
    if (ravg_ > 0 && nseen_ > L_ && nseen_ % ravg_ == 0) PetscCall(AverageModels(k));
    PetscCall(PetscLogEventEnd(gev_->learn, 0, 0, 0, 0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // §16.3 / algorithms.md §13.4 model averaging, every R_avg learned steps once the RLS updates:
  // θ_i ← Σ_j w_ij θ_j over G(t) with its static weights; a link down at t gives its weight to w_ii (the
  // rows stay stochastic without a degree exchange) [chosen]. P stays local. Rows are summed in the graph's
  // row order, the same on any rank count.
  PetscErrorCode AverageModels(std::int64_t k) {
    PetscFunctionBeginUser;
    const std::int64_t nl = block_.local();
    const int d = rls_.d;
    theta_ghost_.resize(graphs_->ghosts.size() * d), theta_new_.assign(nl * d, 0.0);
    PetscCall(ex_->Begin(theta_, theta_ghost_, d));
    PetscCall(ex_->End());
    const std::int64_t t = k - tau0_ + 1;
    const int B = graphs_->B, b = static_cast<int>(((t - 1) % B + B) % B);
    const graph::Mixing &m = graphs_->graphs[b];
    const bool failures = graphs_->link_failure > 0;
    for (std::int64_t i = 0; i < nl; ++i) {
      double *out = theta_new_.data() + i * d;
      double moved = 0;
      std::int64_t self = -1;
      for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
        const std::int32_t c = m.col[e];
        if (c == i) {
          self = e;
          continue;
        }
        if (failures && !graphs_->edge_up(m.edge[e], t)) {
          moved += m.w[e];
          continue;
        }
        const double *th = c < nl ? theta_.data() + c * d : theta_ghost_.data() + (c - nl) * d;
        for (int r = 0; r < d; ++r) out[r] += m.w[e] * th[r];
      }
      PetscCheck(self >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "gridcell: home %lld has no self entry in G(t)", (long long)(block_.start + i));
      const double ws = m.w[self] + moved;
      for (int r = 0; r < d; ++r) out[r] += ws * theta_[i * d + r];
    }
    theta_.swap(theta_new_);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Summarize(Summary *out) const {
    PetscFunctionBeginUser;
    auto &v = out->values;
    const char *wn[2] = {"", "eval "};
    for (int w = 0; w < 2; ++w) {
      const Acc &a = acc_[w];
      if (a.steps == 0) continue;
      const double days = a.steps / 96.0;
      const std::string p = wn[w];
      v.push_back({p + "cost", a.C});
      v.push_back({p + "cost shadow", a.C0});
      v.push_back({p + "cost counterfactual", a.Cx});
      v.push_back({p + "cost netting", a.Cnet});
      if (a.C0 > 0) v.push_back({p + "savings", 1 - a.C / a.C0});
      v.push_back({p + "savings per day", (a.C0 - a.C) / days});
      v.push_back({p + "market value", a.Cx - a.C});
      v.push_back({p + "ss phys", a.load > 0 ? 1 - a.imp_phys / a.load : 0.0});
      v.push_back({p + "ss util", a.load > 0 ? 1 - a.imp_util / a.load : 0.0});
      v.push_back({p + "matched kwh", a.matched});
      v.push_back({p + "mape", a.mape / a.steps});
      v.push_back({p + "rmse load", std::sqrt(a.msel / a.steps)});
      v.push_back({p + "rmse pv", a.npv > 0 ? std::sqrt(a.sepv / a.npv) : 0.0});
      v.push_back({p + "rmse net", std::sqrt(a.msenet / a.steps)});
      if (a.ngap > 0) v.push_back({p + "price gap mean", a.gap / a.ngap});
      if (mfq_.learn) {
        // §16.9 RL: the action shares over the battery home-steps, the mean reward, the updates.
        const double hs = a.asell + a.aidle + a.abuy;
        v.push_back({p + "mfq sell share", hs > 0 ? a.asell / hs : 0.0});
        v.push_back({p + "mfq idle share", hs > 0 ? a.aidle / hs : 0.0});
        v.push_back({p + "mfq buy share", hs > 0 ? a.abuy / hs : 0.0});
        v.push_back({p + "mfq reward mean", hs > 0 ? a.reward / hs : 0.0});
        v.push_back({p + "mfq updates", a.updates});
      }
      if (route_.p.on) {
        // §16.9 routing: window means of e_V, e_I (max and RMS) and the schedule error, the largest voltage
        // deviation, the feeder energy lost, and the event-triggered messages against the periodic reference.
        v.push_back({p + "route v err", a.rv / a.steps});
        v.push_back({p + "route v maxdev", a.rvmax});
        v.push_back({p + "route share err max", a.rimax / a.steps});
        v.push_back({p + "route share err rms", a.rirms / a.steps});
        v.push_back({p + "route sched err", a.rsched / a.steps});
        v.push_back({p + "route losses kwh", a.rloss / 1000.0});
        v.push_back({p + "route msgs", a.rmsgs});
        v.push_back({p + "route msgs ratio", a.rper > 0 ? a.rmsgs / a.rper : 0.0});
      }
    }
    // Fairness over the main window: per-home saving (C^0_i − C_i)/days.
    const std::int64_t nl = block_.local();
    const double days = acc_[0].steps / 96.0;
    double s[7] = {0, 0, 0, 0, 0, 0, 0};  // Σς, Σς², #worse, Σς PV, #PV, Σς non-PV, #non-PV
    double mx[2] = {-INFINITY, -INFINITY};  // max ς, max −ς
    for (std::int64_t i = 0; i < nl && days > 0; ++i) {
      const double sv = (cost0_[i] - cost_[i]) / days;
      s[0] += sv, s[1] += sv * sv, s[2] += sv < -1e-9;
      if (has_pv_[i]) s[3] += sv, s[4] += 1;
      else s[5] += sv, s[6] += 1;
      mx[0] = std::max(mx[0], sv), mx[1] = std::max(mx[1], -sv);
    }
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, s, 7));
    PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, mx, 2));
    const double N = static_cast<double>(block_.n), mean = s[0] / N;
    v.push_back({"saving mean", mean});
    v.push_back({"saving std", std::sqrt(std::max(0.0, s[1] / N - mean * mean))});
    v.push_back({"saving min", -mx[1]});
    v.push_back({"saving max", mx[0]});
    v.push_back({"worse off share", s[2] / N});
    v.push_back({"saving mean pv", s[4] > 0 ? s[3] / s[4] : 0.0});
    v.push_back({"saving mean no pv", s[6] > 0 ? s[5] / s[6] : 0.0});
    if (mfq_.learn) {
      v.push_back({"mfq passes", static_cast<double>(mfq_.passes)});
      v.push_back({"mfq temperature final", tb_});
      v.push_back({"mfq battery homes", nbat_});
      for (int q = 1; q <= mfq_.passes; ++q) {
        double c = 0;
        for (std::int64_t d = 0; d < Days(); ++d) c += pass_days_[static_cast<std::size_t>((q - 1) * Days() + d)];
        v.push_back({"mfq pass " + std::to_string(q) + " cost", c});
      }
    }
    // §16.9 security of a channel, over the alarms at honest receivers: detection and false-alarm rates per
    // directed union edge, and the mean delay from t_A to the alarm (steps; < 0: before the attack).
    const auto rates = [&](const std::string &ch, double ah, double hh, const std::vector<std::int64_t> &alarm_t) -> PetscErrorCode {
      double a[4] = {ah, hh, 0, 0};  // alarms, then Σ (t_alarm − t_A) and their count
      PetscFunctionBeginUser;
      for (std::int64_t i = 0; i < nl; ++i)
        for (std::int64_t u = nbr_ptr_[i]; u < nbr_ptr_[i + 1] && !attacker_[i]; ++u)
          if (nbr_att_[u] && alarm_t[u] != kNoAlarm) a[2] += static_cast<double>(alarm_t[u] - attack_t0()), a[3] += 1;
      PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, a, 4));
      const double nan = std::nan("");
      v.push_back({"attack edges " + ch, edges_ah_});
      v.push_back({"honest edges " + ch, edges_hh_});
      v.push_back({"detection rate " + ch, edges_ah_ > 0 ? a[0] / edges_ah_ : nan});
      v.push_back({"false alarm rate " + ch, edges_hh_ > 0 ? a[1] / edges_hh_ : nan});
      v.push_back({"alarm delay " + ch, a[3] > 0 ? a[2] / a[3] : nan});
      PetscFunctionReturn(PETSC_SUCCESS);
    };
    if (shares() && security()) {
      v.push_back({"attackers", attackers_});
      PetscCall(rates("data", alarms_ah_, alarms_hh_, alarm_t_));
    } else if (dual_.attack) {
      v.push_back({"attackers", static_cast<double>(dual_.attackers.size())});  // the dual channel's rates: /attack
    }
    if (mdetect_) {
      // The market channel's charts sit on the same union in-edges.
      PetscCall(rates("market", mah_, mhh_, malarm_t_));
      v.push_back({"market alarms", static_cast<double>(malarms_.size() / 3)});
      v.push_back({"market cut edges", static_cast<double>(mcut_.size() / 2)});
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // ---- routing (§16.7, module 4): the -gridcell_route* block ----
  PetscErrorCode RouteFromOptions(PetscOptionItems *PetscOptionsObject) {
    gc::RouteParams &rp = route_.p;
    PetscBool on = PETSC_FALSE, set[7] = {};
    PetscInt mode = 0, comm = 0;
    PetscReal el[7] = {rp.Vs, rp.droop, rp.home_kw, rp.pcc_kw, rp.r_lo, rp.r_hi, rp.pcc_drop}, gains[3] = {rp.kv, rp.kc, rp.zlim},
              trig[3] = {rp.c0, rp.c1, rp.rho};
    PetscInt nel = 7, ngains = 3, ntrig = 3;
    PetscFunctionBeginUser;
    PetscCall(PetscOptionsBool("-route",
                               "Run module 4 (§16.7): droop converters on the common DC bus and the event-triggered secondary control, "
                               "K inner iterations per step on G(t) plus the PCC's edges (default false: it only measures)",
                               "", on, &on, nullptr));
    PetscCall(OptionsChoice(PetscOptionsObject, "-route_mode",
                            "Routing: scheduled (converters follow the declared n_hat) or realized (the forecast error n - n_hat drawn at "
                            "each home)", kRouteModes, 2, &mode, &set[0]));
    PetscCall(OptionsChoice(PetscOptionsObject, "-route_comm",
                            "Routing: triggered (a copy is sent when it moves by more than the trigger, §13.1) or periodic (every "
                            "iteration, the reference)", kRouteComm, 2, &comm, &set[1]));
    PetscCall(OptionsInt(PetscOptionsObject, "-route_iters", "Routing: inner iterations K per step (>= 1)", 1, 1000000, &rp.K, &set[2]));
    PetscCall(PetscOptionsRealArray("-route_electrical",
                                    "Routing: V* [V], droop fraction, home rating [kW], PCC rating per home [kW], R_i range lo,hi [Ohm] "
                                    "(HOME c = 5), PCC drop at rating [V] (default 380,0.02,10,3,0.03,0.1,1.5)",
                                    "", el, &nel, &set[3]));
    PetscCall(OptionsInt(PetscOptionsObject, "-route_pcc_links", "Routing: d_p, the PCC's links to homes 0..d_p-1 (min(d_p, N) are used)", 1,
                         1000000, &rp.dp, &set[4]));
    PetscCall(PetscOptionsRealArray("-route_gains", "Routing: k_v, k_c [V], zeta limit as a fraction of V* (default 0.2,2,0.1)", "", gains,
                                    &ngains, &set[5]));
    PetscCall(PetscOptionsRealArray("-route_trigger",
                                    "Routing: c0_r, c1_r (per unit), varrho_r of the trigger c0_r + c1_r exp(-varrho_r k) (default 1e-3,0,0.05)",
                                    "", trig, &ntrig, &set[6]));
    rp.on = on, rp.realized = mode == 1, rp.periodic = comm == 1;
    static const char *const names[7] = {"-gridcell_route_mode", "-gridcell_route_comm", "-gridcell_route_iters", "-gridcell_route_electrical",
                                         "-gridcell_route_pcc_links", "-gridcell_route_gains", "-gridcell_route_trigger"};
    for (int q = 0; q < 7; ++q)
      PetscCheck(on || !set[q], PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
                 "%s is a routing option; it needs -gridcell_route true (routing is off by default)", names[q]);
    if (set[3]) {
      PetscCheck(nel == 7, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ,
                 "-gridcell_route_electrical needs 7 values (V*, droop fraction, home kW, PCC kW per home, R_lo, R_hi, PCC drop), got %d", (int)nel);
      bool ok = true;
      for (int q = 0; q < 7; ++q) ok = ok && std::isfinite(el[q]);
      PetscCheck(ok && el[0] > 0 && el[1] > 0 && el[2] > 0 && el[3] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_route_electrical: V* = %g, the droop fraction %g and the ratings %g kW and %g kW per home must be positive and "
                 "finite",
                 (double)el[0], (double)el[1], (double)el[2], (double)el[3]);
      PetscCheck(el[4] >= 0 && el[4] <= el[5] && el[6] >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_route_electrical: the feeder range [%g, %g] Ohm must satisfy 0 <= lo <= hi, and the PCC drop %g V must be >= 0",
                 (double)el[4], (double)el[5], (double)el[6]);
      rp.Vs = el[0], rp.droop = el[1], rp.home_kw = el[2], rp.pcc_kw = el[3], rp.r_lo = el[4], rp.r_hi = el[5], rp.pcc_drop = el[6];
    }
    if (set[5]) {
      PetscCheck(ngains == 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-gridcell_route_gains needs 3 values (k_v, k_c, zeta limit), got %d", (int)ngains);
      PetscCheck(std::isfinite(gains[0]) && std::isfinite(gains[1]) && std::isfinite(gains[2]) && gains[0] >= 0 && gains[1] >= 0 &&
                     gains[2] > 0,
                 PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_route_gains: k_v = %g and k_c = %g must be >= 0 and the zeta limit %g > 0 (finite)", (double)gains[0],
                 (double)gains[1], (double)gains[2]);
      rp.kv = gains[0], rp.kc = gains[1], rp.zlim = gains[2];
    }
    if (set[6]) {
      PetscCheck(ntrig == 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-gridcell_route_trigger needs 3 values (c0_r, c1_r, varrho_r), got %d", (int)ntrig);
      PetscCheck(std::isfinite(trig[0]) && std::isfinite(trig[1]) && std::isfinite(trig[2]) && trig[0] >= 0 && trig[1] >= 0 && trig[2] >= 0,
                 PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_route_trigger: c0_r = %g, c1_r = %g and varrho_r = %g must be finite and >= 0", (double)trig[0], (double)trig[1],
                 (double)trig[2]);
      rp.c0 = trig[0], rp.c1 = trig[1], rp.rho = trig[2];
    }
    PetscCheck(!(set[6] && rp.periodic), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_route_trigger has no effect with -gridcell_route_comm periodic (every copy is sent every iteration)");
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // ---- security (§16.8), the data channel: attackers, their poisoned shares, the detector ----
  bool security() const { return rho_a_ > 0 || det_.kind != gc::DetectKind::none; }
  // The market channel is attacked or watched (SetMarketChannel).
  bool market_on() const { return mattack_ || mdetect_; }
  // The first main step of the attack, t_A = 96 (d_A − 1) + 1.
  std::int64_t attack_t0() const { return 96 * (attack_day_ - 1) + 1; }
  PetscErrorCode SecurityFromOptions(PetscOptionItems *PetscOptionsObject) {
    PetscInt mode = 0, kind = 0;
    PetscReal ad[2] = {attack_s_, attack_beta_}, am[2], adu[3], dp[5], df[4];
    PetscInt nad = 2, nam = 2, nadu = 3, ndp = 5, ndf = 4;
    PetscBool ad_set = PETSC_FALSE, am_set = PETSC_FALSE, adu_set = PETSC_FALSE, dp_set = PETSC_FALSE, df_set = PETSC_FALSE;
    PetscFunctionBeginUser;
    PetscCall(OptionsReal(PetscOptionsObject, "-attack_fraction",
                          "rho_A: attackers A = {i : u(GCATTACK, a = gid) < rho_A} poison what they send from day d_A (§16.8; 0: none)",
                          kUnit, &rho_a_, &sec_set_.fraction));
    PetscCall(OptionsString(PetscOptionsObject, "-attack_channels",
                            "Channels attacked, comma-separated among data (the shares), market (the declared positions of mmr and mfq) "
                            "and dual (pdct's and li2022's mu, y); the default attacks those that exist", &attack_channels_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-attack_mode", "scale (send (1 + s) v + beta) or replay (send v of -gridcell_attack_lag steps earlier)",
                            kAttackModes, 2, &mode, &sec_set_.mode));
    PetscCall(OptionsInt(PetscOptionsObject, "-attack_start_day", "d_A: the first poisoned day of the main window (1-based)", 1, 100000,
                         &attack_day_, &sec_set_.day));
    PetscCall(OptionsInt(PetscOptionsObject, "-attack_lag", "replay: the lag in steps (96: yesterday)", 1, 100000, &attack_lag_,
                         &sec_set_.lag));
    PetscCall(PetscOptionsRealArray("-attack_data", "scale attack on the data channel: s, beta (default 0.5,0)", "", ad, &nad, &ad_set));
    PetscCall(PetscOptionsRealArray("-attack_market", "scale attack on the market channel: s, beta [kW] of n_hat' = (1 + s) n_hat + beta "
                                    "(default 0,2)", "", am, &nam, &am_set));
    PetscCall(PetscOptionsRealArray("-attack_dual", "scale attack on the dual channel: s, beta_mu [$/kWh], beta_y [kW] of v' = (1 + s) v + beta (default 0,0.1,1)", "", adu,
                                    &nadu, &adu_set));
    PetscCall(OptionsChoice(PetscOptionsObject, "-detect",
                            "Detector of poisoned shares: none (default), ewma (robust z + EWMA chart, §16.8) or cusum (§13.3)", kDetectors, 3,
                            &kind, &sec_set_.detect));
    PetscCall(OptionsString(PetscOptionsObject, "-detect_channels",
                            "Channels the detector watches, among data, market and dual; the default watches those that exist", &detect_channels_));
    PetscCall(PetscOptionsRealArray("-detect_params", "1/nu_e, 1/omega_e [steps], h_m, flag z, minimum |V| (default 96,192,1,3.5,4)", "", dp,
                                    &ndp, &dp_set));
    PetscCall(PetscOptionsRealArray("-detect_floor", "sigma_fl of data, market, dual mu, dual y (default 0.05,0.05,0.01,0.1)", "", df, &ndf,
                                    &df_set));
    attack_mode_ = static_cast<int>(mode), det_.kind = static_cast<gc::DetectKind>(kind);
    if (adu_set) {
      PetscCheck(nadu == 3 && std::isfinite(adu[0]) && std::isfinite(adu[1]) && std::isfinite(adu[2]), PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ,
                 "-gridcell_attack_dual needs 3 finite values (s, beta_mu [$/kWh], beta_y [kW]), got %d", (int)nadu);
      dual_.s = adu[0], dual_.beta[0] = adu[1], dual_.beta[1] = adu[2];
    }
    sec_set_.dual = adu_set;
    if (am_set) {
      PetscCheck(nam == 2 && std::isfinite(am[0]) && std::isfinite(am[1]), PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ,
                 "-gridcell_attack_market needs 2 finite values (s, beta [kW]), got %d", (int)nam);
      mattack_s_ = am[0], mattack_beta_ = am[1];
    }
    sec_set_.market = am_set;
    if (ad_set) {
      PetscCheck(nad == 2 && std::isfinite(ad[0]) && std::isfinite(ad[1]), PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ,
                 "-gridcell_attack_data needs 2 finite values (s, beta), got %d", (int)nad);
      attack_s_ = ad[0], attack_beta_ = ad[1];
    }
    sec_set_.data = ad_set;
    if (dp_set) {
      PetscCheck(ndp == 5, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ,
                 "-gridcell_detect_params needs 5 values (1/nu_e, 1/omega_e, h_m, flag z, minimum |V|), got %d", (int)ndp);
      PetscCheck(dp[0] >= 1 && dp[1] >= 1 && std::isfinite(dp[0]) && std::isfinite(dp[1]), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_detect_params: 1/nu_e = %g and 1/omega_e = %g must be finite and at least 1 step", (double)dp[0], (double)dp[1]);
      PetscCheck(dp[2] > 0 && dp[3] > 0 && std::isfinite(dp[2]) && std::isfinite(dp[3]), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_detect_params: the limit h_m = %g and the flag z = %g must be positive", (double)dp[2], (double)dp[3]);
      PetscCheck(dp[4] >= 2 && dp[4] <= 1000 && dp[4] == std::floor(dp[4]), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_detect_params: the minimum |V| = %g must be a whole number in [2, 1000]", (double)dp[4]);
      det_.nu = 1 / dp[0], det_.omega = 1 / dp[1], det_.h = dp[2], det_.flag = dp[3], det_.min_values = static_cast<int>(dp[4]);
    }
    if (df_set) {
      PetscCheck(ndf == 4, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-gridcell_detect_floor needs 4 values (data, market, dual mu, dual y), got %d",
                 (int)ndf);
      for (int c = 0; c < 4; ++c) {
        PetscCheck(df[c] > 0 && std::isfinite(df[c]), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                   "-gridcell_detect_floor: entry %d = %g must be positive and finite (the residual scale's floor)", c + 1, (double)df[c]);
        floors_[c] = df[c];
      }
    }
    det_.floor = floors_[0];
    sec_set_.params = dp_set || df_set;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // A comma-separated channel list: every name known; false (with the name) on an unknown one.
  static PetscErrorCode ParseChannels(const char *opt, const std::string &list, bool has[3]) {
    static const char *const kChannels[] = {"data", "market", "dual"};
    PetscFunctionBeginUser;
    has[0] = has[1] = has[2] = false;
    std::stringstream ss(list);
    std::string c;
    while (std::getline(ss, c, ',')) {
      int k = 0;
      while (k < 3 && c != kChannels[k]) ++k;
      PetscCheck(k < 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s: unknown channel '%s' in '%s' (choices: data, market, dual)", opt, c.c_str(),
                 list.c_str());
      has[k] = true;
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // The options' consistency (after the shares' options are known): refused, naming the options, when a
  // setting would be ignored or cannot be met.
  PetscErrorCode SecurityCheck() {
    PetscFunctionBeginUser;
    PetscCall(ParseChannels("-gridcell_attack_channels", attack_channels_, ac_));
    PetscCall(ParseChannels("-gridcell_detect_channels", detect_channels_, dc_));
    const bool ac_default = attack_channels_ == kAllChannels, dc_default = detect_channels_ == kAllChannels;
    // The data channel (the shares) is known here; the market channel once the algorithm is (SetMarketChannel).
    dattack_ = rho_a_ > 0 && ac_[0] && shares(), ddetect_ = det_.kind != gc::DetectKind::none && dc_[0] && shares();
    if (rho_a_ == 0) {
      const char *given = sec_set_.mode ? "-gridcell_attack_mode" : sec_set_.day ? "-gridcell_attack_start_day" : sec_set_.lag ? "-gridcell_attack_lag"
                          : sec_set_.data ? "-gridcell_attack_data" : sec_set_.market ? "-gridcell_attack_market"
                          : sec_set_.dual ? "-gridcell_attack_dual"
                          : !ac_default ? "-gridcell_attack_channels" : nullptr;
      PetscCheck(!given, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "%s applies only with attackers (-gridcell_attack_fraction > 0)", given);
    }
    PetscCheck(!sec_set_.lag || attack_mode_ == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_attack_lag applies to -gridcell_attack_mode replay only (the mode is scale)");
    PetscCheck(!(sec_set_.data || sec_set_.market || sec_set_.dual) || attack_mode_ == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "%s (s, beta) applies to -gridcell_attack_mode scale only (the mode is replay)",
               sec_set_.data ? "-gridcell_attack_data" : sec_set_.market ? "-gridcell_attack_market" : "-gridcell_attack_dual");
    PetscCheck(rho_a_ == 0 || attack_day_ <= days_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-gridcell_attack_start_day %lld is after the main window's %lld days (-gridcell_days): nobody would attack",
               (long long)attack_day_, (long long)days_);
    if (det_.kind == gc::DetectKind::none)
      PetscCheck(!sec_set_.params && dc_default, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "%s applies only with a detector (-gridcell_detect ewma or cusum)",
                 sec_set_.params ? "-gridcell_detect_params/-gridcell_detect_floor" : "-gridcell_detect_channels");
    mdet_ = det_, mdet_.floor = floors_[1];
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 public:
  // §16.8's channels once the algorithm is known: the market channel exists when it clears a market (mmr, mfq).
  // Every channel named explicitly must exist; attackers or a detector need at least one channel that does.
  PetscErrorCode SetMarketChannel(bool clears, bool duals) override {
    PetscFunctionBeginUser;
    clears_ = clears;
    const bool ac_default = attack_channels_ == kAllChannels, dc_default = detect_channels_ == kAllChannels;
    const char *alg = "-algorithm mmr or mfq (the market channel carries the declared positions of a clearing)";
    const char *dalg = "-algorithm pdct or li2022 (the dual channel carries their exchanged mu, y)";
    const char *sh = "-gridcell_forecast rls -gridcell_forecast_neighbours true (the data channel carries their shares)";
    if (rho_a_ > 0 && !ac_default) {
      PetscCheck(!ac_[0] || shares(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-gridcell_attack_channels %s: data needs %s", attack_channels_.c_str(), sh);
      PetscCheck(!ac_[1] || clears, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-gridcell_attack_channels %s: market needs %s", attack_channels_.c_str(), alg);
      PetscCheck(!ac_[2] || duals, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-gridcell_attack_channels %s: dual needs %s", attack_channels_.c_str(), dalg);
    }
    mattack_ = rho_a_ > 0 && ac_[1] && clears;
    dual_.attack = rho_a_ > 0 && ac_[2] && duals;
    if (rho_a_ > 0)
      PetscCheck(dattack_ || mattack_ || dual_.attack, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
                 "-gridcell_attack_fraction %g: no attacked channel exists: the data channel needs %s, the market channel %s, the dual "
                 "channel %s",
                 rho_a_, sh, alg, dalg);
    PetscCheck(!sec_set_.dual || dual_.attack, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_attack_dual applies only when the dual channel is attacked (%s, dual in -gridcell_attack_channels)", dalg);
    PetscCheck(!sec_set_.market || mattack_, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-gridcell_attack_market applies only when the market channel is attacked (%s, market in -gridcell_attack_channels)", alg);
    const bool det = det_.kind != gc::DetectKind::none;
    // The market detector compares n_hat'_j with the metered n_j, which rides on the shares' message (G7).
    const char *msh = "the metered n_j it compares with n_hat'_j rides on the shares' message (-gridcell_forecast rls "
                      "-gridcell_forecast_neighbours true)";
    if (det && !dc_default) {
      PetscCheck(!dc_[0] || shares(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-gridcell_detect_channels %s: data needs %s", detect_channels_.c_str(), sh);
      PetscCheck(!dc_[1] || clears, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-gridcell_detect_channels %s: market needs %s", detect_channels_.c_str(), alg);
      PetscCheck(!dc_[1] || shares(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-gridcell_detect_channels %s: on the market channel, %s",
                 detect_channels_.c_str(), msh);
      PetscCheck(!dc_[2] || duals, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-gridcell_detect_channels %s: dual needs %s", detect_channels_.c_str(), dalg);
    }
    mdetect_ = det && dc_[1] && clears && shares();
    dual_.detect = det && dc_[2] && duals;
    if (det)
      PetscCheck(ddetect_ || mdetect_ || dual_.detect, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
                 "-gridcell_detect %s: no watched channel exists: the data channel needs %s; the market channel needs %s, and %s; the "
                 "dual channel needs %s",
                 kDetectors[static_cast<int>(det_.kind)], sh, alg, msh, dalg);
    if (dual_.on()) {
      // Every attacker (pure in the id), the clock (the algorithm's steps are the main steps) and the detector.
      dual_.attackers.clear();
      for (std::int64_t g = 0; g < block_.n && dual_.attack; ++g)
        if (gc::IsAttacker(seed_, g, rho_a_)) dual_.attackers.push_back(g);
      dual_.replay = attack_mode_ == 1, dual_.lag = attack_lag_, dual_.start = attack_t0();
      dual_.det = det_, dual_.floor[0] = floors_[2], dual_.floor[1] = floors_[3];
      if (dual_.attack && attacker_.empty()) FillAttackers();  // /inputs/gridcell/attacker (no shares: no SetupSecurity)
    }
    if (market_on()) {
      const std::int64_t nl = block_.local();
      FillAttackers();
      mslot_.assign(nl, -1);
      std::int64_t slots = 0;
      for (std::int64_t i = 0; i < nl; ++i)
        if (mattack_ && attacker_[i] && attack_mode_ == 1) mslot_[i] = slots++;
      mring_.assign(slots * attack_lag_, 0.0);
      ndecl_.assign(nl, 0.0), mkt_.assign(nl, 0.0), mcount_.assign(nl, 0);
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // The dual channel (§16.8): what the family asks of the generic send policy (AttackInstallDual).
  const DualChannel *dual_channel() const override { return dual_.on() ? &dual_ : nullptr; }

 private:
  // attacker_ per local home: the roles are pure in the id, the same on every channel (§16.8); 0 without attackers.
  void FillAttackers() {
    attacker_.assign(block_.local(), 0);
    for (std::int64_t i = 0; i < block_.local(); ++i) attacker_[i] = gc::IsAttacker(seed_, block_.start + i, rho_a_);
  }
  // The sender's known obfuscation std σ_obf of the data channel (§16.8): laplace √2 b_z, masks σ_z sqrt(deg_j).
  double SigmaObf(double deg) const {
    if (privacy_ == 1) return std::isinf(share_eps_) ? 0.0 : std::sqrt(2.0) * zmax_ / share_eps_;
    if (privacy_ == 2) return mask_sigma_ * std::sqrt(deg);
    return 0.0;
  }
  static constexpr const char *kAllChannels = "data,market,dual";
  static constexpr std::int64_t kNoAlarm = std::numeric_limits<std::int64_t>::min();
  double rho_a_ = 0, attack_s_ = 0.5, attack_beta_ = 0, floors_[4] = {0.05, 0.05, 0.01, 0.1};
  int attack_mode_ = 0;
  std::int64_t attack_day_ = 8, attack_lag_ = 96;
  std::string attack_channels_ = kAllChannels, detect_channels_ = kAllChannels;
  struct {
    PetscBool fraction = PETSC_FALSE, mode = PETSC_FALSE, day = PETSC_FALSE, lag = PETSC_FALSE, detect = PETSC_FALSE;
    bool data = false, market = false, dual = false, params = false;
  } sec_set_;
  gc::DetectParams det_;
  // Per local home: attacker, the replay ring (slot into replay_, −1: none), σ̂_i and its honest z̃_i; per union
  // in-edge (held_'s layout): the sender is an attacker, its chart, the main step of its alarm (kNoAlarm: none),
  // the sender's obfuscation std; the edges from attackers and from honest homes into honest homes (global);
  // this rank's cumulative alarms and this step's flags.
  std::vector<char> attacker_, nbr_att_;
  std::vector<std::int64_t> replay_slot_, alarm_t_;
  std::vector<double> replay_, sig_, zhon_, obf_nbr_;
  std::vector<gc::EdgeChart> charts_;
  double attackers_ = 0, edges_ah_ = 0, edges_hh_ = 0, alarms_ah_ = 0, alarms_hh_ = 0, flags_ = 0;
  std::vector<double> det_x_, det_obf_, det_scratch_;
  std::vector<gc::EdgeChart *> det_ch_;
  std::vector<std::int64_t> det_u_;
  // The channels named in -gridcell_attack_channels/-gridcell_detect_channels (data, market, dual); which are
  // attacked and watched: the data channel (the shares) and the market channel (the declared positions).
  bool ac_[3] = {true, true, true}, dc_[3] = {true, true, true};
  bool dattack_ = false, ddetect_ = false, clears_ = false, mattack_ = false, mdetect_ = false;
  // ---- the market channel (§16.8): n_hat'_i declared (poisoned from t_A by attackers), what enters the market
  // (0 for a cell-scope home excluded by a majority of its neighbours), the replay rings (main steps), per union
  // in-edge the market charts and alarm steps, per home σ̂_i of the market detector and the alarms received;
  // globally every alarm (receiver, sender, step) and the cut edges (min gid, max gid), sorted ----
  double mattack_s_ = 0, mattack_beta_ = 2, mah_ = 0, mhh_ = 0, mflags_ = 0, mexcl_ = 0;
  std::vector<double> ndecl_, mkt_, mring_, msig_, mbuf_, mghost_;
  std::vector<std::int64_t> mslot_, malarm_t_, mcount_, malarms_, mcut_;
  std::vector<gc::EdgeChart> mcharts_;
  std::int64_t mcut_version_ = 0;
  gc::DetectParams mdet_;
  double mrow_[kMarketCols] = {};
  // ---- the dual channel (§16.8): what the family asks of the generic send policy (AttackInstallDual) ----
  DualChannel dual_;
  const GcEvents *gev_ = nullptr;

  Block block_;
  std::uint64_t seed_ = 1;
  Units units_{1.0, 1.0, 0.25, "kW", "$", "kW", "$"};
  // options
  int source_ = 0, forecast_ = 0, tariff_ = 0, L_ = 4;
  bool cell_ = false;
  PetscInt match_rounds_ = 2;
  std::int64_t days_ = 35, warmup_ = 3, eval_days_ = 7;
  double lbar_ = 1.2, kappa_rng_[2] = {0.6, 1.4}, sigma_l_ = 0.3, rho_l_ = 0.9, lmin_ = 0.1;
  double rho_pv_ = 0.5, kwp_rng_[2] = {4, 8}, orient_rng_[2] = {0.85, 1}, eta_pv_ = 0.83, ghi_min_ = 50, zmax_ = 4;
  double Pc_[3][3] = {{0.95, 0.04, 0.01}, {0.03, 0.90, 0.07}, {0.001, 0.014, 0.985}};
  double kbins_[4] = {0.10, 0.40, 0.85, 1.05};
  double rho_bat_ = 0.5, tou_[5] = {0.25, 0.45, 16, 21, 0.05}, adder_ = 0.20;
  std::string money_ = "$";  // the tariff's currency in unit texts: $ for tou, AUD for aemo (§16.4)
  gc::Battery batt_;
  gc::Rls rls_{9, 0.99, 100, 1e6};
  // data
  gc::Site site_;
  std::string path_;
  std::int64_t taus_ = 0, tau0_ = 0, T_ = 0, T_run_ = 0, day0_ = 0, cur_ = 0, nseen_ = 0;
  int weekday0_ = 0;
  std::vector<double> Lsys_, profile_, ghi_, kc_, buy_, sell_;
  std::vector<int> cloud_;
  // homes
  std::vector<double> kappa_, kwp_, orient_, rfeed_;
  std::vector<char> has_pv_, has_bat_;
  std::vector<double> eps_, soc_, soc0_, kpv_, load_, pv_, lhat_, pvhat_, qhat_, b_, b0_, nhat_, net_, e_, price_, bill_, bill0_,
      billx_, cost_, cost0_, last_load_, theta_, P_, lags_, work_;
  std::vector<double> cost_eval_local_, cost0_eval_local_;
  double E_ = 0, B_ = 0;
  std::int64_t mu_step_ = -1;  // the step whose mu* the run gave (SetStepOptimum); -1: none yet
  double mu_star_ = 0;
  // shares (§16.3, §16.8): options, the graph, the union-graph neighbours (CSR, sorted gids), each graph's row
  // entry → union position (−1: self), the held shares per (home, neighbour), the ȳ lags, this step's
  // z̃ and ȳ, the ghosts' z̃, and this rank's share messages of the step.
  bool nb_ = true;
  int privacy_ = 0;
  double share_eps_ = 1.0, mask_sigma_ = 0.5, share_msgs_ = 0;
  const graph::LocalGraphs *graphs_ = nullptr;
  std::unique_ptr<comm::Exchange> ex_;
  std::vector<std::int64_t> nbr_ptr_, nbr_gid_;
  std::vector<std::vector<std::int32_t>> upos_;
  std::vector<double> held_, nlags_, ztil_, ybar_, ghost_;
  std::int64_t ravg_ = 0;                          // R_avg: model averaging every R_avg steps (0: off)
  std::vector<double> theta_ghost_, theta_new_;    // the neighbours' θ and the averaged θ of AverageModels
  double row_[C_NCOL] = {};
  Acc acc_[2];

  // ---- the scalar family of §16.6 (problems/gridcell_family.hpp): options, the step's kernel ----
  gridcell_opt::Params opt_;
  bool oracle_realized_ = true;
  const char *opt_given_ = nullptr;  // the first opt-only option given (refused with none and mmr)
  std::int64_t begun_ = 0;           // the step whose BeginStep ran last
  gc::Router route_;                 // module 4 (§16.7), with its options in route_.p
  // mfq (§16.5): the algorithm's options, Q_i (675 per home, 0 without a battery), the last state s_i, action
  // a_i (-1 without a battery) and mean field mf_i, the pass, the step's counts (a = 0, 1, 2; updates) and
  // temperature, the battery homes, the /series columns, and the community cost per pass and day.
  gc::MfqParams mfq_;
  PetscBool output_q_ = PETSC_FALSE, output_q_set_ = PETSC_FALSE;
  std::vector<double> qtab_, ma_, ms_, mmf_, pass_days_, day_cost_;
  static constexpr double kDayGrid = 1048576.0;  // 2^20 per $: the grid of the per-pass daily costs
  int pass_ = 1;
  double mfq_step_[4] = {}, tb_ = 0, nbat_ = 0, mfq_row_[kMfqCols] = {};
  // ctr = T (pass - 1) + t - 1 (§16.5 with the run's T steps as the pass: 96 N_d by default).
  std::int64_t Ctr(std::int64_t t) const { return T_run() * (pass_ - 1) + t - 1; }
  std::int64_t Days() const { return (T_run() + 95) / 96; }
  std::vector<double> nreal_;        // n_i = ℓ_i − pv_i + b^r_i of the step (the realized f of the metrics)
  PetscErrorCode OptsFromOptions(PetscOptionItems *PetscOptionsObject) {
    static const char *const kOracles[] = {"realized", "forecast"};
    PetscReal v[3] = {opt_.cf, opt_.ws, opt_.emax};
    PetscInt nv = 3, orc = 0;
    PetscBool vset = PETSC_FALSE, oset = PETSC_FALSE;
    PetscFunctionBeginUser;
    PetscCall(PetscOptionsRealArray("-opt",
                                    "Optimization-based clearing (pdct, li2022, dopp, coa, doa, dpa, offline; §16.6): c_f [$/kWh per kW], "
                                    "w_s [kW], e_max [kW] of f = C^U_w(n_hat - e) + (c_f/2) e^2 on [-e_max, e_max] (default 0.1,1,10)",
                                    "", v, &nv, &vset));
    PetscCall(OptionsChoice(PetscOptionsObject, "-oracle",
                            "Optimization-based clearing: the oracle, Reg and Vio use the realized positions n_i (realized) or the "
                            "declared n_hat_i (forecast)", kOracles, 2, &orc, &oset));
    if (vset) {
      PetscCheck(nv == 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-gridcell_opt needs 3 values (c_f, w_s, e_max), got %d", (int)nv);
      PetscCheck(std::isfinite(v[0]) && v[0] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_opt: the friction c_f = %g must be positive (f must be strongly convex)", (double)v[0]);
      PetscCheck(std::isfinite(v[1]) && v[1] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_opt: the Huber width w_s = %g must be positive (the gradient must be continuous)", (double)v[1]);
      // The exact sums of the pool account (§16.10) are bounded for |e| <= X_max = 30 kW.
      PetscCheck(std::isfinite(v[2]) && v[2] > 0 && v[2] <= 30, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-gridcell_opt: the trade bound e_max = %g must lie in (0, 30] kW (the exact-sum bound of docs/gridcell.md §16.10)",
                 (double)v[2]);
      opt_.cf = v[0], opt_.ws = v[1], opt_.emax = v[2];
    }
    oracle_realized_ = orc == 0;
    opt_given_ = vset ? "-gridcell_opt" : (oset ? "-gridcell_oracle" : nullptr);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // The step's kernel: the declared positions n̂ for the decisions, the realized ones for the metrics.
  void OptKernel(std::int64_t k, ScalarKernel *kernel) {
    if (!kernel) return;
    const std::int64_t nl = block_.local();
    nreal_.resize(nl);
    for (std::int64_t i = 0; i < nl; ++i) nreal_[i] = load_[i] - pv_[i] + b_[i];
    GridcellKernel gk;
    gk.p = opt_, gk.p.ls = sell_[k], gk.p.lb = buy_[k];
    gk.n = nhat_.data(), gk.n_metric = oracle_realized_ ? nreal_.data() : nhat_.data();
    gk.homes = static_cast<double>(block_.n);
    // The oracle's int64 sums of e_i(μ) (|e| <= ē) and de_i/dμ (|s| <= 1/c_f): the finest grid 2^-k, k <= 40,
    // with N·max(ē, 1/c_f, 1)·2^k < 2^62 (about 2^-40 kW up to 4·10^5 homes at the defaults).
    const double vmax = static_cast<double>(block_.n) * std::max({opt_.emax, 1.0 / opt_.cf, 1.0});
    double scale = 1099511627776.0;  // 2^40
    while (scale > 1.0 && vmax * scale >= 4.6e18) scale *= 0.5;
    gk.exact_scale = scale;
    *kernel = gk;
  }
};

}  // namespace

std::unique_ptr<Problem> GridcellCreate() { return std::make_unique<Gridcell>(); }

}  // namespace dodge::problems
