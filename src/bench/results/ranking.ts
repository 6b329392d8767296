// The optimizers ranked across problems (data set x mode) on one metric, as Demsar (2006)
// ranks classifiers across data sets: each optimizer's score on a problem (mean over seeds,
// or for time to target the median with "never reached" as infinity), ranks per problem,
// average ranks, Friedman and Iman-Davenport tests, Nemenyi critical difference; and, in
// words, what a test on this many problems can and cannot say.
import { friedman, nemenyi } from './friedman.ts';
import { metricSpec, type MetricKey } from './metrics.ts';

export interface RankingProblem {
  dataset: string;
  reg: string;
  /** Per optimizer (Ranking.optimizers order): its score; NaN where it has no value. */
  scores: number[];
  /** Per optimizer: its rank on this problem, 1 = best, ties averaged. */
  ranks: number[];
}

export interface Ranking {
  metric: MetricKey;
  /** How a score is made from an optimizer's seeds on a problem. */
  score: string;
  optimizers: string[];
  problems: RankingProblem[];
  /** Problems left out, with why (an optimizer without trials there). */
  leftOut: Array<{ dataset: string; reg: string; why: string }>;
  averageRanks: number[];
  /** Null with fewer than two problems or optimizers. */
  friedman: { chi2: number; df: number; p: number; imanDavenport: { f: number; df1: number; df2: number; p: number } } | null;
  nemenyi: {
    alpha: number;
    q: number;
    cd: number;
    pairs: Array<{ a: string; b: string; difference: number; p: number; significant: boolean }>;
    /** Groups of optimizers (best first) whose average ranks lie within less than CD. */
    cliques: string[][];
  } | null;
  /** What the tests can and cannot say with this many problems, one sentence each. */
  caveats: string[];
}

/** Score of one optimizer on one problem: mean of the values, or the median with missing
 * values (target never reached) as +Infinity; NaN when there is nothing to score. */
export function problemScore(values: readonly number[], missing: number, how: 'mean' | 'median'): number {
  if (how === 'mean') return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  const all = [...values, ...Array<number>(missing).fill(Infinity)].sort((a, b) => a - b);
  if (all.length === 0) return NaN;
  const mid = all.length >> 1;
  return all.length % 2 ? all[mid] : (all[mid - 1] + all[mid]) / 2;
}

/** Smallest number of problems with which CD < k - 1, so that the best and worst possible
 * average ranks could differ significantly. */
function problemsNeeded(k: number, q: number): number {
  return Math.floor((k * (k + 1) * q * q) / (6 * (k - 1) ** 2)) + 1;
}

/**
 * Ranks `optimizers` over `problems`, whose scores are given per optimizer (NaN: no value,
 * ranked last: an optimizer that diverged on every seed of a problem did worst there).
 */
export function rankOptimizers(metric: MetricKey, optimizers: string[], problems: Array<{ dataset: string; reg: string; scores: number[] }>, leftOut: Ranking['leftOut'], alpha = 0.05): Ranking {
  const spec = metricSpec(metric);
  const cost = (x: number) => (Number.isNaN(x) ? Infinity : spec.higherIsBetter ? -x : x);
  const k = optimizers.length;
  const n = problems.length;
  const score = spec.score === 'mean' ? 'mean over seeds' : 'median over seeds, a seed that never reached the target counting as infinity';
  const base = { metric, score: `${score}; rank 1 = best, ties averaged, no value = last`, optimizers, leftOut };
  if (n < 2 || k < 2) {
    const ranked = problems.map((p) => ({ ...p, ranks: p.scores.map(() => NaN) }));
    return {
      ...base, problems: ranked, averageRanks: optimizers.map(() => NaN), friedman: null, nemenyi: null,
      caveats: [`No ranking test: it needs at least 2 problems and 2 optimizers (here ${n} and ${k}).`],
    };
  }
  const fr = friedman(problems.map((p) => p.scores.map(cost)));
  const ne = nemenyi(fr.averageRanks, n, alpha);
  const caveats: string[] = [];
  const perDataset = new Map<string, number>();
  for (const p of problems) perDataset.set(p.dataset, (perDataset.get(p.dataset) ?? 0) + 1);
  if ([...perDataset.values()].some((c) => c > 1)) {
    caveats.push('The problems are data set x mode: the modes of one data set share its data, so they are not the independent samples the Friedman and Nemenyi tests assume; their p-values are optimistic.');
  }
  if (n <= 10 || k <= 5) caveats.push(`With ${n} problems and ${k} optimizers the chi-square approximation of Friedman's statistic is rough (Demsar: good for more than 10 problems and 5 optimizers); Iman and Davenport's F is the better guide.`);
  if (ne.cd > k - 1) {
    caveats.push(`With ${n} problems the critical difference (${ne.cd.toFixed(2)}) exceeds the largest possible difference of average ranks (${k - 1}): the Nemenyi test cannot separate any pair; that takes at least ${problemsNeeded(k, ne.q)} problems.`);
  }
  if (!(fr.imanDavenport.p < alpha)) caveats.push(`Iman and Davenport's F does not reject equal average ranks at α = ${alpha} (p = ${fr.imanDavenport.p.toPrecision(2)}), so the Nemenyi comparisons are shown for completeness, not as findings.`);
  return {
    ...base,
    problems: problems.map((p, i) => ({ ...p, ranks: fr.ranks[i] })),
    averageRanks: fr.averageRanks,
    friedman: { chi2: fr.chi2, df: fr.df, p: fr.p, imanDavenport: fr.imanDavenport },
    nemenyi: {
      alpha, q: ne.q, cd: ne.cd,
      pairs: ne.pairs.map((x) => ({ a: optimizers[x.i], b: optimizers[x.j], difference: x.difference, p: x.p, significant: x.significant })),
      cliques: ne.cliques.map((c) => c.map((i) => optimizers[i])),
    },
    caveats,
  };
}
