"""Z5's control experiment of postprocess/reproduce (issue 14): the exact per-step optimum played one step late,
x_t = x*_{t-1}, on pdct's AEMO instances. Recomputed here from the run files with h5py and numpy, independently of
dodgepp: x*_t by bisection on the price adder nu (algorithms.md §2.1), not from the run's oracle multiplier."""
import h5py
import numpy as np
import pytest

from test_reproduce import quick_reproduce, RTOL, section, tables

REGIONS = ("NSW", "QLD", "SA", "VIC", "TAS")


@pytest.fixture(scope="module")
def z5(tmp_path_factory):
    return quick_reproduce(tmp_path_factory, "z5", ("Z5",))


def optimum(a, b, c, h, price, demand):
    """Per step: min sum_i a x^2 + (b - p) x + c over 0 <= x <= h with sum x >= D, by bisection on nu >= 0."""
    def x_of(nu, t):
        return np.clip((price[t] - b + nu) / (2 * a), 0, h)
    xs = np.empty((len(price), len(a)))
    for t in range(len(price)):
        if x_of(0.0, t).sum() >= demand[t]:
            xs[t] = x_of(0.0, t)
            continue
        lo, hi = 0.0, 1.0
        while x_of(hi, t).sum() < demand[t]:
            hi *= 2
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if x_of(mid, t).sum() < demand[t] else (lo, mid)
        xs[t] = x_of(hi, t)
    return xs


def test_control_recomputed(z5):
    sec = section(z5["md"], "Z5")
    rows = next(r for h, r in tables(sec) if h[0] == "region" and "F* rebuilt, max rel. error" in " ".join(h).replace("\\", ""))
    assert [r[0] for r in rows] == list(REGIONS)
    for r in rows:
        with h5py.File(z5["out"] / "aemo" / f"pdct_{r[0].lower()}_kn.h5", "r") as f:
            p, s = f["inputs/problem"], f["series"]
            a, b, c, h = (p[k][...] for k in ("a", "b", "c", "capacity"))
            price, demand, fstar = s["price_pu"][...], s["demand_pu"][...], s["F_star"][...]
        xs = optimum(a, b, c, h, price, demand)
        cost = lambda x: np.sum(a * x * x + (b - price[:, None]) * x + c, axis=1)
        assert np.allclose(cost(xs), fstar, rtol=1e-9, atol=1e-12)  # the bisection finds the run's optimum
        late = np.vstack([xs[:1], xs[:-1]])
        T = len(price)
        reg = np.sum(cost(late) - fstar) / T
        assert int(r[1]) == T
        assert float(r[3]) == pytest.approx(reg, rel=RTOL, abs=1e-12)
        assert reg > 0  # playing late never beats the per-step optimum
        assert float(r[8]) <= 1e-9
    assert "(z5_control)" not in sec and "Z5_control" in sec  # the figure is there
    assert (z5["docs"] / "results" / "Z5_control.png").is_file()
