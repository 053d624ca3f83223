// The HDF5 recorder: the one writer of dodge's per-run output file (architecture.md §5), collective on a communicator.
#pragma once
#include "core/petsc_compat.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dodge::io {

// One HDF5 file per run, opened with MPI-IO on `comm`. Layout:
//   /            attributes (provenance, status = running | complete | failed)
//   /series/*    float64 [T], one value per step, dimension scale /series/time ("time"); the group's
//                attribute series_order lists the series' names in definition order, one per line
//   /agents/*    float64 [record, agent], or [record, agent, width] for a vector-valued field (width > 1,
//                e.g. x in R^24 per agent; dimension 2 labelled "component", no scale); scales
//                /agents/record_step ("record") on dimension 0 and /agents/agent ("agent") on dimension 1;
//                the group's attributes field_order (names, as series_order) and records_per_flush
//   /inputs/*    what is needed to reproduce the run; per-agent arrays share /inputs/agent_id ("agent")
// Every dataset carries `units` and `long_name` string attributes.
//
// Every method is collective on `comm` (all ranks call it, in the same order, with the same
// metadata arguments: names, paths, units, lengths); arguments marked "rank 0" are only read on rank 0.
// Arguments are checked on every rank together, so a bad call fails on all ranks with one message.
// Writes are collective MPI-IO; a rank with nothing to write takes part with an empty selection, and a
// rank's part is split into pieces of at most MaxWriteBytes() bytes (MPI-IO cannot move 2 GiB at once).
//
// The file says status = "running" from creation on (flushed), so a crashed run never looks complete;
// the caller sets "complete" after everything is written, then calls Close(). Destroy a Recorder before
// PetscFinalize().
class Recorder {
 public:
  // Creates the parent directories of `path` if missing and creates (truncates) the file.
  static PetscErrorCode Create(MPI_Comm comm, const std::string &path, std::unique_ptr<Recorder> *out);
  // Reopens a file written by Create (at any rank count) to append to it, e.g. on restart; sets status
  // "running" at once (flushed). Rediscovers the time axis, the series and agent fields with the ids they
  // had (definition order, kept in the string attributes /series series_order and /agents field_order;
  // name order for files without them) and each agent field's width (from its rank and shape), the agent
  // axis (nsel_global, records, chunking) and /inputs/agent_id. Which slice of the agent axis this rank
  // holds is not in the file: call RebindAgentAxis before WriteAgentRecords. Fails on every rank, naming
  // the path, if the file is missing, not HDF5 or not a dodge output file. Everything else then works as
  // on a created file.
  static PetscErrorCode Open(MPI_Comm comm, const std::string &path, std::unique_ptr<Recorder> *out);
  ~Recorder();  // closes quietly if Close() was not called (collective: destroy on every rank together)
  Recorder(const Recorder &) = delete;
  Recorder &operator=(const Recorder &) = delete;

  // Attribute `name` on the group or dataset `obj_path` ("/" is the root); replaces an existing one.
  // Strings are stored as variable-length UTF-8 (h5py reads them as str).
  PetscErrorCode SetAttribute(const std::string &obj_path, const std::string &name, const std::string &value);
  PetscErrorCode SetAttribute(const std::string &obj_path, const std::string &name, double value);
  PetscErrorCode SetAttribute(const std::string &obj_path, const std::string &name, std::int64_t value);
  PetscErrorCode SetAttribute(const std::string &obj_path, const std::string &name, int value) {
    return SetAttribute(obj_path, name, static_cast<std::int64_t>(value));
  }
  // Root attribute status: "running" | "complete" | "failed". Flushes the file.
  PetscErrorCode SetStatus(const std::string &status);
  // Flushes HDF5's buffers to the file system (e.g. before a checkpoint).
  PetscErrorCode Flush();

  // --- /series: one value per step -------------------------------------------------------------------
  // /series/time, length T; `values` (rank 0, size T) in `units`. Once per file, before DefineSeries.
  PetscErrorCode DefineTimeAxis(std::int64_t T, const std::vector<double> &values, const std::string &units,
                                const std::string &long_name);
  // /series/<name>, float64 [T], NaN until written; `*id` is its index for WriteSeries (0, 1, ...).
  PetscErrorCode DefineSeries(const std::string &name, const std::string &units, const std::string &long_name,
                              int *id);
  // Steps [first, first + count) of series `id` from data[0..count) (first, count, data: rank 0).
  PetscErrorCode WriteSeries(int id, std::int64_t first, std::int64_t count, const double *data);
  // Every defined series for steps [first, first + count): per_series[id] points to count values or is
  // nullptr to leave that series untouched (first, count, per_series: rank 0; size NumSeries()).
  PetscErrorCode WriteSeriesBlock(std::int64_t first, std::int64_t count, const std::vector<const double *> &per_series);

  // --- /agents: per-agent states as [record, agent] or [record, agent, width] ------------------------
  // The agent axis is the selected agents in increasing global id; this rank holds the contiguous slice
  // [sel_offset_local, sel_offset_local + nsel_local) of it, in rank order, with the global ids
  // local_selected_gids (size nsel_local, increasing). record_steps (rank 0, size nrecords) is the step of
  // each record. Datasets are chunked (records_per_flush, nsel_global / comm size[, width]), capped at 4 MiB.
  // With nsel_global == 0 nothing is created under /agents and the agent calls below do nothing.
  // Once per file.
  PetscErrorCode DefineAgentAxis(std::int64_t nsel_global, std::int64_t sel_offset_local, std::int64_t nsel_local,
                                 const std::vector<std::int64_t> &local_selected_gids, std::int64_t nrecords,
                                 const std::vector<std::int64_t> &record_steps, std::int64_t records_per_flush);
  // After Open: this rank holds [sel_offset_local, sel_offset_local + nsel_local) of the file's agent axis,
  // with global ids local_selected_gids (size nsel_local). Checked on every rank together: the slices
  // must tile [0, nsel_global) in rank order and the ids must equal /agents/agent there. A file without
  // /agents (no agent selected) accepts only empty slices. Also allowed after DefineAgentAxis, to re-slice.
  PetscErrorCode RebindAgentAxis(std::int64_t sel_offset_local, std::int64_t nsel_local,
                                 const std::vector<std::int64_t> &local_selected_gids);
  // /agents/<name>, NaN until written; `*id` indexes WriteAgentRecords. `width` values per agent and
  // record (same on every rank, >= 1): width 1 is float64 [nrecords, nsel_global], as in every file before
  // vector fields; width > 1 is float64 [nrecords, nsel_global, width]. `units` apply to every component.
  PetscErrorCode DefineAgentField(const std::string &name, const std::string &units, const std::string &long_name,
                                  int *id, int width = 1);
  // Records [first_record, first_record + nrec) of field `id`; `local` is row-major
  // [nrec][nsel_local][width] (nrec * nsel_local * width values; may be nullptr where nsel_local == 0).
  PetscErrorCode WriteAgentRecords(int id, std::int64_t first_record, std::int64_t nrec, const double *local);

  // --- /inputs: everything needed to reproduce the run -------------------------------------------------
  // `path` relative ("graph/edges") is placed under /inputs; absolute ("/x/y") is used as given.
  // Missing groups are created. `scale` names the dimension scale of dimension 0:
  //   ""                    none
  //   "time"                /series/time (length must be T; DefineTimeAxis first)
  //   "agent", "agent_all"  /inputs/agent_id, global ids 0..n-1, created by the first such array
  //                         (every per-agent array must then have that same length n)
  // A float64 array, identical on every rank (rank 0 writes it).
  PetscErrorCode WriteGlobalArray(const std::string &path, const double *data, std::int64_t n,
                                  const std::string &units, const std::string &long_name,
                                  const std::string &scale = "");
  // A 1-D array of n_global values; this rank writes [offset_local, offset_local + n_local). The slices
  // must tile [0, n_global) in rank order (agent blocks do).
  PetscErrorCode WriteDistributedArray(const std::string &path, std::int64_t n_global, std::int64_t offset_local,
                                       std::int64_t n_local, const double *data, const std::string &units,
                                       const std::string &long_name, const std::string &scale = "");
  PetscErrorCode WriteDistributedArray(const std::string &path, std::int64_t n_global, std::int64_t offset_local,
                                       std::int64_t n_local, const std::int64_t *data, const std::string &units,
                                       const std::string &long_name, const std::string &scale = "");
  // A [rows_global, ncols] table (e.g. an edge list [E, 2]); this rank writes rows
  // [row_offset_local, row_offset_local + rows_local) from row-major `data`; slices tile in rank order.
  PetscErrorCode WriteDistributedTable(const std::string &path, std::int64_t rows_global,
                                       std::int64_t row_offset_local, std::int64_t rows_local, int ncols,
                                       const std::int64_t *data, const std::string &units,
                                       const std::string &long_name);
  PetscErrorCode WriteDistributedTable(const std::string &path, std::int64_t rows_global,
                                       std::int64_t row_offset_local, std::int64_t rows_local, int ncols,
                                       const double *data, const std::string &units, const std::string &long_name);

  // Closes every handle and the file (collective). Later calls fail; a second Close() does nothing.
  PetscErrorCode Close();

  const std::string &Path() const;
  bool IsOpen() const;
  int NumSeries() const;
  int NumAgentFields() const;
  // The id of series / agent field `name` (as DefineSeries / DefineAgentField returned, or as
  // rediscovered by Open), or -1 if there is none by that name. Local (not collective).
  int SeriesId(const std::string &name) const;
  int AgentFieldId(const std::string &name) const;
  // Values per agent and record of agent field `id` (its DefineAgentField width, or after Open the
  // length of its dataset's third dimension, 1 for a 2-D one), or -1 if `id` is not a field. Local.
  int AgentFieldWidth(int id) const;
  std::int64_t NumSteps() const;  // T, or 0 before DefineTimeAxis
  // Largest number of bytes one rank moves in one H5Dwrite (default 1 GiB). Lowering it only splits
  // writes into more collective calls; tests use it to exercise the splitting.
  void SetMaxWriteBytes(std::size_t bytes);
  std::size_t MaxWriteBytes() const;

  struct Impl;  // HDF5 state, kept out of this header so includers need no HDF5

 private:
  Recorder();
  std::unique_ptr<Impl> impl_;
};

}  // namespace dodge::io
