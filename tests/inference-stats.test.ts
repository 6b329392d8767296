// The inference statistics against values computed by an independent tool: SciPy 1.10.1
// (Debian's python3-scipy), by scripts/statistics-reference.py. The inputs here are the
// script's; the figures are its output, pinned so CI needs no Python. Rerun the script and
// paste its numbers after changing an input.
import { describe, expect, it } from 'vitest';
import padjust from '@stdlib/stats-padjust';
import { cliques, friedman, nemenyi } from '../src/bench/results/friedman.ts';
import { pairedInterval, welchInterval } from '../src/bench/results/intervals.ts';
import { mannWhitneyU } from '../src/bench/results/mann-whitney.ts';
import { snap } from '../src/bench/results/ranks.ts';
import { studentizedRangeCdf, studentizedRangeQuantile } from '../src/bench/results/studentized-range.ts';
import { wilcoxonSignedRank } from '../src/bench/results/wilcoxon.ts';

// --- inputs, as in scripts/statistics-reference.py ---
const ACC_A = [8523, 8611, 8497, 8580, 8403, 8555, 8519, 8634, 8571, 8590].map((k) => k / 10000);
const ACC_B = [8512, 8600, 8497, 8561, 8392, 8530, 8525, 8600, 8560, 8571].map((k) => k / 10000);
const NO_TIES = [0.012, -0.003, 0.025, 0.018, 0.007, 0.031, -0.009, 0.015, 0.022, 0.004];
const EPOCHS = [1, 0, 2, 1, -1, 1, 0, 2, 1, 1];
const LARGE = [0.7, 1.8, -1.5, 2.0, 0.3, -0.5, -0.5, -0.8, 0.1, 1.1, 0.9, 0.9, -1.4, -1.3, 1.9, 1.3, 2.5, 1.5, -0.7, 1.6, 0.9, 0.5, -0.5, 0.3, 0.2, 1.2, 0.4, 1.9, -0.5, 0.8, 0.8, -0.6, -0.9, 1.3, 0.8, 0.1, 0.7, -0.4, 0.5, -0.3, 0.5, 1.3, -0.0, 1.1, -0.7, 0.0, -1.1, 0.2, 0.4, 0.1, 0.0, 1.6, 1.7, -0.9, 1.5, -1.4, -0.4, 0.1, 0.4, -0.7];
const LARGE_NO_TIES = [-0.522469, 0.276654, -0.493423, -0.441201, 0.866263, 1.131721, 0.139945, 0.218198, 0.180402, -0.254488, -0.311393, -0.837745, 0.848389, 0.11584, 0.062561, 0.400543, 0.730675, 1.621035, -0.073546, -0.201172, 0.400574, -0.645503, 1.47243, 1.126244, 0.893925, 0.080385, 0.939582, 1.250205, 0.699906, -0.079983, -1.485073, 1.146962, -0.153251, -0.643234, 1.090598, 0.538171, -1.218836, 0.100959, -0.069234, 1.192612, -1.695122, -0.185561, 0.061751, 1.6189, -0.88339, -2.740432, -1.184028, 0.46307, 1.009592, 1.933543, 0.600935, -0.60231, 1.08439, 0.188942, -0.000958];
const MW_A = [0.853, 0.861, 0.849, 0.858, 0.86, 0.855, 0.851, 0.863, 0.857, 0.859];
const MW_B = [0.847, 0.852, 0.846, 0.85, 0.854, 0.848, 0.845, 0.856, 0.844];
const MW_TIES_A = [3, 4, 4, 5, 3, 4, 6, 4, 5, 3];
const MW_TIES_B = [4, 5, 5, 6, 4, 7, 5, 6];
const MW_LARGE_A = [0.6, 1.9, -0.3, -0.4, 0.5, 0.5, -0.2, -0.3, 1.0, 1.9, 1.3, 1.3, 1.8, -1.4, -0.9, -0.1, -0.6, -0.4, 0.7, -0.7, 0.2, -1.4, -0.4, 1.9, 0.1, 0.9, 1.3, 0.1, 1.2, 0.8];
const MW_LARGE_B = [0.7, -0.6, -1.4, -1.0, -0.6, 0.5, -0.2, -0.4, -0.2, 1.1, -0.6, 1.5, -1.2, -0.6, 0.9, 0.5, -0.9, -0.1, -0.7, 0.9, 0.5, -0.7, 0.4, -0.4, -0.1, 0.1, -0.6, 0.4, 0.5, 0.4];
/** Problems x optimizers (sgd, adam, rmsprop, custom): the reference study's mean test accuracies. */
const FRIEDMAN = [
  [0.858, 0.833, 0.714, 0.873],
  [0.859, 0.84, 0.747, 0.874],
  [0.858, 0.836, 0.314, 0.876],
  [0.956, 0.963, 0.951, 0.969],
  [0.956, 0.963, 0.956, 0.969],
  [0.957, 0.964, 0.95, 0.971],
];
const FRIEDMAN_5 = [[3.1, 2.9, 3.5, 2.2, 3.0], [0.9, 1.1, 1.0, 0.8, 1.3], [5.0, 5.0, 4.2, 4.8, 5.5], [2.2, 2.4, 2.4, 2.0, 2.9], [7.7, 7.1, 7.9, 6.5, 8.0], [1.5, 1.6, 1.1, 1.2, 1.8], [4.4, 4.0, 4.6, 3.9, 4.1], [0.3, 0.35, 0.3, 0.25, 0.4]];

/** Relative agreement: |x - ref| <= tol * |ref| (exact counts agree to rounding). */
function close(x: number, ref: number, tol = 1e-9): void {
  expect(Math.abs(x - ref), `${x} vs SciPy ${ref}`).toBeLessThanOrEqual(tol * Math.abs(ref) + 1e-15);
}

describe('Wilcoxon signed-rank against SciPy', () => {
  it('no ties, n = 10: the classical exact test (scipy wilcoxon method=exact)', () => {
    const w = wilcoxonSignedRank(NO_TIES);
    expect([w.method, w.n, w.wPlus, w.statistic, w.ties]).toEqual(['exact', 10, 50, 5, false]);
    close(w.p, 0.01953125);
  });

  it('all ten differences positive: p = 2/2^10, the smallest 10 seeds can give', () => {
    const w = wilcoxonSignedRank(Array.from({ length: 10 }, (_, i) => 0.01 * (i + 1)));
    expect(w.statistic).toBe(0);
    close(w.p, 0.001953125);
  });

  it('accuracy differences of k/10000 with a tie and a zero: float noise does not hide the tie; exact conditional test (permutation_test)', () => {
    const d = ACC_A.map((a, i) => a - ACC_B[i]);
    // In float64, 0.8611 - 0.8600 and 0.8602 - 0.8591 differ in their last bits: a tie only once rounded.
    expect(d[1]).not.toBe(d[4]);
    expect(snap(d[1])).toBe(snap(d[4]));
    const w = wilcoxonSignedRank(d);
    expect([w.method, w.n, w.zeros, w.wPlus, w.ties]).toEqual(['exact', 9, 1, 44, true]);
    close(w.p, 0.0078125);
  });

  it('epoch differences (integers, many ties, two zeros): exact conditional test (permutation_test)', () => {
    const w = wilcoxonSignedRank(EPOCHS);
    expect([w.n, w.zeros, w.wPlus]).toEqual([8, 2, 32.5]);
    close(w.p, 0.0546875);
  });

  it('n > 50 with ties and zeros: normal approximation with tie and continuity corrections (method=approx, correction=True)', () => {
    const w = wilcoxonSignedRank(LARGE);
    expect([w.method, w.n, w.wPlus, w.statistic]).toEqual(['normal', 57, 1135, 518]);
    close(Math.abs(w.z!), 2.448689681841008);
    close(w.p, 0.014337691481952365);
  });

  it('n > 50 without ties: normal approximation', () => {
    const w = wilcoxonSignedRank(LARGE_NO_TIES);
    expect([w.method, w.n, w.wPlus, w.statistic]).toEqual(['normal', 55, 972, 568]);
    close(Math.abs(w.z!), 1.6882774654306087);
    close(w.p, 0.09135797888738224);
  });

  it('every difference zero: no test, p = 1; the centre of the distribution: p = 1', () => {
    expect(wilcoxonSignedRank([0, 0, 0])).toMatchObject({ method: 'none', p: 1, n: 0, zeros: 3 });
    expect(wilcoxonSignedRank([1, -2, 3, -4, -5, 6]).p).toBeCloseTo(1, 12); // W+ = 10.5 = n(n+1)/4
    expect(() => wilcoxonSignedRank([1, NaN])).toThrow(RangeError);
  });
});

describe('Mann-Whitney U against SciPy', () => {
  it('no ties, 10 and 9 values: exact (mannwhitneyu method=exact)', () => {
    const u = mannWhitneyU(MW_A, MW_B);
    expect([u.method, u.u1, u.ties]).toEqual(['exact', 80, false]);
    close(u.p, 0.0029877243499534523);
  });

  it('ties, 10 and 8 values: exact conditional test (permutation_test over every split)', () => {
    const u = mannWhitneyU(MW_TIES_A, MW_TIES_B);
    expect([u.method, u.u1, u.ties]).toEqual(['exact', 17, true]);
    close(u.p, 0.04031262854792267);
  });

  it('60 values with ties: normal approximation (method=asymptotic, use_continuity=True)', () => {
    const u = mannWhitneyU(MW_LARGE_A, MW_LARGE_B);
    expect([u.method, u.u1]).toEqual(['normal', 576.5]);
    close(u.p, 0.0620154707590647);
  });

  it('an empty side: no test', () => {
    expect(mannWhitneyU([], [1, 2])).toMatchObject({ method: 'none' });
    expect(Number.isNaN(mannWhitneyU([], [1, 2]).p)).toBe(true);
  });
});

describe('t intervals against SciPy', () => {
  it('paired: ttest_rel(...).confidence_interval(0.95)', () => {
    const c = pairedInterval(ACC_A.map((a, i) => a - ACC_B[i]));
    close(c.mean, 0.0013500000000000068, 1e-12);
    close(c.ci95[0], 0.00052380492535944, 1e-8);
    close(c.ci95[1], 0.002176195074640574, 1e-8);
    expect([c.df, c.kind]).toEqual([9, 'paired t']);
  });

  it("Welch's: Welch-Satterthwaite df and t.interval", () => {
    const c = welchInterval(MW_A, MW_B);
    close(c.mean, 0.007488888888888767, 1e-12);
    close(c.df, 16.985972076596262, 1e-12);
    close(c.ci95[0], 0.0032806652169059475, 1e-8);
    close(c.ci95[1], 0.011697112560871588, 1e-8);
  });

  it('one value: no interval; equal differences: a point', () => {
    expect(pairedInterval([0.1]).ci95.every(Number.isNaN)).toBe(true);
    const c = pairedInterval([0.25, 0.25, 0.25]);
    expect(c.ci95).toEqual([0.25, 0.25]);
  });
});

describe('Friedman, Iman-Davenport and Nemenyi against SciPy', () => {
  it('friedmanchisquare on the reference study\'s 6 problems x 4 optimizers (a tie in one row)', () => {
    const f = friedman(FRIEDMAN.map((r) => r.map((x) => -x))); // higher accuracy = better = lower cost
    close(f.chi2, 15.610169491525433, 1e-12);
    close(f.p, 0.0013629399171535856, 1e-8);
    expect(f.averageRanks.map((r) => Number(r.toFixed(12)))).toEqual([2.583333333333, 2.5, 3.916666666667, 1]);
    close(f.imanDavenport.f, 32.659574468085246, 1e-12);
    close(f.imanDavenport.p, 8.070891673743186e-7, 1e-6);
    expect([f.df, f.imanDavenport.df1, f.imanDavenport.df2]).toEqual([3, 3, 15]);
  });

  it('friedmanchisquare on 8 problems x 5 optimizers with ties', () => {
    const f = friedman(FRIEDMAN_5);
    close(f.chi2, 17.426751592356712, 1e-12);
    close(f.p, 0.0015966111734728677, 1e-8);
  });

  it('studentized range (infinite df): quantiles and CDF (scipy studentized_range), and Demsar\'s table of q_0.05', () => {
    const q05: Record<number, number> = { 2: 1.9599639845400534, 3: 2.343700586378409, 4: 2.569031772546482, 5: 2.7277743708703763, 6: 2.8497054196100016, 7: 2.9483200175296744, 8: 3.030878449614413, 9: 3.1017303413033805, 10: 3.163683577053373 };
    for (const [k, q] of Object.entries(q05)) close(studentizedRangeQuantile(0.95, Number(k)) / Math.SQRT2, q, 1e-8);
    close(studentizedRangeQuantile(0.9, 3) / Math.SQRT2, 2.0522927304967755, 1e-8);
    close(studentizedRangeQuantile(0.9, 5) / Math.SQRT2, 2.4595157642714183, 1e-8);
    const cdf: Array<[number, number, number]> = [[1.0, 2, 0.5204998778130465], [2.5, 3, 0.8194910627933065], [3.5, 4, 0.9361236661430967], [4.2, 6, 0.9646824628807837], [5.0, 10, 0.9851425621122164]];
    for (const [q, k, p] of cdf) close(studentizedRangeCdf(q, k), p, 1e-9);
    // Demsar (2006), table 5(a): 1.960 2.343 2.569 2.728 2.850 2.949 3.031 3.102 3.164
    expect([2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => (studentizedRangeQuantile(0.95, k) / Math.SQRT2).toFixed(3))).toEqual(['1.960', '2.344', '2.569', '2.728', '2.850', '2.948', '3.031', '3.102', '3.164']);
  });

  it('Nemenyi: CD = q sqrt(k(k+1)/6N); pairs at or beyond CD differ; cliques are the maximal runs within CD', () => {
    const f = friedman(FRIEDMAN.map((r) => r.map((x) => -x)));
    const ne = nemenyi(f.averageRanks, 6);
    close(ne.cd, 2.569031772546482 * Math.sqrt((4 * 5) / 36), 1e-9);
    expect(ne.pairs.filter((p) => p.significant).map((p) => [p.i, p.j])).toEqual([[2, 3]]); // rmsprop vs custom: 2.92 > 1.91
    expect(ne.cliques).toEqual([[3, 1, 0], [1, 0, 2]]);
    expect(cliques([1, 2, 3, 4], 0.5)).toEqual([]);
    expect(cliques([1, 1.2, 3, 3.1], 0.5)).toEqual([[0, 1], [2, 3]]);
  });

  it('too few problems or optimizers is refused', () => {
    expect(() => friedman([[1, 2, 3]])).toThrow(RangeError);
    expect(() => friedman([[1], [2]])).toThrow(RangeError);
  });
});

describe('Holm (@stdlib/stats-padjust)', () => {
  it('adjusts as Holm (1979): sorted p times (m - i + 1), made monotone, capped at 1', () => {
    // By hand: 0.005 x 4 = 0.02; 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04 -> 0.06 (monotone).
    expect(padjust([0.01, 0.04, 0.03, 0.005], 'holm').map((p) => Number(p.toFixed(12)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(padjust([0.5, 0.9], 'holm')).toEqual([1, 1]);
  });
});
