"""dodgepp: postprocessing of dodge HDF5 run files (architecture.md §5) into figures and summaries.

The command-line tools are postprocess/report and postprocess/compare; this package holds what they
share: reading a run (run), the summary quantities (summary), plotting helpers (plotting) and the
per-problem-family figure sets (families).
"""
