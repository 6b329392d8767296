// One study in the page: trains through the in-memory runner (the CLI's trainer and record
// keeping), shows progress, the log and the training-loss plots as they grow, then renders
// the CLI's report and files.
import type { Gpu } from '../../src/kernels/gpu.ts';
import { trialsCsv } from '../../src/bench/report/csv.ts';
import { fmtDuration } from '../../src/bench/report/format.ts';
import { lossSpec, renderSvg } from '../../src/bench/report/plots.ts';
import { renderReport, type ReportFile } from '../../src/bench/report/render.ts';
import { StudyIndex } from '../../src/bench/report/study.ts';
import { toJson } from '../../src/bench/results/json.ts';
import type { ResultsFile } from '../../src/bench/results/types.ts';
import type { StudyConfig } from '../../src/bench/study/config.ts';
import { runInMemory, type MemoryDataset, type ProgressEvent } from '../../src/bench/study/run-in-memory.ts';
import { pageEnvironment } from './environment.ts';
import { describeError, el } from './ui.ts';

export interface PageRun {
  results: ResultsFile;
  interrupted: boolean;
  /** results.json, trials.csv, then the report's files, as a CLI run writes them. */
  files: ReportFile[];
}

/** Redraws the live plots with the latest results, one drawing at a time (Vega takes tens of
 * milliseconds; epochs may come faster). A plot that fails says so in its place and never
 * stops the run. */
function livePlotter(box: HTMLElement): { show: (r: ResultsFile) => void; settled: () => Promise<void> } {
  let latest: ResultsFile | null = null;
  let drawing: Promise<void> = Promise.resolve();
  let busy = false;
  const draw = async () => {
    busy = true;
    try {
      while (latest) {
        const r = latest;
        latest = null;
        const ix = new StudyIndex(r);
        const svgs = await Promise.all(ix.datasets().map((ds) => renderSvg(lossSpec(ix, ds))));
        box.innerHTML = svgs.join('\n');
      }
    } catch (e) {
      box.textContent = `The live plot failed: ${describeError(e)}`;
    } finally {
      busy = false;
    }
  };
  return {
    show(r) {
      latest = r;
      if (!busy) drawing = draw();
    },
    settled: () => drawing,
  };
}

export async function runInPage(gpu: Gpu, config: StudyConfig, data: Record<string, MemoryDataset>, tune: boolean, stop: () => boolean): Promise<PageRun> {
  const log = el('log');
  const status = el('status');
  const bar = el<HTMLProgressElement>('bar');
  log.textContent = '';
  el('live').replaceChildren();
  const say = (line: string) => {
    log.textContent += `${line}\n`;
  };
  const started = performance.now();
  const live = livePlotter(el('live'));
  say(`adapter: ${gpu.describe()}`);
  gpu.setProfiling(false);
  gpu.setProfiling(config.profile);
  const onProgress = (p: ProgressEvent) => {
    const elapsed = (performance.now() - started) / 1000;
    bar.max = p.total;
    bar.value = p.done;
    const eta = p.done ? (elapsed * (p.total - p.done)) / p.done : NaN;
    status.textContent = `${p.dataset}: trials ${p.trials}, epoch ${p.epoch}/${p.epochs}, ${fmtDuration(elapsed)} elapsed, ETA ${fmtDuration(eta)}, mean train loss ${p.loss.toFixed(4)}`;
  };
  status.textContent = tune ? 'measuring the matmul kernels for this GPU…' : 'starting…';
  const { results, interrupted } = await runInMemory(config, { gpu, data, environment: pageEnvironment(gpu), tune, stop, log: say, progress: onProgress, partial: live.show });
  gpu.setProfiling(false);
  await live.settled();
  status.textContent = `${interrupted ? 'stopped' : 'finished'}: ${results.trials.length} of ${results.plannedTrials} trials in ${fmtDuration(results.wallSeconds)}`;
  say(status.textContent);
  const files: ReportFile[] = [
    { name: 'results.json', content: toJson(results) },
    { name: 'trials.csv', content: trialsCsv(results.trials) },
    ...(results.trials.length ? await renderReport(results) : []),
  ];
  return { results, interrupted, files };
}
