// Memory estimate per rank and the check against the memory available (see memory.hpp and the memory model
// of docs/performance.md). The coefficients are the bytes each component allocates per agent, per graph row
// entry or per edge, read off the state vectors of the code and checked against the measured peak resident
// set (VmHWM) by app_memory_estimate.
#include "run/memory.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "comm/collectives.hpp"
#include "comm/errors.hpp"
#include "comm/exchange.hpp"
#include "core/options.hpp"

namespace dodge::run {

namespace {

constexpr double kMiB = 1024.0 * 1024.0, kGiB = kMiB * 1024.0;

// PETSc, MPI, HDF5, the binary and its static tables, the data file's rows: a 1,000-agent run's peak.
constexpr double kBaseline = 40.0 * kMiB;

// Per agent, the problem's own state (Problem::state_bytes_per_agent) and the observer's previous decision
// (8 bytes per component of x_i, metrics/observer.cpp).
double ProblemBytesPerAgent(const MemoryInputs &in) { return in.problem_bytes + 8.0 * std::max(in.dim, 1); }

// Per agent, what the oracle and the metrics keep (Problem::oracle_bytes_per_agent) in a -metrics run.
double MetricsBytesPerAgent(const MemoryInputs &in) { return in.metrics ? in.oracle_bytes : 0.0; }

// The graph of the largest rank: row entries over all B graphs (self included) and per-agent overhead.
struct GraphShape {
  double entries_per_agent = 0;  // row entries per owned agent, summed over the B graphs (self included)
  double extra_entries = 0;      // row entries held by one rank beyond the per-agent ones (a star's hub)
  int B = 1;
  bool directed = false;
  double global_edges = 0;       // edges every rank holds while it builds a list family's topology
  double bytes_per_edge = 0;     // what each of them costs then
};

GraphShape GraphShapeOf(const MemoryInputs &in) {
  GraphShape g;
  const double n = static_cast<double>(in.n);
  const std::string &f = in.graph_family;
  if (f == "ring") g.entries_per_agent = in.n >= 3 ? 3 : 2;
  else if (f == "ring_directed") g.entries_per_agent = 2, g.directed = true;
  else if (f == "switching3") g.entries_per_agent = 5, g.B = 3;  // each ring edge in one of the 3 graphs
  else if (f == "torus") g.entries_per_agent = 5;
  else if (f == "complete") g.entries_per_agent = n;
  else if (f == "star") g.entries_per_agent = 2, g.extra_entries = n;
  else if (f == "erdos_renyi" || f == "erdos_renyi_directed") {
    const double deg = n > 1 ? std::min(n - 1, 2.0 * std::log(n)) : 0.0;
    g.entries_per_agent = 1 + deg, g.global_edges = n * deg / 2, g.directed = f == "erdos_renyi_directed";
    g.bytes_per_edge = 66;  // the drawn pairs, their gathered copy, the sorted lists, the connectivity check
  } else if (f == "watts_strogatz") {
    g.entries_per_agent = 5, g.global_edges = 2 * n;
    g.bytes_per_edge = 98;  // the candidates and lattice edges of the rewiring rounds, then the lists
  } else {  // edge-list files: counted like a ring until they are read (their lines are not known yet)
    g.entries_per_agent = 3, g.global_edges = n, g.bytes_per_edge = 48;  // the pairs, their copy, the adjacency
  }
  return g;
}

std::string Human(double b) {
  char buf[64];
  if (b >= kGiB) std::snprintf(buf, sizeof buf, "%.2f GiB", b / kGiB);
  else std::snprintf(buf, sizeof buf, "%.1f MiB", b / kMiB);
  return buf;
}

// The first number of a one-line file ("max" and unreadable files: not a limit).
bool ReadLimit(const char *path, double *v) {
  std::ifstream f(path);
  std::string s;
  if (!(f >> s) || s == "max") return false;
  char *end = nullptr;
  const double x = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !(x > 0) || x >= 1e18) return false;  // v1 reports "no limit" as ~2^63
  *v = x;
  return true;
}

}  // namespace

MemoryEstimate EstimateMemory(const MemoryInputs &in) {
  MemoryEstimate e;
  const int P = std::max(in.ranks, 1);
  const double nloc = std::ceil(static_cast<double>(in.n) / P);
  const double problem = nloc * ProblemBytesPerAgent(in);
  e.parts.push_back({"baseline", kBaseline});
  e.parts.push_back({"problem", problem});
  e.parts.push_back({"algorithm", nloc * in.algorithm_bytes});
  if (in.metrics) e.parts.push_back({"oracle+metrics", nloc * MetricsBytesPerAgent(in)});
  // A gathered oracle holds every agent's data on rank 0, the largest rank then.
  if (in.metrics && in.root_oracle_bytes > 0) e.parts.push_back({"oracle on rank 0", static_cast<double>(in.n) * in.root_oracle_bytes});
  if (in.uses_graph) {
    const GraphShape g = GraphShapeOf(in);
    // Per row entry: column (4), global id and edge index (8 + 8, freed after setup but part of the peak),
    // weight (8). Per agent and graph: row pointer and the self entry's index (8 + 8); directed graphs keep
    // the out-edges too (row pointer and one edge index per out-edge).
    double graph = (nloc * g.entries_per_agent + g.extra_entries) * 28.0 + nloc * g.B * 16.0;
    if (g.directed) graph += nloc * g.B * 8.0 + nloc * (g.entries_per_agent - g.B) * 8.0;
    e.parts.push_back({"graph", graph});
    // A list family's edges on every rank while its topology is built, and an offset per node: they are
    // alive with the problem and the CSR rows being filled (column, global id and edge index, 20 of the 28
    // bytes per entry), before the algorithm's state exists, so they make a peak of their own; the larger of
    // the two is the estimate. Bytes per edge measured on this machine at 1 to 4 ranks (app_memory_estimate).
    if (g.global_edges > 0) {
      e.edge_list_bytes = g.global_edges * g.bytes_per_edge + 8.0 * static_cast<double>(in.n);
      const double rows_being_filled = (nloc * g.entries_per_agent + g.extra_entries) * 20.0 + nloc * g.B * 16.0;
      e.build_bytes = kBaseline + problem + rows_being_filled + e.edge_list_bytes;
    }
    // The halo: per ghost, one value per mixed quantity in two buffers; a ring's two ghosts are nothing,
    // a complete graph's n are.
    const double ghosts = std::min(static_cast<double>(in.n) - nloc, g.entries_per_agent * nloc);
    if (g.entries_per_agent > 5) e.parts.push_back({"halo", ghosts * 8.0 * 4.0 * std::max(in.dim, 1)});
  }
  if (in.output) {
    // The recorder's buffers: the selected agents' fields until a flush, at most 1024 records and 64 MiB
    // per rank (run/output.cpp), on the rank that records the most agents; the series, HDF5's chunk cache and
    // the /inputs staging.
    const double per_step = static_cast<double>(in.recorded_agents) * 8.0 * std::max(in.record_width, 1);
    const double steps = in.steps > 0 ? std::min<double>(static_cast<double>(in.steps), 1024.0) : 1024.0;
    const double buffer = std::min(64.0 * kMiB, per_step * steps);
    e.parts.push_back({"recorder", buffer + 8.0 * kMiB + nloc * 8.0});
    // A flush is one collective write, and from 3 ranks on MPI-IO gathers the data on aggregator ranks in
    // staging buffers of its own: measured with Open MPI 4.1 (OMPIO) at 3 and 4 ranks, 0.3 to 0.7 of the
    // largest rank's buffer on top of it (none at 1 and 2 ranks); half of it is the estimate.
    if (P >= 3 && buffer > 0) e.parts.push_back({"MPI-IO staging", 0.5 * buffer});
  }
  // Two peaks: while a list family's edges are alive (build_bytes) and while the run steps (the parts).
  for (const auto &part : e.parts) e.bytes += part.second;
  e.bytes = std::max(e.bytes, e.build_bytes);
  return e;
}

std::string MemoryEstimate::Describe() const {
  std::string s = Human(bytes) + " per rank (";
  bool first = true;
  for (const auto &[name, b] : parts) {
    if (b < 0.05 * kMiB) continue;
    s += (first ? "" : " + ") + name + " " + Human(b);
    first = false;
  }
  if (edge_list_bytes > 0) s += "; while the graph is built, baseline, problem and graph rows + edge lists " + Human(edge_list_bytes);
  return s + ")";
}

double PeakResidentBytes() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream in(line.substr(6));
      double kb = 0;
      if (in >> kb) return kb * 1024.0;
    }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) * 1024.0;
}

PetscErrorCode MemoryAvailablePerRank(double *bytes, std::string *source) {
  int local_ranks = 1;
  PetscFunctionBeginUser;
  double avail = 0;
  std::string src;
  // MemAvailable: what the kernel can give without swapping.
  {
    std::ifstream f("/proc/meminfo");
    for (std::string line; std::getline(f, line);)
      if (line.rfind("MemAvailable:", 0) == 0) {
        std::istringstream in(line.substr(13));
        double kb = 0;
        if (in >> kb) avail = kb * 1024.0, src = "MemAvailable of /proc/meminfo";
      }
  }
  // A cgroup limit, less what the cgroup holds already (page cache counts; the kernel reclaims it, so the
  // limit alone bounds a process that has the cgroup to itself).
  double lim = 0, used = 0;
  if (ReadLimit("/sys/fs/cgroup/memory.max", &lim)) {
    ReadLimit("/sys/fs/cgroup/memory.current", &used);
    src = src.empty() ? "cgroup memory.max" : src;
    const double c = lim - used;
    if (avail <= 0 || c < avail) avail = c, src = "cgroup v2 memory.max less memory.current";
  } else if (ReadLimit("/sys/fs/cgroup/memory/memory.limit_in_bytes", &lim)) {
    ReadLimit("/sys/fs/cgroup/memory/memory.usage_in_bytes", &used);
    const double c = lim - used;
    if (avail <= 0 || c < avail) avail = c, src = "cgroup v1 memory.limit_in_bytes less usage";
  }
  // What the ranks of this node hold already is theirs to keep.
  double held = PeakResidentBytes();
  PetscCall(comm::NodeSum(PETSC_COMM_WORLD, &held, &local_ranks));
  if (avail > 0) avail = (avail + held) / local_ranks;
  // An address-space limit (ulimit -v) binds each process alone: allocations beyond it fail at once. Its
  // headroom is compared with the resident estimate, which is smaller than the address space a run maps, so
  // this bound is generous.
  if (struct rlimit rl; getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    double vm = 0;
    std::ifstream f("/proc/self/status");
    for (std::string line; std::getline(f, line);)
      if (line.rfind("VmSize:", 0) == 0) vm = std::strtod(line.c_str() + 7, nullptr) * 1024.0;
    const double as = static_cast<double>(rl.rlim_cur) - vm + PeakResidentBytes();
    if (avail <= 0 || as < avail) avail = std::max(as, 1.0), src = "the address-space limit (ulimit -v) less what is mapped";
  }
  // The tightest node decides, the same number on every rank.
  double v[2] = {avail > 0 ? -avail : 0.0, avail > 0 ? 0.0 : 1.0};
  PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, v, 2));
  *bytes = v[1] > 0 ? 0.0 : -v[0];
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, src, source));
  if (*bytes > 0 && source->find("ulimit") == std::string::npos)
    *source += " / " + std::to_string(local_ranks) + " rank" + (local_ranks > 1 ? "s" : "") + " on the node";
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MemoryOptionsRead(MemoryOptions *o) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, "memory_", "Memory estimate (printed in the banner; checked before setup)", nullptr);
  PetscCall(PetscOptionsBool("-check",
                             "Refuse (exit 55) a run whose estimated memory per rank exceeds the memory available to it "
                             "(cgroup limit or MemAvailable, divided among the node's ranks)",
                             nullptr, o->check, &o->check, nullptr));
  PetscOptionsEnd();
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MemoryCheck(const MemoryOptions &o, const MemoryInputs &in, const MemoryEstimate &est, double *available,
                           std::string *source) {
  PetscFunctionBeginUser;
  PetscCall(MemoryAvailablePerRank(available, source));
  if (!o.check || *available <= 0) PetscFunctionReturn(PETSC_SUCCESS);
  if (est.bytes > *available) {
    const double per_agent = (est.bytes - kBaseline) / std::ceil(static_cast<double>(in.n) / std::max(in.ranks, 1));
    const double fit = std::floor((*available - kBaseline) / per_agent) * std::max(in.ranks, 1);
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_MEM,
            "-agents %lld needs an estimated %s, more than the %s available to each rank (%s); at about %.0f bytes "
            "per agent at most about %.0f agents fit on %d rank%s. Use fewer agents, more nodes, or -memory_check false "
            "to run anyway",
            static_cast<long long>(in.n), est.Describe().c_str(), Human(*available).c_str(), source->c_str(), per_agent,
            std::max(fit, 0.0), in.ranks, in.ranks > 1 ? "s" : "");
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::run
