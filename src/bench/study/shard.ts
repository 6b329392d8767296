// Shards: one study split across machines. `--shard K/N` trains the K-th of N parts of the
// planned trials and writes an ordinary run directory; `--merge` (merge.ts) puts the parts
// back together. The partition is a pure function of the configuration, so every machine
// computes the same one: the plan, grouped by data set in the configuration's order, cut
// into N contiguous runs of about equal cost. Contiguous runs keep a shard's trials of one
// data set together, so they still train in the same dispatches, and a shard loads only the
// data sets it trains.
import { ConfigError, trainCount, type ShardSpec, type StudyConfig } from './config.ts';
import { planTrials, type TrialPlan } from './plan.ts';

/** Relative cost of training a trial: epochs x training images, a tenth more with dropout
 * (its masks). Integers, so sums are exact and every machine cuts in the same places. */
export function trialCost(c: StudyConfig, p: TrialPlan): number {
  return c.epochs * trainCount(c) * (p.dropout > 0 ? 11 : 10);
}

/** The plan in data set order (the configuration's), the plan's order within a data set. */
function byDataset(c: StudyConfig, plan: readonly TrialPlan[]): TrialPlan[] {
  const rank = (p: TrialPlan) => c.datasets.indexOf(p.dataset);
  return plan.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map((x) => x.p);
}

/** The N parts of a plan: disjoint, together the whole plan, none empty, each within about
 * one trial's cost of total / N. Throws a ConfigError when there are fewer trials than parts. */
export function partition(c: StudyConfig, plan: readonly TrialPlan[], count: number): TrialPlan[][] {
  const trials = byDataset(c, plan);
  const m = trials.length;
  if (count > m) throw new ConfigError(`the study has ${m} trial${m === 1 ? '' : 's'}; it cannot be split into ${count} shards (use at most ${m})`);
  const prefix = [0];
  for (const p of trials) prefix.push(prefix[prefix.length - 1] + trialCost(c, p));
  const total = prefix[m];
  const cuts = [0];
  let i = 0;
  for (let k = 1; k < count; k++) {
    // The cut nearest to k/count of the total cost (ties to the earlier one)...
    const goal = k * total;
    while (i < m && count * prefix[i + 1] <= goal) i++;
    let cut = i < m && count * prefix[i + 1] - goal < goal - count * prefix[i] ? i + 1 : i;
    // ...but at least one trial per shard, before and after.
    cut = Math.min(Math.max(cut, cuts[k - 1] + 1), m - (count - k));
    cuts.push(cut);
  }
  cuts.push(m);
  return cuts.slice(1).map((end, k) => trials.slice(cuts[k], end));
}

/** The whole study a shard belongs to: its configuration without the shard. */
export function wholeStudy(c: StudyConfig): StudyConfig {
  const { shard: _, ...study } = c;
  return study;
}

/** The trials this run trains: its shard of the plan, or the whole plan. */
export function runPlan(c: StudyConfig): TrialPlan[] {
  const plan = planTrials(c);
  return c.shard ? shardOf(c, plan, c.shard) : plan;
}

export function shardOf(c: StudyConfig, plan: readonly TrialPlan[], s: ShardSpec): TrialPlan[] {
  return partition(c, plan, s.count)[s.index - 1];
}

export function formatShard(s: ShardSpec): string {
  return `${s.index}/${s.count}`;
}
