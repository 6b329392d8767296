// Stopping a run the way users and schedulers do: Ctrl-C in a terminal (SIGINT to the whole
// process group of `npm run bench`), SIGTERM to npm alone (Kubernetes signals a container's
// first process), SIGTERM to deploy/run-shard.sh (SLURM, Kubernetes). Each must stop inside
// the epoch in flight, write the report of what finished, print the exact --resume command
// and exit with 130 or 143; resuming then ends with the numbers of an uninterrupted run.
// The run waits at a known step (OPTBENCH_TEST_HOOK=step:N:hold) until the signal comes, so
// the test does not race the device.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../src/bench/results/types.ts';
import { ownErrors, runBench, startCommand, startNpmBench, type Started } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('stop')();
// Checkpoints after every epoch; one tuning cache for the file's runs.
const env = { XDG_CACHE_HOME: join(tmp, 'cache'), OPTBENCH_CHECKPOINT_SECONDS: '0' };
const hold = (step: number) => ({ ...env, OPTBENCH_TEST_HOOK: `step:${step}:hold` });

// 4 trials in 2 groups of 2 (sgd, then adam), 2 epochs of 10 steps: 40 steps in all.
const ARGS = ['--datasets', 'mnist', '--optimizers', 'sgd,adam', '--regs', 'default', '--seed-count', '2', '--epochs', '2', '--train-samples', '640', '--validation', '200', '--batch', '64', '--sizes', '784,32,10', '--trials-at-once', '2'];

function readResults(dir: string): ResultsFile {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
}

function journalTrials(dir: string): string[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"trial"')).map((l) => (JSON.parse(l) as { record: { id: string } }).record.id);
}

function checkpointEpochs(dir: string): number | null {
  const path = join(dir, 'checkpoint.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { epochsDone: number }).epochsDone : null;
}

/** Every number training decides, per trial: per-epoch losses and accuracies, test results. */
function numbers(r: ResultsFile) {
  return r.trials.map((t) => ({ id: t.id, epochs: t.epochs.map(({ trainLoss, trainAccuracy, valLoss, valAccuracy }) => ({ trainLoss, trainAccuracy, valLoss, valAccuracy })), testLoss: t.testLoss, testAccuracy: t.testAccuracy }));
}

/** Waits for the hook's hold, then sends `signal` to the process group or to the first process alone. */
async function stopAt(run: Started, step: number, signal: NodeJS.Signals, target: 'group' | 'leader') {
  await run.stderrHas(`test hook: holding before step ${step}`);
  process.kill(target === 'group' ? -run.child.pid! : run.child.pid!, signal);
  return run.done;
}

/** What a stopped run must have said and left. */
function expectStopped(r: Awaited<Started['done']>, out: string, signal: string, code: number, finished: number) {
  expect(r.code, r.stderr).toBe(code);
  expect(r.signal).toBeNull();
  expect(r.stderr).toContain(`stopping after the current step (${signal})`);
  // One Ctrl-C reaches the run twice (from the terminal and relayed by npm): still one request.
  expect(r.stderr).not.toContain('quitting at once');
  expect(ownErrors(r.stderr)).toEqual([]);
  expect(r.stderr).toContain(`stopped: ${finished} of 4 trials finished; continue with: npm run bench -- --resume ${out}\n`);
  // The report of what finished: results.json, tables, the console summary.
  const res = readResults(out);
  expect(res.complete).toBe(false);
  expect(res.trials.map((t) => t.id)).toEqual(journalTrials(out));
  expect(res.trials).toHaveLength(finished);
  expect(existsSync(join(out, 'tables.md'))).toBe(true);
  expect(r.stdout).toContain('| optimizer |');
}

describe('stopping a run on a signal', () => {
  const reference = join(tmp, 'uninterrupted');

  it('the uninterrupted run, for comparison', async () => {
    const r = await runBench([...ARGS, '--out', reference], env);
    expect(r.code, r.stderr).toBe(0);
    expect(readResults(reference).trials).toHaveLength(4);
  });

  it('Ctrl-C in a terminal (SIGINT to the process group of npm run bench), then SIGTERM to npm alone, then --resume: the uninterrupted numbers', async () => {
    const out = join(tmp, 'stopped');
    // Step 35: the 5th step of the second group's second epoch (its first epoch is checkpointed).
    const first = await stopAt(startNpmBench([...ARGS, '--out', out], hold(35)), 35, 'SIGINT', 'group');
    expectStopped(first, out, 'SIGINT', 130, 2);
    expect(first.stderr).not.toMatch(/trials 3-4 of 4, epoch 2\/2, \d/); // stopped inside the epoch
    expect(checkpointEpochs(out)).toBe(1);

    // Resumed from the checkpoint: 10 steps left; stopped before the 3rd by SIGTERM to npm only,
    // as Kubernetes signals a container's first process.
    const second = await stopAt(startNpmBench(['--resume', out], hold(3)), 3, 'SIGTERM', 'leader');
    expectStopped(second, out, 'SIGTERM', 143, 2);
    expect(second.stderr).toContain('continuing from the checkpoint after epoch 1');
    expect(checkpointEpochs(out)).toBe(1);

    const last = await runBench(['--resume', out], env);
    expect(last.code, last.stderr).toBe(0);
    const res = readResults(out);
    expect(res.complete).toBe(true);
    expect(journalTrials(out)).toHaveLength(4);
    expect(numbers(res)).toEqual(numbers(readResults(reference)));
  });

  it('SIGTERM to deploy/run-shard.sh (a preempted task) stops with 143; the task run again resumes and finishes', async () => {
    const study = join(tmp, 'study');
    const shardEnv = { ...env, OPTBENCH_OUT: study, OPTBENCH_ARGS: ARGS.join(' ') };
    const r = await stopAt(startCommand('deploy/run-shard.sh', ['1', '1'], { ...shardEnv, OPTBENCH_TEST_HOOK: 'step:15:hold' }), 15, 'SIGTERM', 'leader');
    const dir = join(study, 'shard-1-of-1');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain(`stopped: 0 of 4 trials finished; continue with: npm run bench -- --resume ${dir}`);
    expect(checkpointEpochs(dir)).toBe(1);
    const again = await startCommand('deploy/run-shard.sh', ['1', '1'], shardEnv).done;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('continuing from the checkpoint after epoch 1');
    expect(numbers(readResults(dir))).toEqual(numbers(readResults(reference)));
  });
});
