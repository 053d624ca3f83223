"""G10 — the mechanisms of G3 under a dynamic price (docs/gridcell.md §16.13): the Sydney building of
inputs/gridcell_nsw_mmr.yaml (AEMO NSW1 July 2024 demand profile, 100 homes, 19 days after the 3-day warm-up, the
aemo tariff: the 15-minute wholesale RRP plus 0.20 AUD/kWh), with none (B1), mmr in both scopes, pdct, coa and mfq
(pass 1 and pass 5 of 5). The spec states no claim of its own for G10 ("G3 metrics"); the checks are G3's, so
the paper's "trading benefits sellers and buyers" is tested again where the price moves every 15 minutes. Every
number is read from the run files, by G3's analysis (g3.py). Money is in AUD here: "$" in the table and checks
means AUD."""
from __future__ import annotations

from .common import Experiment, RunSpec
from .g3 import cases, g3

GROUP = "gridcell_dynamic_price"
# inputs/gridcell_nsw_mmr.yaml's cell (nsw, aemo, adder 0.20 AUD/kWh, 19 days, seed 1), the algorithm per case.
BASE = ("-problem", "gridcell", "-agents", "100", "-gridcell_source", "nsw", "-gridcell_tariff", "aemo",
        "-gridcell_aemo_adder", "0.20", "-gridcell_days", "19")


def g10_runs(ctx):
    # A run takes 1-2 s at 2 ranks (mfq 5 passes about 6 s), so the quick mode runs the whole scenario too.
    return [RunSpec(GROUP, name, None, BASE + opts) for name, _, _, opts in cases()]


def g10(ctx, runs):
    out = g3(ctx, runs, exp="G10",
             caption="Mechanisms under the dynamic aemo tariff (nsw, N = 100, watts_strogatz, 19 days of July 2024 after a "
                     "3-day warm-up, wholesale RRP + 0.20 AUD/kWh, seed 1); money in AUD, savings in AUD/day per home "
                     "against B1")
    out.notes.append("The window's 15-minute RRP runs from −46.9 to 338.4 AUD/MWh (docs/gridcell.md, G10), so the "
                     "utility's buy price λ_b and feed-in price λ_s move every step; the mid-market rate of mmr and "
                     "mfq follows them. G10 runs the G3 set of mechanisms on this price; its checks are G3's.")
    return out


EXPERIMENT = Experiment(
    id="G10", paper="[WLHQ20]", item="§16.13 G10 dynamic price",
    run="the Sydney cell of inputs/gridcell_nsw_mmr.yaml (nsw, aemo tariff, N = 100, 19 days) with none (B1), mmr "
        "(neighbours and cell scopes), pdct, coa and mfq (pass 1, and pass 5 of 5)",
    reported="(no claim of its own; G3's: trading benefits sellers and buyers)", runs=g10_runs, analyse=g10)
