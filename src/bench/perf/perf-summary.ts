// summary.md: one bench:perf run in Markdown (what bench:perf prints at the end, writes beside
// perf.json, and what `npm run docs:perf` puts into the README and docs/performance.md):
// machine, adapter, versions, BLAS, threads, every figure as median (range), the ratios with
// their marks, where the engine is behind, and the exact command.
import { blasLine } from '../peers/torch.ts';
import { busyWarning, machineLine } from './machine.ts';
import { behind, stepRows, throughputRows, type Cell, type PerfReport, type StepsReport, type StudyReport } from './perf-report.ts';
import { formatSpread } from './spread.ts';

const cellValue = (c: Cell) => (c.value ? formatSpread(c.value) : `failed: ${(c.error ?? '').split('\n')[0].slice(0, 80)}`);

/** "0.20x (0.19-0.21)", with the row's mark where it has one. */
function ratio(c: Cell, mark: string | null): string {
  if (!c.engineIs) return '-';
  return `${formatSpread(c.engineIs, 2, 'x')}${mark ? ` *${mark}*` : ''}`;
}

const escape = (s: string) => s.replace(/\|/g, '\\|');

function header(r: PerfReport, title: string): string[] {
  const e = r.environment;
  const versions = [`webgpu-optbench ${e.packages['webgpu-optbench']}${e.gitCommit ? ` (git ${e.gitCommit.slice(0, 12)}${e.gitCommit.endsWith('+modified') ? '+modified' : ''})` : ''}`, `Node ${e.node}`, `webgpu ${e.packages.webgpu}`];
  if (e.tfjs) versions.push(`TensorFlow.js ${e.tfjs}`);
  if (e.torch) versions.push(`PyTorch ${e.torch.torch} (Python ${e.torch.pythonVersion} at ${e.torch.python}, ${e.torch.device})`);
  const lines = [
    `### ${title}, ${r.createdAt.slice(0, 10)}`,
    '',
    `- Command: \`${r.command}\``,
    `- Machine: ${machineLine(r.machine)}`,
    `- Adapter: ${e.adapter}`,
    `- Versions: ${versions.join(', ')}`,
  ];
  if (e.torch) lines.push(`- PyTorch's BLAS: ${blasLine(e.torch.blas)}`);
  const busy = busyWarning(r.machine);
  for (const w of [...r.warnings, ...(busy ? [busy] : [])]) lines.push(`- **Warning**: ${w}`);
  return lines;
}

function stepsSummary(r: StepsReport): string[] {
  const { optimizers, rows } = stepRows(r);
  const lines = [
    '',
    `One trial, steady state (${r.workload.dataset}, batch ${r.workload.batch}, MLP ${r.workload.model.join('-')}): steps/s, the median of 5 timed repetitions (in brackets the slowest and fastest); "engine is": this engine's steps/s over the row's (below 1: the engine is slower).`,
    '',
    `| framework | configuration | ${optimizers.map((o) => `${o} steps/s | engine is`).join(' | ')} |`,
    `|---|---|${optimizers.map(() => '---:|---:|').join('')}`,
  ];
  for (const row of rows) {
    const config = `${escape(row.configuration)}${row.mark ? ` **${row.mark}**` : ''}`;
    lines.push(`| ${escape(row.framework)} | ${config} | ${row.cells.map((c) => `${cellValue(c)} | ${ratio(c, row.mark)}`).join(' | ')} |`);
  }
  const tr = throughputRows(r);
  lines.push(
    '',
    `Study throughput (${r.workload.dataset}, the study's optimizer x regularization cells; an epoch is ${r.workload.stepsPerEpoch} steps plus validation of 10,000 images): trial-epochs per minute, median (range: slowest and fastest repetition; one by one: slowest and fastest of the 12 cells); "engine is": the engine's batched figure at the same T over the row's; "vs one by one": what stacking the trials gains.`,
    '',
    '| framework | mode | T | ms/step | trial-epochs/min | engine is | vs one by one | peak GPU MiB |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  );
  const oneByOne = tr.find((row) => row.framework === 'webgpu-optbench' && row.trials === 1)?.cells[0].value?.median;
  for (const row of tr) {
    const c = row.cells[0];
    const peak = row.peakGpuBytes === null ? '-' : (row.peakGpuBytes / 2 ** 20).toFixed(0);
    const stacking = row.framework === 'webgpu-optbench' && oneByOne && c.value ? `${(c.value.median / oneByOne).toFixed(2)}x` : '-';
    lines.push(`| ${escape(row.framework)} | ${escape(row.configuration)}${row.mark ? ` **${row.mark}**` : ''} | ${row.trials} | ${row.stepMs.toFixed(1)} | ${cellValue(c)} | ${ratio(c, row.mark)} | ${stacking} | ${peak} |`);
  }
  const slower = behind(r);
  lines.push('', slower.length ? `Where the engine is behind: ${slower.join('; ')}.` : 'The engine is behind in none of these figures.');
  return lines;
}

function studySummary(r: StudyReport): string[] {
  const s = r.study;
  const lines = [
    '',
    `The default study (${s.study.trials} trials x ${s.study.epochs} epochs, both data sets) end to end: seconds of training and evaluation; "engine is": the row's study seconds over the engine's (below 1: the engine is slower).`,
    '',
    '| framework | measured | seconds | study seconds | engine is | wall s | mean test accuracy |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const run of s.runs) {
    const acc = Object.entries(run.meanTestAccuracy).map(([d, a]) => `${d} ${a.toFixed(4)}`).join(', ');
    const mark = run.mark ? ` *${run.mark}*` : '';
    const framework = `${escape(run.framework)}${run.threads ? ` (${escape(run.threads)})` : ''}${run.mark ? ` **${run.mark}**` : ''}`;
    lines.push(`| ${framework} | ${run.measuredTrials} x ${run.measuredEpochs} ep | ${run.seconds.toFixed(1)} | ${run.studySeconds.toFixed(1)}${run.extrapolated ? '\\*' : ''} | ${run.engineSpeedup.toFixed(2)}x${mark} | ${run.wallSeconds.toFixed(1)} | ${acc} |`);
  }
  for (const run of s.runs.filter((x) => x.extrapolated)) lines.push('', `\\* ${escape(run.framework)}: an estimate, ${run.extrapolated} (not a measured whole study).`);
  const slower = s.runs.filter((x) => x.engineSpeedup < 1).map((x) => `${x.framework} ${x.engineSpeedup.toFixed(2)}x${x.mark ? ` (${x.mark})` : ''}`);
  lines.push('', slower.length ? `Where the engine is behind: ${slower.join('; ')}.` : 'The engine is behind in none of these figures.');
  return lines;
}

/** The whole summary.md text. */
export function perfSummary(r: PerfReport): string {
  const body = r.kind === 'steps' ? [...header(r, 'bench:perf'), ...stepsSummary(r)] : [...header(r, 'bench:perf --study'), ...studySummary(r)];
  return `${body.join('\n')}\n`;
}
