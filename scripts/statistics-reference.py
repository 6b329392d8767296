#!/usr/bin/python3
"""Reference values for tests/statistics.test.ts, computed with SciPy.

The report's statistics (src/bench/results/: wilcoxon.ts, mann-whitney.ts, intervals.ts,
friedman.ts, studentized-range.ts) are written in TypeScript; this script computes the same
quantities with an independent tool, SciPy, and prints them as JSON. Their figures are pinned
in the test, so CI needs no Python. Run it with Debian's python3-scipy (1.10) after changing
an input of the test, and paste the numbers:

    /usr/bin/python3 scripts/statistics-reference.py

The inputs below must stay the same as the test's (the test says which case is which).
Exact tests with tied or zero differences use scipy.stats.permutation_test over every sign
assignment (paired) or every split (independent), with the statistic the TypeScript code
uses (W+, the rank sum of the first sample): the exact conditional test. SciPy 1.10's own
wilcoxon(method='exact') truncates tied ranks, so it is not used for ties.
"""
import json

import numpy as np
import scipy
from scipy import stats

out = {"scipy": scipy.__version__, "numpy": np.__version__}


def rankdata_abs(d):
    return stats.rankdata(np.abs(d))


def w_plus(d):
    d = np.asarray(d)
    d = d[d != 0]
    return float(np.sum(rankdata_abs(d)[d > 0]))


def signed_rank_exact_conditional(d):
    """Exact permutation test of W+ over all 2^n sign flips of the non-zero differences."""
    d = np.asarray(d, dtype=float)
    d = d[d != 0]
    res = stats.permutation_test(
        (d,), lambda x, axis=-1: np.apply_along_axis(w_plus, axis, x),
        permutation_type="samples", n_resamples=np.inf, alternative="two-sided", vectorized=True)
    return float(res.pvalue)


def rank_sum_exact_conditional(a, b):
    """Exact permutation test of the first sample's rank sum over every split of the pooled values."""
    n1 = len(a)

    def stat(x, y, axis=-1):
        pooled = np.concatenate([x, y], axis=axis)
        r = np.apply_along_axis(stats.rankdata, axis, pooled)
        return np.sum(r[..., :n1], axis=axis)

    res = stats.permutation_test((np.asarray(a, float), np.asarray(b, float)), stat,
                                 permutation_type="independent", n_resamples=np.inf,
                                 alternative="two-sided", vectorized=True)
    return float(res.pvalue)


def wilcoxon_case(d, exact):
    d = np.round(np.asarray(d, dtype=float), 12)  # the TypeScript code rounds to 12 significant digits
    nz = d[d != 0]
    r = {"wPlus": w_plus(d), "n": int(len(nz))}
    if exact == "classical":
        res = stats.wilcoxon(d, method="exact")
        r.update(statistic=float(res.statistic), p=float(res.pvalue))
    elif exact == "conditional":
        r.update(p=signed_rank_exact_conditional(d))
    else:
        res = stats.wilcoxon(d, method="approx", correction=True, zero_method="wilcox")
        r.update(statistic=float(res.statistic), p=float(res.pvalue), z=float(res.zstatistic))
    return r


def paired_ci(a, b):
    res = stats.ttest_rel(a, b)
    ci = res.confidence_interval(0.95)
    return {"mean": float(np.mean(np.asarray(a) - np.asarray(b))), "ci95": [float(ci.low), float(ci.high)]}


def welch_ci(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    lo, hi = stats.t.interval(0.95, df, loc=a.mean() - b.mean(), scale=np.sqrt(va + vb))
    t = stats.ttest_ind(a, b, equal_var=False)
    return {"mean": float(a.mean() - b.mean()), "df": float(df), "ci95": [float(lo), float(hi)], "p": float(t.pvalue)}


# --- Wilcoxon signed-rank -------------------------------------------------------------------
# Accuracies as the engine records them: k / 10000 (the test forms the same differences).
ACC_A = [8523, 8611, 8497, 8580, 8403, 8555, 8519, 8634, 8571, 8590]
ACC_B = [8512, 8600, 8497, 8561, 8392, 8530, 8525, 8600, 8560, 8571]
d_acc = np.array(ACC_A) / 10000 - np.array(ACC_B) / 10000
NO_TIES = [0.012, -0.003, 0.025, 0.018, 0.007, 0.031, -0.009, 0.015, 0.022, 0.004]
EPOCHS = [1, 0, 2, 1, -1, 1, 0, 2, 1, 1]
rng = np.random.default_rng(21)
LARGE = np.round(rng.normal(0.3, 1.0, 60), 1)  # 60 differences, one decimal: ties and zeros
LARGE_NO_TIES = np.round(rng.normal(0.2, 1.0, 55), 6)
out["wilcoxon"] = {
    "noTies": wilcoxon_case(NO_TIES, "classical"),
    "allPositive": wilcoxon_case([0.01 * (i + 1) for i in range(10)], "classical"),
    "accuracyTies": wilcoxon_case(d_acc, "conditional"),
    "epochTies": wilcoxon_case(EPOCHS, "conditional"),
    "largeTies": wilcoxon_case(LARGE, "approx"),
    "largeNoTies": wilcoxon_case(LARGE_NO_TIES, "approx"),
}
out["inputs"] = {"LARGE": LARGE.tolist(), "LARGE_NO_TIES": LARGE_NO_TIES.tolist()}

# --- Mann-Whitney U -------------------------------------------------------------------------
MW_A = [0.853, 0.861, 0.849, 0.858, 0.860, 0.855, 0.851, 0.863, 0.857, 0.859]
MW_B = [0.847, 0.852, 0.846, 0.850, 0.854, 0.848, 0.845, 0.856, 0.844]
MW_TIES_A = [3, 4, 4, 5, 3, 4, 6, 4, 5, 3]
MW_TIES_B = [4, 5, 5, 6, 4, 7, 5, 6]
MW_LARGE_A = np.round(rng.normal(0.6, 1.0, 30), 1)
MW_LARGE_B = np.round(rng.normal(0.0, 1.0, 30), 1)
out["inputs"].update(MW_LARGE_A=MW_LARGE_A.tolist(), MW_LARGE_B=MW_LARGE_B.tolist())
res = stats.mannwhitneyu(MW_A, MW_B, method="exact")
r_large = stats.mannwhitneyu(MW_LARGE_A, MW_LARGE_B, method="asymptotic", use_continuity=True)
out["mannWhitney"] = {
    "noTies": {"u1": float(res.statistic), "p": float(res.pvalue)},
    "ties": {"u1": float(stats.mannwhitneyu(MW_TIES_A, MW_TIES_B).statistic), "p": rank_sum_exact_conditional(MW_TIES_A, MW_TIES_B)},
    "large": {"u1": float(r_large.statistic), "p": float(r_large.pvalue)},
}

# --- t intervals ----------------------------------------------------------------------------
out["intervals"] = {
    "paired": paired_ci(np.array(ACC_A) / 10000, np.array(ACC_B) / 10000),
    "welch": welch_ci(MW_A, MW_B),
}

# --- Friedman, Iman-Davenport, Nemenyi ------------------------------------------------------
# Rows: problems (data set x mode); columns: optimizers; mean test accuracy (higher better).
FRIEDMAN = [
    [0.858, 0.833, 0.714, 0.873],
    [0.859, 0.840, 0.747, 0.874],
    [0.858, 0.836, 0.314, 0.876],
    [0.956, 0.963, 0.951, 0.969],
    [0.956, 0.963, 0.956, 0.969],
    [0.957, 0.964, 0.950, 0.971],
]
cols = np.array(FRIEDMAN).T
fr = stats.friedmanchisquare(*cols)
N, k = cols.shape[1], cols.shape[0]
chi2 = float(fr.statistic)
F = (N - 1) * chi2 / (N * (k - 1) - chi2)
ranks = np.array([stats.rankdata(-np.array(row)) for row in FRIEDMAN])
out["friedman"] = {
    "chi2": chi2, "p": float(fr.pvalue),
    "averageRanks": ranks.mean(axis=0).tolist(),
    "imanDavenport": {"f": F, "p": float(stats.f.sf(F, k - 1, (k - 1) * (N - 1)))},
}
FRIEDMAN_5 = [[3.1, 2.9, 3.5, 2.2, 3.0], [0.9, 1.1, 1.0, 0.8, 1.3], [5.0, 5.0, 4.2, 4.8, 5.5],
              [2.2, 2.4, 2.4, 2.0, 2.9], [7.7, 7.1, 7.9, 6.5, 8.0], [1.5, 1.6, 1.1, 1.2, 1.8],
              [4.4, 4.0, 4.6, 3.9, 4.1], [0.3, 0.35, 0.3, 0.25, 0.4]]
fr5 = stats.friedmanchisquare(*np.array(FRIEDMAN_5).T)
out["friedman5"] = {"chi2": float(fr5.statistic), "p": float(fr5.pvalue)}
out["studentizedRange"] = {
    "q05OverSqrt2": {str(k): float(stats.studentized_range.ppf(0.95, k, np.inf) / np.sqrt(2)) for k in range(2, 11)},
    "q10OverSqrt2": {str(k): float(stats.studentized_range.ppf(0.90, k, np.inf) / np.sqrt(2)) for k in (3, 5)},
    "cdf": {f"{q}/{k}": float(stats.studentized_range.cdf(q, k, np.inf)) for q, k in ((1.0, 2), (2.5, 3), (3.5, 4), (4.2, 6), (5.0, 10))},
}

print(json.dumps({k: v for k, v in out.items() if k != "inputs"}, indent=1))
print("inputs:", json.dumps(out["inputs"]))
