// Batched-equals-alone checks: train a group, then each of its trials alone, and require
// every recorded number and every parameter to be the same bits.
import { expect } from 'vitest';
import type { GpuDataset } from '../../src/bench/data/gpu-data.ts';
import { TrainingGroup, type EpochResult, type GroupConfig, type TrialSetup } from '../../src/bench/study/trainer.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';

export interface GroupRun {
  /** [epoch][trial] */
  epochs: EpochResult[][];
  test: Awaited<ReturnType<TrainingGroup['evaluate']>>;
  params: Float32Array[];
}

async function run(group: TrainingGroup, epochs: number, data: GpuDataset, testCount: number): Promise<GroupRun> {
  const out: EpochResult[][] = [];
  for (let e = 0; e < epochs; e++) out.push(await group.trainEpoch(e));
  const test = await group.evaluate(data.test, 0, testCount);
  const params = await group.model.arena.read();
  group.destroy();
  return { epochs: out, test, params };
}

/** Trains `setups` together and each alone for `epochs`; returns the group's run after
 * checking that every trial's epochs, test result and parameters equal its run alone. */
export async function expectBatchedEqualsAlone(g: Gpu, data: GpuDataset, config: GroupConfig, setups: TrialSetup[], epochs: number, testCount: number, names: string[]): Promise<GroupRun> {
  const batched = await run(new TrainingGroup(g, data, config, setups), epochs, data, testCount);
  for (let t = 0; t < setups.length; t++) {
    const alone = await run(new TrainingGroup(g, data, config, [setups[t]]), epochs, data, testCount);
    for (let e = 0; e < epochs; e++) expect(batched.epochs[e][t], `${names[t]} epoch ${e}`).toEqual(alone.epochs[e][0]);
    expect(batched.test[t], names[t]).toEqual(alone.test[0]);
    const a = new Uint32Array(batched.params[t].buffer), b = new Uint32Array(alone.params[0].buffer);
    expect(a.every((v, i) => v === b[i]), `${names[t]} parameters`).toBe(true);
  }
  return batched;
}
