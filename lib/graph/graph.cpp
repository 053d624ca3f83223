// The -graph_ options, the per-rank graph builder (rows, ghosts, union edge indices, weights) and the link
// failure model (algorithms.md §7).
#include "graph/graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <tuple>

#include "core/input_files.hpp"
#include "comm/collectives.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "core/options.hpp"
#include "core/rng.hpp"
#include "graph/topology.hpp"

namespace dodge::graph {

namespace {

using detail::Dir;
using detail::Format;
using detail::kUnion;
using detail::Topology;

constexpr double kStochasticTol = 1e-12;
constexpr int kMaxFiles = 256;
const char *const kWeightNames[] = {"metropolis", "outdegree", "file"};

// The weight formulas of algorithms.md §7, shared by the static build and the failure model so that both
// produce the same doubles from the same degrees.
inline double MetropolisWeight(double deg_i, double deg_j) { return 1.0 / (1.0 + std::max(deg_i, deg_j)); }
inline double OutdegreeWeight(double outdeg_j) { return 1.0 / (1.0 + outdeg_j); }

std::string Join(const std::vector<std::string> &v, const char *sep) {
  std::string s;
  for (const auto &x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

bool IsRandomFamily(const std::string &family) {
  return family == "erdos_renyi" || family == "erdos_renyi_directed" || family == "watts_strogatz";
}

// Checks that hold for options from the database and for options built in code alike. Collective (the
// options are the same on every rank).
PetscErrorCode Validate(const Options &o, MPI_Comm comm) {
  PetscFunctionBeginUser;
  const auto &names = detail::FamilyNames();
  PetscCheck(std::find(names.begin(), names.end(), o.family) != names.end(), comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
             "-graph_family %s is unknown; known families: %s", o.family.c_str(), detail::FamilyNamesJoined().c_str());
  PetscCheck(o.weights == "metropolis" || o.weights == "outdegree" || o.weights == "file", comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
             "-graph_weights %s is unknown; known weights: metropolis outdegree file", o.weights.c_str());
  PetscCheck(o.link_failure >= 0.0 && o.link_failure <= 1.0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-graph_link_failure %g is outside [0, 1]; give the probability that an edge is down at a step", o.link_failure);
  PetscCheck(o.family == "file" || o.files.empty(), comm, PETSC_ERR_ARG_INCOMP,
             "-graph_files %s is given with -graph_family %s; use -graph_family file or drop -graph_files",
             Join(o.files, ",").c_str(), o.family.c_str());
  PetscCheck(o.family != "file" || !o.files.empty(), comm, PETSC_ERR_ARG_WRONG,
             "-graph_family file needs -graph_files a.txt[,b.txt,...] (one edge list per switching graph)");
  PetscCheck(o.family == "file" || !o.directed_files, comm, PETSC_ERR_ARG_INCOMP,
             "-graph_directed applies to -graph_family file; use ring_directed or erdos_renyi_directed for built-in directed graphs");
  PetscCheck(o.weights != "file" || !o.weight_file.empty(), comm, PETSC_ERR_ARG_WRONG,
             "-graph_weights file needs -graph_weight_file w.txt (lines \"i j w\")");
  PetscCheck(o.weights == "file" || o.weight_file.empty(), comm, PETSC_ERR_ARG_INCOMP,
             "-graph_weight_file %s is given with -graph_weights %s; use -graph_weights file or drop the weight file",
             o.weight_file.c_str(), o.weights.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

struct WeightEntry {
  std::int64_t i, j;
  double w;
  long long line;
};

// Reads and checks a weight file on this rank against graph 0 of `topo`: "i j w" gives w_ij, the weight row i
// puts on the value of j, so j -> i must be an edge (either direction when undirected). Returns 0 and the
// entries sorted by (i, j), or an error code with a message naming the file and the line, row or column.
PetscErrorCode ReadWeightFile(const std::string &path, const Topology &topo, bool columns, std::vector<WeightEntry> *entries,
                              std::string *msg) {
  if (std::string why; !InputFileUsable(path, "a weight file (-graph_weight_file; lines \"i j w\")", &why)) {
    *msg = why;
    return PETSC_ERR_FILE_OPEN;
  }
  RegisterInputFile(path, "weight file (-graph_weight_file)");
  std::ifstream in(path);
  if (!in) {
    *msg = Format("cannot open weight file '%s' (-graph_weight_file); check the path", path.c_str());
    return PETSC_ERR_FILE_OPEN;
  }
  std::string line;
  for (long long lineno = 1; std::getline(in, line); ++lineno) {
    const std::vector<std::string> tok = detail::Tokens(line);
    if (tok.empty()) continue;
    WeightEntry e{0, 0, 0.0, lineno};
    if (tok.size() != 3 || !detail::ParseInt(tok[0], &e.i) || !detail::ParseInt(tok[1], &e.j) || !detail::ParseReal(tok[2], &e.w)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      *msg = Format("weight file '%s' line %lld: expected \"i j w\" (0-based ids, finite weight), got \"%s\"", path.c_str(), lineno,
                    line.c_str());
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    if (e.i < 0 || e.i >= topo.n || e.j < 0 || e.j >= topo.n) {
      *msg = Format("weight file '%s' line %lld: node id outside [0, %lld); ids are 0-based and below the number of agents",
                    path.c_str(), lineno, static_cast<long long>(topo.n));
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    // Mixing weights are convex combinations: a negative one is not a weight (algorithms.md §7).
    if (e.w < 0) {
      *msg = Format("weight file '%s' line %lld: w_ij = %s is negative; mixing weights must be >= 0", path.c_str(), lineno,
                    tok[2].c_str());
      return PETSC_ERR_FILE_UNEXPECTED;
    }
    entries->push_back(e);
  }
  auto by_row = [](const WeightEntry &a, const WeightEntry &b) { return std::tie(a.i, a.j, a.line) < std::tie(b.i, b.j, b.line); };
  std::sort(entries->begin(), entries->end(), by_row);
  for (std::size_t k = 1; k < entries->size(); ++k) {
    const WeightEntry &a = (*entries)[k - 1], &b = (*entries)[k];
    if (a.i == b.i && a.j == b.j) {
      *msg = Format("weight file '%s' lines %lld and %lld both give w_ij for i = %lld, j = %lld; keep one", path.c_str(), a.line, b.line,
                    static_cast<long long>(a.i), static_cast<long long>(a.j));
      return PETSC_ERR_FILE_UNEXPECTED;
    }
  }
  // Off-graph pairs: report the first such line of the file.
  const WeightEntry *bad = nullptr;
  std::vector<std::int64_t> nb;
  for (std::size_t k = 0; k < entries->size();) {
    const std::int64_t i = (*entries)[k].i;
    topo.neighbours(0, i, Dir::in, &nb);
    for (; k < entries->size() && (*entries)[k].i == i; ++k) {
      const WeightEntry &e = (*entries)[k];
      if (e.j != i && !std::binary_search(nb.begin(), nb.end(), e.j) && (!bad || e.line < bad->line)) bad = &e;
    }
  }
  if (bad) {
    *msg = Format("weight file '%s' line %lld: (%lld, %lld) is not an edge of the graph (w_ij needs the edge j -> i); remove the line "
                  "or add the edge",
                  path.c_str(), bad->line, static_cast<long long>(bad->i), static_cast<long long>(bad->j));
    return PETSC_ERR_FILE_UNEXPECTED;
  }
  // Sums in increasing index, as the mixing itself runs.
  auto check_sums = [&](const std::vector<WeightEntry> &sorted, bool rows) -> PetscErrorCode {
    std::size_t k = 0;
    for (std::int64_t r = 0; r < topo.n; ++r) {
      double s = 0.0;
      for (; k < sorted.size() && (rows ? sorted[k].i : sorted[k].j) == r; ++k) s += sorted[k].w;
      if (!(std::abs(s - 1.0) <= kStochasticTol)) {
        *msg = rows ? Format("weight file '%s': row %lld sums to %.17g, not 1 (tolerance 1e-12); each row i needs sum_j w_ij = 1",
                             path.c_str(), static_cast<long long>(r), s)
                    : Format("weight file '%s': column %lld sums to %.17g, not 1 (tolerance 1e-12); push-sum weights and directed "
                             "graphs need sum_i w_ij = 1 for each column j",
                             path.c_str(), static_cast<long long>(r), s);
        return PETSC_ERR_ARG_WRONG;
      }
    }
    return 0;
  };
  if (PetscErrorCode code = check_sums(*entries, true)) return code;
  if (columns) {
    std::vector<WeightEntry> by_col = *entries;
    std::sort(by_col.begin(), by_col.end(), [](const WeightEntry &a, const WeightEntry &b) { return std::tie(a.j, a.i) < std::tie(b.j, b.i); });
    if (PetscErrorCode code = check_sums(by_col, false)) return code;
  }
  // The weights must mix: every agent's value must reach every other through positive weights (j -> i for
  // w_ij > 0). The identity (or any matrix splitting the agents) passes the sums above but never mixes.
  if (topo.n > 1) {
    detail::EdgeLists positive(1);
    for (const auto &e : *entries)
      if (e.i != e.j && e.w > 0) positive[0].emplace_back(e.j, e.i);
    std::sort(positive[0].begin(), positive[0].end());
    if (positive[0].empty()) {
      *msg = Format("weight file '%s' is the identity: no agent puts a positive weight on a neighbour, so the agents never mix; "
                    "give w_ij > 0 on the graph's edges", path.c_str());
      return PETSC_ERR_ARG_WRONG;
    }
    if (!detail::UnionConnected(topo.n, true, positive)) {
      *msg = Format("weight file '%s': its positive off-diagonal weights do not connect the %lld agents (some agent's value never "
                    "reaches another); give w_ij > 0 on enough edges", path.c_str(), static_cast<long long>(topo.n));
      return PETSC_ERR_ARG_WRONG;
    }
  }
  return 0;
}

// Rank 0 reads and checks the weight file; every rank keeps the entries of its owned rows, sorted by (i, j).
PetscErrorCode LoadWeights(const Options &opts, const Topology &topo, const Block &block, MPI_Comm comm, std::vector<WeightEntry> *owned) {
  PetscMPIInt rank;
  PetscFunctionBeginUser;
  PetscCall(comm::Rank(comm, &rank));
  PetscCheck(topo.B == 1, comm, PETSC_ERR_SUP, "-graph_weight_file gives the weights of one graph, but the graph has B = %d switching graphs; use "
             "metropolis or outdegree weights", topo.B);
  std::vector<WeightEntry> all;
  PetscErrorCode code = 0;
  std::string msg;
  if (rank == 0) code = ReadWeightFile(opts.weight_file, topo, opts.weight_columns || topo.directed, &all, &msg);
  PetscCall(detail::FailTogether(comm, code, msg));
  std::vector<std::int64_t> ij;
  std::vector<double> w;
  for (const auto &e : all) ij.push_back(e.i), ij.push_back(e.j), w.push_back(e.w);
  PetscCall(comm::BcastVector(comm, &ij));
  PetscCall(comm::BcastVector(comm, &w));
  owned->clear();
  for (std::size_t k = 0; k < w.size(); ++k)
    if (block.owns(ij[2 * k])) owned->push_back({ij[2 * k], ij[2 * k + 1], w[k], 0});
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Prefix offsets of the union edge numbering (see Topology): P[k] = sum over nodes y < start + k of |upper(y)|,
// for the owned nodes, and the total. Collective.
PetscErrorCode UnionOffsets(const Topology &topo, const Block &block, MPI_Comm comm, std::vector<std::int64_t> *P, std::int64_t *total) {
  PetscFunctionBeginUser;
  P->resize(block.local());
  std::int64_t acc = 0, offset = 0;
  for (std::int64_t k = 0; k < block.local(); ++k) (*P)[k] = acc, acc += topo.upper_count(block.start + k);
  PetscCall(comm::ExscanInt(comm, acc, &offset));
  for (auto &p : *P) p += offset;
  *total = acc;
  PetscCall(comm::AllreduceSumInt(comm, total, 1));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

PetscErrorCode GraphOptionsFromDatabase(std::uint64_t run_seed, Options *opts, const char *family_default) {
  Options o;
  if (family_default) o.family = family_default;
  char family[64], weights[64], weight_file[PETSC_MAX_PATH_LEN];
  char *files[kMaxFiles] = {};
  PetscInt nfiles = 0;
  PetscBool files_set = PETSC_FALSE, directed = o.directed_files ? PETSC_TRUE : PETSC_FALSE;
  double q = o.link_failure;
  static const char *const kErSampling[] = {"pairs", "skip"};
  static const char *const kAutoOnOff[] = {"auto", "on", "off"};  // -graph_prefetch and -graph_overlap
  PetscInt er = 0, pf = 0, ov = 0;
  PetscBool er_set = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, "graph_", "Communication graph (algorithms.md §7)", nullptr);
  for (PetscInt k = 0; k < nfiles; ++k) PetscCall(PetscFree(files[k]));  // a second pass (GUI publishing) reallocates them
  nfiles = kMaxFiles;
  PetscCall(PetscOptionsStringArray("-files", "Edge-list files \"i j\" per line (0-based, '#' comments), comma separated; several files "
                                    "are a switching sequence G_1..G_B; implies -graph_family file",
                                    "GraphsBuild", files, &nfiles, &files_set));
  if (!files_set) nfiles = 0;
  // PetscOptionsString leaves the buffer alone when the option is not set: it starts as the default.
  const std::string family_default = files_set ? "file" : o.family;
  PetscCall(PetscStrncpy(family, family_default.c_str(), sizeof(family)));
  // The names come from the family registry (Validate refuses any other with the same list), so -help
  // cannot drift from what is accepted.
  const std::string family_help = "Graph family: " + detail::FamilyNamesJoined();
  PetscCall(PetscOptionsString("-family", family_help.c_str(), "GraphsBuild", family_default.c_str(), family, sizeof(family),
                               nullptr));
  PetscCall(PetscOptionsBool("-directed", "Edge-list files are directed: a line \"i j\" is the edge i -> j", "GraphsBuild", directed,
                             &directed, nullptr));
  weight_file[0] = '\0';
  PetscCall(PetscOptionsString("-weight_file", "Mixing weights \"i j w\" per line (w_ij, 0-based, diagonal included); implies "
                               "-graph_weights file",
                               "GraphsBuild", "", weight_file, sizeof(weight_file), nullptr));
  const std::string weights_default = weight_file[0] ? "file" : o.weights;
  PetscCall(PetscStrncpy(weights, weights_default.c_str(), sizeof(weights)));
  PetscCall(PetscOptionsString("-weights", "Mixing weights: metropolis (doubly stochastic, undirected; pdct, li2022), outdegree "
                               "(column stochastic; dopp) or file",
                               "GraphsBuild", weights_default.c_str(), weights, sizeof(weights), nullptr));
  PetscCall(OptionsReal(PetscOptionsObject, "-link_failure", "Probability q that an edge of G(t) is down at step t (LINK stream)",
                        kUnit, &q));
  PetscCall(OptionsChoice(PetscOptionsObject, "-er_sampling",
                          "erdos_renyi sampling: pairs (algorithms.md §7: one draw per pair, O(n^2), up to n ~ 2e4) or skip "
                          "(geometric skips, O(edges): the same G(n,p) law, another sample)",
                          kErSampling, 2, &er, &er_set));
  PetscCall(OptionsChoice(PetscOptionsObject, "-prefetch",
                          "Software prefetch of the neighbours' values in the mixing rows: auto (on graphs whose rows reach "
                          "far in memory, e.g. watts_strogatz, erdos_renyi), on or off; changes no result",
                          kAutoOnOff, 3, &pf, nullptr));
  PetscCall(OptionsChoice(PetscOptionsObject, "-overlap",
                          "Mix the rows that read no ghost while the halo is in flight, then the others (on), or every row in "
                          "one sweep after the halo has arrived (off); auto: on where the two kinds of rows form runs of 64 "
                          "rows or more on average (ring, torus), off where they interleave (random graphs); changes no "
                          "result, only speed",
                          kAutoOnOff, 3, &ov, nullptr));
  PetscOptionsEnd();
  o.overlap = kAutoOnOff[ov];
  o.er_sampling = kErSampling[er];
  o.prefetch = kAutoOnOff[pf];

  o.family = family;
  PetscCheck(!er_set || o.family == "erdos_renyi" || o.family == "erdos_renyi_directed", PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "-graph_er_sampling applies to -graph_family erdos_renyi and erdos_renyi_directed, not %s", o.family.c_str());
  o.files.assign(files, files + nfiles);
  for (PetscInt k = 0; k < nfiles; ++k) PetscCall(PetscFree(files[k]));
  o.directed_files = directed == PETSC_TRUE;
  o.weights = weights;
  o.weight_file = weight_file;
  o.link_failure = static_cast<double>(q);
  o.seed = run_seed;
  PetscCall(Validate(o, PETSC_COMM_WORLD));
  *opts = o;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphsBuild(const Options &opts, const Block &block, MPI_Comm comm, LocalGraphs *out) {
  PetscMPIInt size, rank;
  PetscFunctionBeginUser;
  PetscCall(Validate(opts, comm));
  PetscCall(comm::Size(comm, &size));
  PetscCall(comm::Rank(comm, &rank));
  PetscCheck(block.size == size && block.rank == rank, comm, PETSC_ERR_ARG_WRONG,
             "the block is rank %d of %d but the communicator has %d ranks; build the block with Block::make(n, rank, size)", block.rank,
             block.size, size);
  const std::int64_t n = block.n, nloc = block.local();
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "a graph needs at least one agent (n = %lld)", static_cast<long long>(n));
  const std::string name = opts.family == "file" ? "file " + Join(opts.files, ",") : opts.family;

  // Rule-based families answer for any node and are connected by construction; the others are global lists.
  std::unique_ptr<Topology> topo = detail::MakeRuleTopology(opts.family, n);
  if (!topo) {
    detail::EdgeLists lists;
    PetscCall(FamilyEdges(opts, n, comm, &lists));
    const bool directed = opts.family == "erdos_renyi_directed" || (opts.family == "file" && opts.directed_files);
    PetscCheck(detail::UnionConnected(n, directed, lists), comm, PETSC_ERR_ARG_WRONG,
               "%s %s graph%s over n = %lld agents is not %sconnected; every agent must be reachable (check the edge lists and "
               "the number of agents)",
               lists.size() > 1 ? "the union of the" : "the", name.c_str(), lists.size() > 1 ? "s" : "", static_cast<long long>(n),
               directed ? "strongly " : "");
    topo = detail::MakeListTopology(n, directed, lists);
  }
  const bool directed = topo->directed;
  const WeightKind kind = opts.weights == "metropolis" ? WeightKind::metropolis
                          : opts.weights == "outdegree" ? WeightKind::outdegree
                                                        : WeightKind::file;
  PetscCheck(!(directed && kind == WeightKind::metropolis), comm, PETSC_ERR_ARG_INCOMP,
             "the %s graph is directed and Metropolis weights need an undirected graph: pdct and li2022 need a doubly stochastic weight "
             "file for directed graphs (-graph_weights file -graph_weight_file w.txt); dopp uses -graph_weights outdegree",
             name.c_str());
  std::vector<WeightEntry> file_w;
  if (kind == WeightKind::file) PetscCall(LoadWeights(opts, *topo, block, comm, &file_w));

  std::vector<std::int64_t> P, nb;
  std::int64_t total = 0;
  PetscCall(UnionOffsets(*topo, block, comm, &P, &total));
  std::vector<std::int64_t> ghosts;
  for (std::int64_t i = block.start; i < block.end; ++i) {
    topo->neighbours(kUnion, i, Dir::in, &nb);
    for (std::int64_t j : nb)
      if (!block.owns(j)) ghosts.push_back(j);
  }
  std::sort(ghosts.begin(), ghosts.end());
  ghosts.erase(std::unique(ghosts.begin(), ghosts.end()), ghosts.end());
  // Columns are int32 and the ghost broadcast counts PetscInt: decide together whether every rank's
  // [owned | ghosts] fits.
  std::int64_t ext_max = nloc + static_cast<std::int64_t>(ghosts.size());
  PetscCall(comm::AllreduceMaxInt(comm, &ext_max, 1));
  PetscCheck(ext_max <= INT32_MAX && ext_max <= PETSC_MAX_INT, comm, PETSC_ERR_SUP,
             "a rank holds %lld owned and ghost agents, more than a 32-bit index; use more ranks", static_cast<long long>(ext_max));
  // The union offsets of the ghosts, from their owners: int64 all the way, so exact at any size.
  std::vector<std::int64_t> Pg(ghosts.size(), 0);
  PetscCall(comm::GhostBcastInt64(comm, block, ghosts, P, Pg));

  auto ghost_slot = [&](std::int64_t j) { return std::lower_bound(ghosts.begin(), ghosts.end(), j) - ghosts.begin(); };
  auto offset_of = [&](std::int64_t a) { return block.owns(a) ? P[a - block.start] : Pg[ghost_slot(a)]; };
  // Union index of the edge j -> i (undirected: {i, j}); both endpoints' ranks compute the same number.
  auto edge_index = [&](std::int64_t j, std::int64_t i) {
    if (directed) return offset_of(j) + topo->upper_rank(j, i);
    const std::int64_t a = std::min(i, j), x = std::max(i, j);
    return offset_of(a) + topo->upper_rank(a, x);
  };

  LocalGraphs g;
  g.block = block;
  g.directed = directed;
  g.B = topo->B;
  g.link_failure = opts.link_failure;
  g.overlap = opts.overlap;
  g.seed = opts.seed;
  g.union_edges = total;
  g.weights = kind;
  g.graphs.assign(g.B, Mixing{});
  std::size_t fw = 0;  // cursor into file_w (B = 1 with a weight file)
  for (int b = 0; b < g.B; ++b) {
    Mixing &m = g.graphs[b];
    // Exact sizes up front: at 10^7 agents per rank, growth by doubling would nearly double the peak memory.
    std::int64_t entries = nloc;
    for (std::int64_t i = block.start; i < block.end; ++i) entries += topo->degree(b, i, Dir::in);
    m.rowptr.reserve(nloc + 1);
    m.col.reserve(entries);
    m.gid.reserve(entries);
    m.edge.reserve(entries);
    m.w.reserve(entries);
    m.rowptr.push_back(0);
    for (std::int64_t i = block.start; i < block.end; ++i) {
      topo->neighbours(b, i, Dir::in, &nb);
      m.active_edges_local += static_cast<std::int64_t>(nb.size());
      const std::size_t self_pos = std::lower_bound(nb.begin(), nb.end(), i) - nb.begin();
      nb.insert(nb.begin() + static_cast<std::ptrdiff_t>(self_pos), i);
      const std::size_t first = m.gid.size();
      const double deg_i = static_cast<double>(topo->degree(b, i, Dir::out));
      double off_sum = 0.0;  // off-diagonal weights in increasing j (w_ii = 1 - sum, bit for bit on any rank count)
      for (std::int64_t j : nb) {
        m.gid.push_back(j);
        m.col.push_back(static_cast<std::int32_t>(block.owns(j) ? j - block.start : nloc + ghost_slot(j)));
        m.edge.push_back(j == i ? -1 : edge_index(j, i));
        double w = 0.0;
        if (kind == WeightKind::file) {
          for (; fw < file_w.size() && std::tie(file_w[fw].i, file_w[fw].j) < std::tie(i, j); ++fw) {
          }
          if (fw < file_w.size() && file_w[fw].i == i && file_w[fw].j == j) w = file_w[fw].w;
        } else if (j != i) {
          w = kind == WeightKind::metropolis ? MetropolisWeight(deg_i, static_cast<double>(topo->degree(b, j, Dir::in)))
                                             : OutdegreeWeight(static_cast<double>(topo->degree(b, j, Dir::out)));
          off_sum += w;
        }
        m.w.push_back(w);
      }
      if (kind == WeightKind::metropolis) m.w[first + self_pos] = 1.0 - off_sum;
      if (kind == WeightKind::outdegree) m.w[first + self_pos] = OutdegreeWeight(deg_i);
      m.rowptr.push_back(static_cast<std::int64_t>(m.gid.size()));
    }
    std::int64_t far = 0;  // off-diagonal entries far in memory from their row
    for (std::int64_t i = 0; i < nloc; ++i)
      for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e)
        far += m.col[e] >= nloc || std::abs(m.col[e] - i) > kPrefetchNear;
    m.prefetch = opts.prefetch == "on" || (opts.prefetch == "auto" && 100 * far >= m.active_edges_local && far > 0);
    if (directed) {
      m.out_rowptr.reserve(nloc + 1);
      m.out_rowptr.push_back(0);
      for (std::int64_t i = block.start; i < block.end; ++i) {
        topo->neighbours(b, i, Dir::out, &nb);
        for (std::int64_t k : nb) m.out_edge.push_back(P[i - block.start] + topo->upper_rank(i, k));
        m.out_rowptr.push_back(static_cast<std::int64_t>(m.out_edge.size()));
      }
    }
  }
  g.ghosts = std::move(ghosts);

  std::string extra = IsRandomFamily(opts.family) ? Format(", seed %llu", static_cast<unsigned long long>(opts.seed)) : "";
  if (opts.link_failure > 0) extra += Format(", link failure q = %g", opts.link_failure);
  if (opts.er_sampling == "skip") extra += ", skip sampling";
  g.description = Format("%s (%s%sn = %lld, %lld union edges, %s weights%s)", name.c_str(), directed ? "directed, " : "",
                         g.B > 1 ? Format("B = %d, ", g.B).c_str() : "", static_cast<long long>(n), static_cast<long long>(total),
                         kWeightNames[static_cast<int>(kind)], extra.c_str());
  *out = std::move(g);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphsBuild(const Options &opts, const Block &block, LocalGraphs *out) {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->setup_graph, 0, 0, 0, 0));
  PetscCall(GraphsBuild(opts, block, PETSC_COMM_WORLD, out));
  PetscCall(PetscLogEventEnd(ev->setup_graph, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

bool LocalGraphs::edge_up(std::int64_t e, std::int64_t t) const {
  // u is in (0, 1): q = 0 keeps every edge and q = 1 drops every edge.
  return link_failure <= 0.0 ||
         rng::uniform(seed, rng::LINK, static_cast<std::uint64_t>(e), static_cast<std::uint64_t>(t), 0) >= link_failure;
}

void LocalGraphs::surviving_degrees(std::int64_t t, double *deg_owned) const {
  const Mixing &m = graphs[which(t)];
  for (std::int64_t i = 0; i < block.local(); ++i) {
    std::int64_t d = 0;
    if (directed) {
      for (std::int64_t k = m.out_rowptr[i]; k < m.out_rowptr[i + 1]; ++k) d += edge_up(m.out_edge[k], t) ? 1 : 0;
    } else {
      for (std::int64_t k = m.rowptr[i]; k < m.rowptr[i + 1]; ++k) d += (m.edge[k] >= 0 && edge_up(m.edge[k], t)) ? 1 : 0;
    }
    deg_owned[i] = static_cast<double>(d);
  }
}

void LocalGraphs::failure_weights(std::int64_t t, const double *deg_ext, double *w_out) const {
  const Mixing &m = graphs[which(t)];
  if (link_failure <= 0.0) {
    std::copy(m.w.begin(), m.w.end(), w_out);
    return;
  }
  for (std::int64_t i = 0; i < block.local(); ++i) {
    std::int64_t self = -1;
    double off_sum = 0.0, moved = 0.0;
    for (std::int64_t k = m.rowptr[i]; k < m.rowptr[i + 1]; ++k) {
      if (m.edge[k] < 0) {
        self = k;
        continue;
      }
      const bool up = edge_up(m.edge[k], t);
      double w = 0.0;
      switch (weights) {
        case WeightKind::metropolis:
          w = up ? MetropolisWeight(deg_ext[i], deg_ext[m.col[k]]) : 0.0;
          off_sum += w;
          break;
        case WeightKind::outdegree:
          w = up ? OutdegreeWeight(deg_ext[m.col[k]]) : 0.0;
          break;
        case WeightKind::file:
          w = up ? m.w[k] : 0.0;
          if (!up) moved += m.w[k];
          break;
      }
      w_out[k] = w;
    }
    switch (weights) {
      case WeightKind::metropolis: w_out[self] = 1.0 - off_sum; break;
      case WeightKind::outdegree: w_out[self] = OutdegreeWeight(deg_ext[i]); break;
      case WeightKind::file: w_out[self] = m.w[self] + moved; break;
    }
  }
}

void LocalGraphs::ReleaseSetupData() {
  for (Mixing &m : graphs) {
    std::vector<std::int64_t>().swap(m.gid);
    if (link_failure <= 0) std::vector<std::int64_t>().swap(m.edge);
  }
}

PetscErrorCode HaloStatsCompute(const LocalGraphs &g, HaloStats *out) {
  const std::int64_t nloc = g.block.local();
  std::int64_t peers = 0;
  // Ghosts are sorted by global id and ownership is by blocks of consecutive ids, so owners change monotonically.
  for (std::size_t k = 0; k < g.ghosts.size(); ++k)
    if (k == 0 || g.block.owner(g.ghosts[k]) != g.block.owner(g.ghosts[k - 1])) ++peers;
  std::int64_t cut = 0, entries = 0;
  for (const Mixing &m : g.graphs)
    for (std::int64_t i = 0; i < nloc; ++i)
      for (std::int64_t p = m.rowptr[i]; p < m.rowptr[i + 1]; ++p) {
        if (m.col[p] == i) continue;  // the self entry
        ++entries;
        if (m.col[p] >= nloc) ++cut;
      }
  const auto ghosts = static_cast<std::int64_t>(g.ghosts.size());
  std::int64_t sums[4] = {ghosts, peers, cut, entries}, maxes[2] = {ghosts, peers};
  PetscFunctionBeginUser;
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, sums, 4));
  PetscCall(comm::AllreduceMaxInt(PETSC_COMM_WORLD, maxes, 2));
  *out = HaloStats{sums[0], maxes[0], sums[1], maxes[1], sums[2], sums[3]};
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::graph
