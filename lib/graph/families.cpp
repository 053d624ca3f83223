// Global edge lists of the graph families (algorithms.md §7): random families, edge-list files, and the
// rule-based families enumerated for tests and recording.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <tuple>

#include "comm/collectives.hpp"
#include "core/input_files.hpp"
#include "comm/exchange.hpp"
#include "core/rng.hpp"
#include "graph/graph.hpp"
#include "graph/topology.hpp"

namespace dodge::graph {

namespace detail {

const std::vector<std::string> &FamilyNames() {
  static const std::vector<std::string> names = {"ring",          "torus", "erdos_renyi", "watts_strogatz",
                                                 "complete",      "star",  "switching3",  "ring_directed",
                                                 "erdos_renyi_directed", "file"};
  return names;
}

std::string FamilyNamesJoined() {
  std::string s;
  for (const auto &name : FamilyNames()) s += (s.empty() ? "" : " ") + name;
  return s;
}

std::string Format(const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  const int len = std::vsnprintf(nullptr, 0, fmt, ap);
  va_end(ap);
  std::string s(len > 0 ? len : 0, '\0');
  std::vsnprintf(s.data(), s.size() + 1, fmt, ap2);
  va_end(ap2);
  return s;
}

PetscErrorCode FailTogether(MPI_Comm comm, PetscErrorCode code, const std::string &msg) {
  PetscFunctionBeginUser;
  int c = static_cast<int>(code);
  PetscCall(comm::BcastInt(comm, &c));
  std::string text;
  if (c != 0) {
    PetscMPIInt rank;
    PetscCall(comm::Rank(comm, &rank));
    if (rank == 0) text = msg;
    PetscCall(comm::BcastString(comm, &text));
  }
  PetscCheck(c == 0, comm, static_cast<PetscErrorCode>(c), "%s", text.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::vector<std::string> Tokens(std::string line) {
  if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
  std::istringstream in(line);
  std::vector<std::string> tok;
  for (std::string t; in >> t;) tok.push_back(t);
  return tok;
}

bool ParseInt(const std::string &s, std::int64_t *v) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseReal(const std::string &s, double *v) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(*v);
}

}  // namespace detail

namespace {

using detail::Edge;
using detail::EdgeLists;
using detail::Format;
using detail::ParseInt;
using detail::Tokens;

constexpr int kMaxAttempts = 1000;

std::vector<std::int64_t> Flatten(const std::vector<Edge> &edges) {
  std::vector<std::int64_t> flat;
  flat.reserve(2 * edges.size());
  for (const auto &[u, v] : edges) flat.push_back(u), flat.push_back(v);
  return flat;
}

std::vector<Edge> Unflatten(const std::vector<std::int64_t> &flat) {
  std::vector<Edge> edges(flat.size() / 2);
  for (std::size_t k = 0; k < edges.size(); ++k) edges[k] = {flat[2 * k], flat[2 * k + 1]};
  return edges;
}

// Each pair (i < j; every ordered pair i != j when directed) is an edge with probability p. Rows i are split
// over the ranks (i mod P) and the edges gathered; every draw is keyed by (attempt, row or pair), so the graph
// does not depend on the rank count.
//   pairs (algorithms.md §7): pair (i, j) is an edge iff u(GRAPH, attempt, i n + j) < p. O(n^2) draws per
//         attempt: fine up to n ≈ 2·10^4, over ten minutes at 10^6.
//   skip: row i's candidates j (j > i, or every j != i when directed) are visited by geometric skips
//         (Batagelj and Brandes, Phys. Rev. E 71, 036113, 2005): with u_c = u(GRAPH, attempt, i, c), c = 1, 2, ...,
//         the next edge lies 1 + floor(ln u_c / ln(1 − p)) candidates after the last. Each pair is still an edge
//         independently with probability p (the same G(n, p) law), in O(n + edges) draws, but it is a different
//         sample than `pairs` for the same seed.
PetscErrorCode ErdosRenyi(MPI_Comm comm, std::int64_t n, std::uint64_t seed, bool directed, bool skip, EdgeLists *graphs) {
  PetscMPIInt rank, size;
  PetscFunctionBeginUser;
  PetscCall(comm::Rank(comm, &rank));
  PetscCall(comm::Size(comm, &size));
  const double p = n > 1 ? std::min(1.0, 2.0 * std::log(static_cast<double>(n)) / static_cast<double>(n)) : 0.0;
  const double log1mp = std::log1p(-p);  // -inf when p = 1: every skip is 0
  if (!skip && n > 100000)
    PetscCall(PetscPrintf(comm,
                          "WARNING: erdos_renyi pair sampling draws %.3g pairs per attempt (O(n^2), algorithms.md §7; minutes to hours "
                          "at this n); -graph_er_sampling skip samples the same G(n,p) law in O(edges)\n",
                          directed ? static_cast<double>(n) * (n - 1) : 0.5 * static_cast<double>(n) * (n - 1)));
  graphs->assign(1, {});
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::vector<std::int64_t> mine, all;
    for (std::int64_t i = rank; i < n; i += size) {
      if (!skip) {
        for (std::int64_t j = directed ? 0 : i + 1; j < n; ++j)
          if (j != i && rng::uniform(seed, rng::GRAPH, attempt, static_cast<std::uint64_t>(i * n + j), 0) < p)
            mine.push_back(i), mine.push_back(j);
        continue;
      }
      // Candidate k of row i (0-based): j = i + 1 + k undirected; j = k, then k + 1 past i, directed.
      const std::int64_t count = directed ? n - 1 : n - 1 - i;
      if (p <= 0) continue;
      std::int64_t k = -1;
      for (std::uint64_t c = 1;; ++c) {
        const double u = rng::uniform(seed, rng::GRAPH, attempt, static_cast<std::uint64_t>(i), c);  // in (0, 1]
        const double gap = p >= 1 ? 0.0 : std::floor(std::log(u) / log1mp);
        if (gap >= static_cast<double>(count - 1 - k)) break;  // also catches a gap too large for int64
        k += 1 + static_cast<std::int64_t>(gap);
        const std::int64_t j = directed ? (k < i ? k : k + 1) : i + 1 + k;
        mine.push_back(i), mine.push_back(j);
      }
    }
    PetscCall(comm::AllgathervInt64(comm, mine, &all));
    (*graphs)[0] = Unflatten(all);
    std::sort((*graphs)[0].begin(), (*graphs)[0].end());
    if (detail::UnionConnected(n, directed, *graphs)) PetscFunctionReturn(PETSC_SUCCESS);
  }
  SETERRQ(comm, PETSC_ERR_NOT_CONVERGED, "%s: no %sconnected sample in %d attempts (n = %lld, p = %g); use another family or n",
          directed ? "erdos_renyi_directed" : "erdos_renyi", directed ? "strongly " : "", kMaxAttempts, static_cast<long long>(n), p);
}

// Ring lattice k = 4 with lattice edges l = 2i + (j - 1) = (i, i + j mod n), j = 1, 2 (duplicates and
// self-loops of tiny n merged, keeping the lowest l). Edge l is rewired iff u(GRAPH, attempt, l, 0) < 0.1;
// its new far end is floor(n u(GRAPH, attempt, l, c)) for c = 1, 2, ..., skipping i. Instead of checking
// each draw against a mutable edge set (an O(n) hash set), all edges are placed at once and duplicates are
// found by sorting: in a group of equal edges an unrewired edge wins, else the lowest l; the losers draw
// again (next c). After kMaxDraws draws an edge goes back to its lattice place, which no other unrewired
// edge can hold, so the rounds end.
std::vector<Edge> WattsStrogatz(std::int64_t n, std::uint64_t seed, int attempt) {
  constexpr double beta = 0.1;
  constexpr int kMaxDraws = 64;
  struct Lat {
    std::int64_t i, v0, v, l;
    int draws;
    bool rewired;
  };
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> cand;  // (min, max, l)
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 1; j <= 2; ++j) {
      const std::int64_t v = (i + j) % n;
      if (v != i) cand.emplace_back(std::min(i, v), std::max(i, v), 2 * i + j - 1);
    }
  std::sort(cand.begin(), cand.end());
  std::vector<Lat> lat;
  for (std::size_t k = 0; k < cand.size(); ++k) {
    const auto [a, b, l] = cand[k];
    if (k > 0 && std::get<0>(cand[k - 1]) == a && std::get<1>(cand[k - 1]) == b) continue;
    const std::int64_t i = l / 2;  // the lattice node the edge starts at stays its fixed end
    lat.push_back({i, i == a ? b : a, i == a ? b : a, l, 0, false});
  }
  cand.clear();
  cand.shrink_to_fit();

  auto draw = [&](Lat &e) {
    while (true) {
      if (++e.draws > kMaxDraws) {
        e.rewired = false, e.v = e.v0;
        return;
      }
      const double u = rng::uniform(seed, rng::GRAPH, attempt, e.l, e.draws);
      const std::int64_t v = std::min(n - 1, static_cast<std::int64_t>(static_cast<double>(n) * u));
      if (v != e.i) {
        e.v = v;
        return;
      }
    }
  };
  for (auto &e : lat)
    if (rng::uniform(seed, rng::GRAPH, attempt, e.l, 0) < beta) e.rewired = true, draw(e);

  struct Key {
    std::int64_t a, b;
    bool rewired;
    std::int64_t l;
    std::size_t k;
    bool operator<(const Key &o) const { return std::tie(a, b, rewired, l) < std::tie(o.a, o.b, o.rewired, o.l); }
  };
  std::vector<Key> keys(lat.size());
  for (bool again = true; again;) {
    again = false;
    for (std::size_t k = 0; k < lat.size(); ++k) {
      const Lat &e = lat[k];
      keys[k] = {std::min(e.i, e.v), std::max(e.i, e.v), e.rewired, e.l, k};
    }
    std::sort(keys.begin(), keys.end());
    for (std::size_t k = 1; k < keys.size(); ++k)
      if (keys[k].a == keys[k - 1].a && keys[k].b == keys[k - 1].b && lat[keys[k].k].rewired) draw(lat[keys[k].k]), again = true;
  }
  std::vector<Edge> edges;
  edges.reserve(lat.size());
  for (const auto &e : lat) edges.emplace_back(std::min(e.i, e.v), std::max(e.i, e.v));
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

PetscErrorCode WattsStrogatzConnected(MPI_Comm comm, std::int64_t n, std::uint64_t seed, EdgeLists *graphs) {
  PetscFunctionBeginUser;
  graphs->assign(1, {});
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    (*graphs)[0] = WattsStrogatz(n, seed, attempt);
    if (detail::UnionConnected(n, false, *graphs)) PetscFunctionReturn(PETSC_SUCCESS);
  }
  SETERRQ(comm, PETSC_ERR_NOT_CONVERGED, "watts_strogatz: no connected sample in %d attempts (n = %lld); use another family or n",
          kMaxAttempts, static_cast<long long>(n));
}

// Reads one edge-list file on this rank. Returns 0 and the sorted unique edges, or an error code and message
// naming the file and line. Self-loops are dropped: every mixing row holds its self entry anyway.
PetscErrorCode ReadEdgeList(const std::string &path, std::int64_t n, bool directed, std::vector<Edge> *edges, std::string *msg) {
  if (std::string why; !InputFileUsable(path, "an edge list (-graph_files; lines \"i j\")", &why)) {
    *msg = why;
    return PETSC_ERR_FILE_OPEN;
  }
  RegisterInputFile(path, "edge list (-graph_files)");
  std::ifstream in(path);
  if (!in) {
    *msg = Format("cannot open edge-list file '%s' (-graph_files); check the path", path.c_str());
    return PETSC_ERR_FILE_OPEN;
  }
  std::string line;
  for (long long lineno = 1; std::getline(in, line); ++lineno) {
    const std::vector<std::string> tok = Tokens(line);
    if (tok.empty()) continue;
    std::int64_t ij[2];
    if (tok.size() != 2 || !ParseInt(tok[0], &ij[0]) || !ParseInt(tok[1], &ij[1])) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      *msg = Format("edge-list file '%s' line %lld: expected two 0-based node ids \"i j\", got \"%s\"; fix the line or comment it out with '#'",
                    path.c_str(), lineno, line.c_str());
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    for (std::int64_t id : ij)
      if (id < 0 || id >= n) {
        *msg = Format("edge-list file '%s' line %lld: node id %lld is outside [0, %lld); ids are 0-based and below the number of agents",
                      path.c_str(), lineno, static_cast<long long>(id), static_cast<long long>(n));
        return PETSC_ERR_FILE_UNEXPECTED;
      }
    if (ij[0] == ij[1]) continue;
    if (directed)
      edges->emplace_back(ij[0], ij[1]);
    else
      edges->emplace_back(std::min(ij[0], ij[1]), std::max(ij[0], ij[1]));
  }
  if (in.bad()) {
    *msg = Format("error while reading edge-list file '%s'", path.c_str());
    return PETSC_ERR_FILE_READ;
  }
  std::sort(edges->begin(), edges->end());
  edges->erase(std::unique(edges->begin(), edges->end()), edges->end());
  return 0;
}

// Rank 0 reads every file; errors are decided together, then the edges are broadcast.
PetscErrorCode ReadEdgeFiles(MPI_Comm comm, const Options &opts, std::int64_t n, EdgeLists *graphs) {
  PetscMPIInt rank;
  PetscFunctionBeginUser;
  PetscCall(comm::Rank(comm, &rank));
  graphs->assign(opts.files.size(), {});
  PetscErrorCode code = 0;
  std::string msg;
  if (rank == 0)
    for (std::size_t f = 0; f < opts.files.size() && code == 0; ++f) code = ReadEdgeList(opts.files[f], n, opts.directed_files, &(*graphs)[f], &msg);
  PetscCall(detail::FailTogether(comm, code, msg));
  for (auto &g : *graphs) {
    std::vector<std::int64_t> flat = Flatten(g);
    PetscCall(comm::BcastVector(comm, &flat));
    g = Unflatten(flat);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

PetscErrorCode FamilyEdges(const Options &opts, std::int64_t n, MPI_Comm comm, EdgeLists *graphs) {
  PetscFunctionBeginUser;
  const auto &names = detail::FamilyNames();
  PetscCheck(std::find(names.begin(), names.end(), opts.family) != names.end(), comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
             "-graph_family %s is unknown; known families: %s", opts.family.c_str(), detail::FamilyNamesJoined().c_str());
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "a graph needs at least one agent (n = %lld)", static_cast<long long>(n));
  if (auto topo = detail::MakeRuleTopology(opts.family, n)) {
    *graphs = detail::Enumerate(*topo);
  } else if (opts.family == "switching3") {
    // Fig. 1 of [ZWL25], 1-based G1 = {1-2, 3-4, 5-6}, G2 = {2-3, 4-5}, G3 = {6-1, 1-4}, here 0-based.
    *graphs = {{{0, 1}, {2, 3}, {4, 5}}, {{1, 2}, {3, 4}}, {{0, 3}, {0, 5}}};
  } else if (opts.family == "erdos_renyi" || opts.family == "erdos_renyi_directed") {
    PetscCall(ErdosRenyi(comm, n, opts.seed, opts.family == "erdos_renyi_directed", opts.er_sampling == "skip", graphs));
  } else if (opts.family == "watts_strogatz") {
    PetscCall(WattsStrogatzConnected(comm, n, opts.seed, graphs));
  } else {
    PetscCheck(!opts.files.empty(), comm, PETSC_ERR_ARG_WRONG, "-graph_family file needs -graph_files a.txt[,b.txt,...]");
    PetscCall(ReadEdgeFiles(comm, opts, n, graphs));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FamilyEdges(const Options &opts, std::int64_t n, EdgeLists *graphs) {
  PetscFunctionBeginUser;
  PetscCall(FamilyEdges(opts, n, PETSC_COMM_WORLD, graphs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::graph
