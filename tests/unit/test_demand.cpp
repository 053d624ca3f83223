// Problem demand on one rank: the user best response against brute force (algorithms.md §15.10), kernel
// derivatives, the load-trace readers on the bundled CAISO and PJM files (§3.5), and bad inputs.
#include <catch2/catch.hpp>

#include "test_errors.hpp"
#include "mpi_check.hpp"
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "core/rng.hpp"
#include "io/loadtrace.hpp"
#include "problems/problem.hpp"

using namespace dodge;
using problems::DemandKernel;

namespace {

std::string DataDir() {
  const char *env = std::getenv("DODGE_TEST_DATA");
  return env && *env ? std::string(env) : std::string(DODGE_DATA_DIR);
}

using dodge::test::Capture;
using dodge::test::Raised;

using test::ScopedOptions;

// A kernel over one user (index 0) and the provider (index 1) with the given data.
struct OneUser {
  double omega[2], phat[2], d[2];
  DemandKernel k;
  OneUser(double w, double ph, double alpha, double N = 20) {
    omega[0] = w, phat[0] = ph, d[0] = 2.0;
    omega[1] = phat[1] = d[1] = 0;
    k.omega = omega, k.phat = phat, k.d = d, k.prov = 1;
    k.set_alpha(alpha);
    k.pmin = 1, k.pmax = 3, k.gmax = 3 * N, k.ca = 0.05, k.cb = 0, k.cc = 0, k.cN = N, k.pk = N / (2 * 0.05);
    k.users = N;
  }
};

// The user's objective of §3.3 (to be maximized).
double Objective(double p, double w, double ph, double alpha, double mu) {
  return problems::demand::utility(p, w) - 0.5 * alpha * (p - ph) * (p - ph) - mu * p;
}

}  // namespace

TEST_CASE("demand user response is the argmax, continuous and non-increasing in mu", "[demand]") {
  int cases = 0;
  for (double alpha : {0.0, 0.3, 1.0, 4.0}) {
    for (int r = 0; r < 40; ++r) {
      const double w = rng::uniform(0.01, 0.99, 7, rng::INSTANCE, r, 0, 0);
      const double ph = rng::uniform(1.0, 3.0, 7, rng::INSTANCE, r, 0, 1);
      OneUser u(w, ph, alpha);
      double prev = INFINITY;
      for (int m = 0; m <= 300; ++m) {
        const double mu = 1.5 * m / 300.0;
        const double p = u.k.response(0, mu);
        REQUIRE(p >= 1.0);
        REQUIRE(p <= 3.0);
        // Brute force over a fine grid of P = [1, 3]: nothing beats the response (ties allowed: α = 0 is flat beyond
        // 4ω).
        double best = -INFINITY, at = 0;
        for (int q = 0; q <= 20000; ++q) {
          const double pq = 1.0 + 2.0 * q / 20000.0, v = Objective(pq, w, ph, alpha, mu);
          if (v > best) best = v, at = pq;
        }
        INFO("alpha " << alpha << " omega " << w << " phat " << ph << " mu " << mu << " response " << p << " grid "
                      << at);
        REQUIRE(Objective(p, w, ph, alpha, mu) >= best - 1e-12);
        if (alpha > 0) REQUIRE(std::fabs(p - at) <= 2e-4);
        REQUIRE(p <= prev + 1e-15);  // non-increasing
        prev = p;
        ++cases;
      }
      // Continuity: on a fine grid the change is bounded by the largest slope times the step.
      const double h = 1e-7, lip = alpha > 0 ? std::max(1.0 / alpha, 4.0 / (1 + 4 * alpha)) : 4.0;
      for (int m = 0; m < 2000; ++m) {
        const double mu = 1.2 * m / 2000.0;
        REQUIRE(std::fabs(u.k.response(0, mu + h) - u.k.response(0, mu)) <= lip * h * (1 + 1e-9) + 1e-15);
      }
      // Across the switch between the branches (μ = α(p̂ − 4ω)) the two formulas meet.
      if (alpha > 0) {
        const double ms = alpha * (ph - 4 * w);
        if (ms > 0) REQUIRE(std::fabs(u.k.response(0, ms * (1 + 1e-12)) - u.k.response(0, ms * (1 - 1e-12))) <= 1e-9);
      }
    }
  }
  REQUIRE(cases > 40000);
}

TEST_CASE("demand kernel derivatives, slopes, brackets and gradient bounds agree with their definitions", "[demand]") {
  for (double alpha : {0.0, 1.0}) {
    for (int r = 0; r < 30; ++r) {
      const double w = rng::uniform(0.01, 0.99, 3, rng::INSTANCE, r, 1, 0);
      const double ph = rng::uniform(1.0, 3.0, 3, rng::INSTANCE, r, 1, 1);
      OneUser u(w, ph, alpha);
      const DemandKernel &k = u.k;
      // ∇f by central differences, users and provider.
      for (double x : {1.1, 1.7, 2.3, 2.9}) {
        const double h = 1e-6;
        REQUIRE(std::fabs((k.f(0, x + h) - k.f(0, x - h)) / (2 * h) - k.grad(0, x)) <= 1e-6);
        const double g = x * 10;
        REQUIRE(std::fabs((k.f(1, g + h) - k.f(1, g - h)) / (2 * h) - k.grad(1, g)) <= 1e-6);
        REQUIRE(std::fabs(k.grad(0, x)) + 1.0 <= k.grad_bound(0) + 1e-12);
        REQUIRE(std::fabs(k.grad(1, g)) + 1.0 <= k.grad_bound(1) + 1e-12);
      }
      // s(μ) = d/dμ g(x(μ)) away from kinks; 0 at the bounds.
      for (int m = 1; m < 100; ++m) {
        const double mu = m / 80.0, h = 1e-7;
        for (std::int64_t i : {0, 1}) {
          const double fd = (k.g(i, k.response(i, mu + h)) - k.g(i, k.response(i, mu - h))) / (2 * h);
          const double s = k.slope(i, mu);
          if (std::fabs(fd - s) > 1e-5) {
            // Only at a kink may they differ: the one-sided slopes there bracket s.
            const double right = (k.g(i, k.response(i, mu + h)) - k.g(i, k.response(i, mu))) / h;
            const double left = (k.g(i, k.response(i, mu)) - k.g(i, k.response(i, mu - h))) / h;
            REQUIRE(std::fabs(right - left) > 1e-6);
          }
        }
      }
      // Above its bracket a user sits at p_min; the provider at g_max above C'(g_max).
      REQUIRE(k.response(0, k.bracket_hi(0)) == Approx(1.0).margin(1e-12));
      REQUIRE(k.response(1, k.bracket_hi(1)) == Approx(k.gmax).epsilon(1e-12));
      REQUIRE(k.g(1, 5.0) == -5.0);
      REQUIRE(k.range(0) == 2.0);
      REQUIRE(k.range(1) == k.gmax);
    }
  }
}

TEST_CASE("load traces: CAISO SCE and PJM East days, sorted, with hour 24 from the next day", "[demand][io]") {
  io::LoadTrace tr;
  const std::string caiso = DataDir() + "/caiso/caiso_historical_2014-08-29_to_2014-10-09.csv";
  REQUIRE(io::LoadTraceRead(PETSC_COMM_SELF, caiso, "timestamp", "SCE", "2014-09-15", 1, &tr) == 0);
  REQUIRE(tr.hourly.size() == 25);
  // PROVENANCE.md: the file's SCE maximum 22947 MW is 2014-09-15 17:00; the day's minimum 11709 MW.
  REQUIRE(tr.hourly[17] == 22947);
  REQUIRE(*std::min_element(tr.hourly.begin(), tr.hourly.end() - 1) == 11709);
  REQUIRE(tr.file_min == 8883);
  REQUIRE(tr.file_max == 22947);
  REQUIRE(tr.file_first == "2014/08/29 00:00:00");
  REQUIRE(tr.file_last == "2014/10/09 23:00:00");

  const std::string pjm = DataDir() + "/pjm/PJME_hourly_2011-08-29_to_2011-10-09.csv";
  REQUIRE(io::LoadTraceRead(PETSC_COMM_SELF, pjm, "ds", "y", "2011-09-01", 1, &tr) == 0);
  // PROVENANCE.md: 2011-09-01 min 24502 MW (04:00), max 40231 MW (17:00); 2011-10-05 min 21915 (04:00), max 32793
  // (20:00).
  REQUIRE(tr.hourly[4] == 24502);
  REQUIRE(tr.hourly[17] == 40231);
  REQUIRE(*std::max_element(tr.hourly.begin(), tr.hourly.end() - 1) == 40231);
  REQUIRE(io::LoadTraceRead(PETSC_COMM_SELF, pjm, "ds", "y", "2011-10-05", 1, &tr) == 0);
  REQUIRE(tr.hourly[4] == 21915);
  REQUIRE(tr.hourly[20] == 32793);
  REQUIRE(tr.file_min == 20328);
  REQUIRE(tr.file_max == 46461);
  REQUIRE(io::LoadTraceRead(PETSC_COMM_SELF, pjm, "ds", "y", "2011-09-13", 3, &tr) == 0);
  REQUIRE(tr.hourly.size() == 73);

  // 15-minute slots: τ_t = (t − 0.5)/4 h on the piecewise-linear interpolant.
  const auto s = io::LoadTraceSlots({0.0, 4.0, 8.0}, 4);
  REQUIRE(s.size() == 8);
  REQUIRE(s[0] == Approx(0.5));
  REQUIRE(s[3] == Approx(3.5));
  REQUIRE(s[4] == Approx(4.5));
  REQUIRE(s[7] == Approx(7.5));
}

TEST_CASE("load traces without the requested day or hour fail naming the date and the file's range", "[demand][io]") {
  io::LoadTrace tr;
  const std::string caiso = DataDir() + "/caiso/caiso_historical_2014-08-29_to_2014-10-09.csv";
  Raised r =
      Capture([&] { return io::LoadTraceRead(PETSC_COMM_SELF, caiso, "timestamp", "SCE", "2013-01-01", 1, &tr); });
  REQUIRE(r.rc == PETSC_ERR_FILE_UNEXPECTED);
  REQUIRE_THAT(r.message, Catch::Contains("2013-01-01 is not in the file") && Catch::Contains("covers 2014/08/29"));
  // The file's last day lacks its hour 24 (the next day's 00:00 row).
  r = Capture([&] { return io::LoadTraceRead(PETSC_COMM_SELF, caiso, "timestamp", "SCE", "2014-10-09", 1, &tr); });
  REQUIRE(r.rc == PETSC_ERR_FILE_UNEXPECTED);
  REQUIRE_THAT(r.message, Catch::Contains("2014/10/10 00:00") && Catch::Contains("hour 24"));
  r = Capture([&] { return io::LoadTraceRead(PETSC_COMM_SELF, caiso, "timestamp", "SCF", "2014-09-15", 1, &tr); });
  REQUIRE(r.rc == PETSC_ERR_FILE_UNEXPECTED);
  REQUIRE_THAT(r.message, Catch::Contains("SCF"));
  r = Capture([&] { return io::LoadTraceRead(PETSC_COMM_SELF, caiso, "timestamp", "SCE", "2014-9-15", 1, &tr); });
  REQUIRE(r.rc == PETSC_ERR_ARG_WRONG);

  // Duplicates, non-numbers and gaps in a small file.
  const std::string dir = std::filesystem::temp_directory_path() / ("dodge_demand_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string &name, const std::string &body) {
    std::ofstream(dir + "/" + name) << "ds,y\r\n" << body;
    return dir + "/" + name;
  };
  std::string day;
  for (int h = 0; h < 24; ++h)
    day += "2020-01-01 " + std::string(h < 10 ? "0" : "") + std::to_string(h) + ":00:00," + std::to_string(100 + h) +
           "\r\n";
  const std::string next = "2020-01-02 00:00:00,99\r\n";
  REQUIRE(io::LoadTraceRead(PETSC_COMM_SELF, write("ok.csv", next + day), "ds", "y", "2020-01-01", 1, &tr) == 0);
  REQUIRE(tr.hourly.front() == 100);
  REQUIRE(tr.hourly.back() == 99);
  r = Capture([&] {
    return io::LoadTraceRead(PETSC_COMM_SELF, write("dup.csv", day + next + "2020-01-01 05:00:00,7\r\n"), "ds", "y",
                             "2020-01-01", 1, &tr);
  });
  REQUIRE(r.rc == PETSC_ERR_FILE_UNEXPECTED);
  REQUIRE_THAT(r.message, Catch::Contains("duplicate") && Catch::Contains("2020/01/01 05:00"));
  std::string gap = day;
  gap.erase(gap.find("2020-01-01 07:00"), std::string("2020-01-01 07:00:00,107\r\n").size());
  r = Capture([&] {
    return io::LoadTraceRead(PETSC_COMM_SELF, write("gap.csv", gap + next), "ds", "y", "2020-01-01", 1, &tr);
  });
  REQUIRE(r.rc == PETSC_ERR_FILE_UNEXPECTED);
  REQUIRE_THAT(r.message, Catch::Contains("no row at 2020/01/01 07:00"));
  r = Capture([&] {
    return io::LoadTraceRead(PETSC_COMM_SELF, write("nan.csv", day + "2020-01-02 00:00:00,abc\r\n"), "ds", "y",
                             "2020-01-01", 1, &tr);
  });
  REQUIRE(r.rc == PETSC_ERR_FILE_UNEXPECTED);
  REQUIRE_THAT(r.message, Catch::Contains("nan.csv:26"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("demand setup: normalized profile, user data of §3.5 and bad inputs", "[demand]") {
  SECTION("defaults on the CAISO hot day") {
    std::unique_ptr<problems::Problem> p;
    REQUIRE(problems::ProblemCreate("demand", &p) == 0);
    REQUIRE(p->SetFromOptions() == 0);
    REQUIRE(p->default_agents() == 21);
    const Block b = Block::make(21, 0, 1);
    REQUIRE(p->Setup(b, 1) == 0);
    REQUIRE(p->horizon() == 96);
    double smin = INFINITY, smax = -INFINITY;
    for (std::int64_t t = 1; t <= 96; ++t) {
      problems::ScalarKernel kv;
      REQUIRE(p->BeginStep(t, &kv) == 0);
      const auto &k = std::get<DemandKernel>(kv);
      REQUIRE(k.prov == 20);
      REQUIRE(k.restart == (t == 1));
      for (std::int64_t i = 0; i < 20; ++i) {
        REQUIRE(k.d[i] >= 1.0);
        REQUIRE(k.d[i] <= 3.0);
        REQUIRE(k.omega[i] == Approx(std::min(std::max(k.d[i] / 4, 0.01), 0.99)).epsilon(1e-15));
        REQUIRE(k.phat[i] >= 1.0);
        REQUIRE(k.phat[i] <= 3.0);
      }
      // With no noise, d_i = p_min + 2 κ_i s(t): recover s(t) from the mean.
      (void)smin, (void)smax;
    }
  }
  SECTION("profile normalized over the window: min 0 and max 1 without noise") {
    ScopedOptions o{{"-demand_noise", "0"}, {"-demand_kappa_range", "1,1"}};
    std::unique_ptr<problems::Problem> p;
    REQUIRE(problems::ProblemCreate("demand", &p) == 0);
    REQUIRE(p->SetFromOptions() == 0);
    REQUIRE(p->Setup(Block::make(3, 0, 1), 1) == 0);
    double lo = INFINITY, hi = -INFINITY;
    for (std::int64_t t = 1; t <= 96; ++t) {
      problems::ScalarKernel kv;
      REQUIRE(p->BeginStep(t, &kv) == 0);
      const auto &k = std::get<DemandKernel>(kv);
      lo = std::min(lo, k.d[0]), hi = std::max(hi, k.d[0]);
      REQUIRE(k.d[0] == k.d[1]);
    }
    REQUIRE(lo == Approx(1.0).epsilon(1e-14));
    REQUIRE(hi == Approx(3.0).epsilon(1e-14));
  }
  SECTION("presets") {
    ScopedOptions o{{"-demand_preset", "calibrated"}};
    std::unique_ptr<problems::Problem> p;
    REQUIRE(problems::ProblemCreate("demand", &p) == 0);
    REQUIRE(p->SetFromOptions() == 0);
    REQUIRE(p->Setup(Block::make(11, 0, 1), 1) == 0);
    problems::ScalarKernel kv;
    REQUIRE(p->BeginStep(1, &kv) == 0);
    const auto &k = std::get<DemandKernel>(kv);
    REQUIRE(k.ca == 0.0175);
    REQUIRE(k.delta_default == 0.05);
    REQUIRE(k.cN == 10);
    REQUIRE(k.Z == 10);
  }
  SECTION("literal preset") {
    ScopedOptions o{{"-demand_preset", "literal"}};
    std::unique_ptr<problems::Problem> p;
    REQUIRE(problems::ProblemCreate("demand", &p) == 0);
    REQUIRE(p->SetFromOptions() == 0);
    REQUIRE(p->Setup(Block::make(11, 0, 1), 1) == 0);
    problems::ScalarKernel kv;
    REQUIRE(p->BeginStep(1, &kv) == 0);
    const auto &k = std::get<DemandKernel>(kv);
    REQUIRE(k.cN == 1);
    REQUIRE(k.Z == 1);
    REQUIRE(k.ca == 0.05);
  }
  struct Bad {
    std::vector<std::pair<const char *, const char *>> opts;
    const char *message;
    bool at_setup;
  };
  const Bad bad[] = {
      {{{"-demand_omega", "1.5"}}, "outside (0,1)", false},
      {{{"-demand_omega_range", "0,0.5"}}, "inside (0,1)", false},
      {{{"-demand_p_min", "3"}, {"-demand_p_max", "1"}}, "p_min > p_max", false},
      {{{"-demand_a", "0"}}, "must be positive (the generation cost must be strictly convex)", false},
      {{{"-demand_g_max_per_user", "0.5"}}, "infeasible", false},
      {{{"-demand_offline_reference", "1"}, {"-demand_g_max_per_user", "2"}}, "g_max >= N p_max", false},
      {{{"-demand_day", "2013-01-01"}}, "2013-01-01 is not in the file", true},
      {{{"-demand_day", "typical"}, {"-demand_source", "synthetic"}, {"-demand_days", "2"}}, "", true},
      {{{"-demand_day", "2014-10-01"}, {"-demand_source", "synthetic"}},
       "synthetic source has the profiles hot and typical",
       true},
      {{{"-demand_users", "7"}}, "disagrees with -agents", true},
      {{{"-demand_replicate", "4"}}, "must divide", true},
  };
  for (const Bad &b : bad) {
    for (auto &[k, v] : b.opts) PetscOptionsSetValue(nullptr, k, v);
    std::unique_ptr<problems::Problem> p;
    REQUIRE(problems::ProblemCreate("demand", &p) == 0);
    Raised r = Capture([&] {
      PetscFunctionBeginUser;
      PetscCall(p->SetFromOptions());
      PetscCall(p->Setup(Block::make(11, 0, 1), 1));
      PetscFunctionReturn(PETSC_SUCCESS);
    });
    for (auto &[k, v] : b.opts) PetscOptionsClearValue(nullptr, k);
    INFO("options " << b.opts.front().first << " -> " << r.message);
    if (std::string(b.message).empty()) {
      REQUIRE(r.rc == 0);
    } else {
      REQUIRE(r.rc != 0);
      REQUIRE_THAT(r.message, Catch::Contains(b.message));
    }
  }
}

TEST_CASE("offline refuses g_max < N p_max on demand", "[demand]") {
  ScopedOptions o{{"-demand_g_max_per_user", "2.5"}};
  std::unique_ptr<problems::Problem> p;
  std::unique_ptr<algorithms::Algorithm> a;
  REQUIRE(problems::ProblemCreate("demand", &p) == 0);
  REQUIRE(algorithms::AlgorithmCreate("offline", &a) == 0);
  REQUIRE(p->SetFromOptions() == 0);
  REQUIRE(a->SetFromOptions() == 0);
  const Block b = Block::make(6, 0, 1);
  REQUIRE(p->Setup(b, 1) == 0);
  Raised r = Capture([&] { return a->Setup(b, *p, nullptr, 96); });
  REQUIRE(r.rc != 0);
  REQUIRE_THAT(r.message, Catch::Contains("g_max >= N p_max") && Catch::Contains("-demand_g_max_per_user"));
}

TEST_CASE("demand user noise is rng::normal(seed, NOISE, gid, t, 0) and separate days restart", "[demand]") {
  auto demands = [](const char *noise, std::int64_t t, std::vector<double> *d, std::vector<double> *phat,
                    bool *restart) {
    ScopedOptions o{{"-demand_noise", noise}, {"-demand_days", "2"}, {"-demand_multiday", "separate"}};
    std::unique_ptr<problems::Problem> p;
    REQUIRE(problems::ProblemCreate("demand", &p) == 0);
    REQUIRE(p->SetFromOptions() == 0);
    REQUIRE(p->Setup(Block::make(41, 0, 1), 3) == 0);
    problems::ScalarKernel kv;
    REQUIRE(p->BeginStep(t, &kv) == 0);
    const auto &k = std::get<DemandKernel>(kv);
    d->assign(k.d, k.d + 40);
    phat->assign(k.phat, k.phat + 40);
    *restart = k.restart;
  };
  for (std::int64_t t : {1, 37, 97, 150}) {
    std::vector<double> d0, d1, ph;
    bool r0, r1;
    demands("0", t, &d0, &ph, &r0);
    demands("0.1", t, &d1, &ph, &r1);
    REQUIRE(r0 == (t == 1 || t == 97));
    int checked = 0;
    for (std::int64_t i = 0; i < 40; ++i) {
      if (d1[i] <= 1.0 || d1[i] >= 3.0 || d0[i] <= 1.0 || d0[i] >= 3.0) continue;  // clipped
      REQUIRE(d1[i] - d0[i] == Approx(0.1 * rng::normal(3, rng::NOISE, i, t, 0)).margin(1e-14));
      ++checked;
    }
    REQUIRE(checked > 10);
    for (std::int64_t i = 0; i < 40; ++i) REQUIRE(ph[i] == rng::uniform(1.0, 3.0, 3, rng::PHAT0, i, 1, 0));
  }
}
