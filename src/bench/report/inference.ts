// The inference of a run (results.json `inference`, the report's conclusions): from every
// trial of a study, or in a sweep from each optimizer's best setting per data set and mode,
// chosen on validation accuracy as the sweep report chooses it (sweep.ts).
import { inference, type Inference } from '../results/inference.ts';
import type { ResultsFile } from '../results/types.ts';
import { analyzeSweep, bestView, SELECTION, targetsOf, type SweepAnalysis } from './sweep.ts';

/** `sweep`: the run's sweep analysis when the caller has it (null: not a sweep). */
export function inferenceOf(results: ResultsFile, sweep: SweepAnalysis | null = analyzeSweep(results)): Inference {
  const trials = sweep ? bestView(results, sweep.best).trials : results.trials;
  return inference({
    trials,
    datasets: results.config.datasets ?? [],
    optimizers: results.config.optimizers ?? [],
    regs: results.config.regs ?? [],
    targets: targetsOf(results),
    basis: sweep ? `each optimizer at its best setting per data set and mode (${SELECTION.split(';')[0]})` : 'every trial of the study',
  });
}
