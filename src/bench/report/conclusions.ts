// The study's conclusions in words a reader can check against the tables: every difference
// that survives Holm's correction, as "adam > rmsprop on fashion-mnist/dropout: +4.12 points
// [3.20, 5.01], p_holm = 0.002, ahead on 10 of 10 seeds"; what was not significant; when
// the seeds are too few for any comparison to be; and the ranking across problems. A claim
// resting on fewer than FEW_SEEDS seeds is marked.
import type { Inference, InferenceFamily } from '../results/inference.ts';
import { metricSpec, type MetricKey, type MetricSpec } from '../results/metrics.ts';
import type { Comparison } from '../results/paired.ts';
import type { Ranking } from '../results/ranking.ts';
import { FEW_SEEDS, fmtDifference, fmtInterval, fmtP, seedsOf, side } from './inference-format.ts';

export interface ConclusionBlock {
  heading: string;
  lines: string[];
}

const WORDS: Record<MetricKey, { better: string; won: string }> = {
  testAccuracy: { better: '>', won: 'ahead' },
  testLoss: { better: '<', won: 'lower' },
  epochsToTarget: { better: '<', won: 'sooner' },
};

/** Appended to a claim that rests on fewer than FEW_SEEDS seeds. */
export const FEW_MARK = `† fewer than ${FEW_SEEDS} seeds`;

/** a is the better side of c (its difference a - b points the metric's good way). */
function aIsBetter(c: Comparison, spec: MetricSpec): boolean {
  return c.difference.mean > 0 === spec.higherIsBetter;
}

function evidence(c: Comparison, spec: MetricSpec, better: 'a' | 'b'): string {
  if (c.paired && c.wins) return `${WORDS[spec.key].won} on ${c.wins[better]} of ${c.nA} seeds`;
  const [nb, nw] = better === 'a' ? [c.nA, c.nB] : [c.nB, c.nA];
  return `unpaired (${c.note?.replace(/^unpaired: /, '') ?? 'seeds do not line up'}; Welch interval, Mann-Whitney U), ${nb} and ${nw} seeds`;
}

/** One comparison in words, the better optimizer first (its difference: better - worse). */
export function claim(c: Comparison, significant = true): string {
  const spec = metricSpec(c.metric);
  const aBetter = aIsBetter(c, spec);
  const [better, worse] = aBetter ? [side(c.a, c.settingA), side(c.b, c.settingB)] : [side(c.b, c.settingB), side(c.a, c.settingA)];
  const flip = aBetter ? 1 : -1;
  const ci: [number, number] = aBetter ? c.difference.ci95 : [-c.difference.ci95[1], -c.difference.ci95[0]];
  const op = significant ? WORDS[spec.key].better : 'vs';
  const p = significant ? `p_holm = ${fmtP(c.pHolm)}` : `p = ${fmtP(c.test.p)}, p_holm = ${fmtP(c.pHolm)}`;
  const few = seedsOf(c) < FEW_SEEDS ? `; ${FEW_MARK}` : '';
  return `${better} ${op} ${worse} on ${c.dataset}/${c.reg}: ${fmtDifference(spec, flip * c.difference.mean)} ${fmtInterval(spec, ci)}, ${p}, ${evidence(c, spec, aBetter ? 'a' : 'b')}${few}`;
}

/** Smallest count of paired seeds with which the family could reach alpha: size * 2^(1-n) < alpha. */
export function seedsNeeded(size: number, alpha: number): number {
  return Math.floor(1 + Math.log2(size / alpha)) + 1;
}

function metricBlock(inf: Inference, family: InferenceFamily): ConclusionBlock {
  const spec = metricSpec(family.metric);
  const mine = inf.comparisons.filter((c) => c.metric === family.metric && c.pHolm !== null);
  const significant = mine.filter((c) => c.pHolm! < inf.alpha);
  const title = `${spec.label[0].toUpperCase()}${spec.label.slice(1)} (${spec.higherIsBetter ? 'higher' : 'lower'} is better)`;
  if (!inf.comparisons.some((c) => c.metric === family.metric)) return { heading: `${title}: ${family.description}`, lines: [] };
  const heading = `${title}: ${family.size} comparisons, p-values adjusted by Holm over them, α = ${inf.alpha}`;
  const lines = significant.map((c) => claim(c));
  const rest = mine.length - significant.length;
  if (significant.length === 0) {
    lines.push(`No difference in ${spec.label} is significant after Holm's correction (${mine.length} comparisons). The lowest p-values:`);
    lines.push(...[...mine].sort((x, y) => x.test.p - y.test.p).slice(0, 3).map((c) => claim(c, false)));
  } else if (rest > 0) lines.push(`No other difference in ${spec.label} is significant after Holm's correction (${rest} of ${mine.length} comparisons).`);
  if (family.floor >= inf.alpha) {
    lines.push(`With these seeds no comparison can be significant, however large the difference: over ${family.size} comparisons the smallest p_holm the exact tests can give is ${fmtP(family.floor)}; paired comparisons need at least ${seedsNeeded(family.size, inf.alpha)} seeds per cell.`);
  }
  const unpaired = mine.filter((c) => !c.paired).length;
  if (unpaired) lines.push(`${unpaired} of these comparisons are unpaired (seeds do not line up; see the comparison tables for why).`);
  const untested = inf.comparisons.filter((c) => c.metric === family.metric && c.pHolm === null).length;
  if (untested) lines.push(`${untested} comparisons have no test (an optimizer without values there).`);
  return { heading, lines };
}

/** The ranking in words: average ranks, the tests, which pairs differ, the caveats. */
export function rankingBlock(r: Ranking, alpha: number): ConclusionBlock {
  const spec = metricSpec(r.metric);
  const heading = `Ranking across problems by ${spec.label} (${r.score})`;
  const order = r.optimizers.map((o, i) => ({ o, rank: r.averageRanks[i] })).sort((a, b) => a.rank - b.rank);
  const lines: string[] = [];
  if (r.friedman && r.nemenyi) {
    const f = r.friedman;
    const ne = r.nemenyi;
    lines.push(`Average ranks over ${r.problems.length} problems: ${order.map((x) => `${x.o} ${x.rank.toFixed(2)}`).join(', ')}.`);
    lines.push(`Friedman χ²(${f.df}) = ${f.chi2.toFixed(2)}, p = ${fmtP(f.p)}; Iman-Davenport F(${f.imanDavenport.df1}, ${f.imanDavenport.df2}) = ${Number.isFinite(f.imanDavenport.f) ? f.imanDavenport.f.toFixed(2) : '∞'}, p = ${fmtP(f.imanDavenport.p)}.`);
    const differ = ne.pairs.filter((p) => p.significant);
    const pairs = differ.map((p) => `${p.a} and ${p.b} (${p.difference.toFixed(2)})`).join(', ');
    lines.push(`Nemenyi at α = ${alpha}: critical difference ${ne.cd.toFixed(2)}; ${differ.length ? `these pairs differ by at least it: ${pairs}; no other pair does` : 'no pair differs by it'}.`);
  }
  lines.push(...r.caveats);
  if (r.leftOut.length) lines.push(`Left out: ${r.leftOut.map((p) => `${p.dataset}/${p.reg} (${p.why})`).join(', ')}.`);
  return { heading, lines };
}

export interface Conclusions {
  /** What was compared and how, one paragraph. */
  intro: string;
  metrics: ConclusionBlock[];
  rankings: ConclusionBlock[];
}

export function conclusions(inf: Inference): Conclusions {
  const intro = `Compared: ${inf.basis}. On each data set and mode, every pair of optimizers: the mean per-seed difference with its ${inf.confidence * 100}% t interval and a Wilcoxon signed-rank test where both have values on the same seeds (a seed gives every optimizer the same initial weights, data order and dropout masks), else Welch's interval and a Mann-Whitney U test, named "unpaired". Intervals are per comparison; p_holm is adjusted over each metric's family.`;
  return {
    intro,
    metrics: inf.families.map((f) => metricBlock(inf, f)),
    rankings: inf.rankings.map((r) => rankingBlock(r, inf.alpha)),
  };
}
