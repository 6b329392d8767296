// The page: opens this device's GPU through WebGPU, offers the study form and the spec box,
// and runs what the visitor asks. Every failure becomes a message in the page (ui.ts), from
// a browser without WebGPU to a file that is not IDX or a spec whose WGSL does not compile.
import '../../src/platform/browser.ts';
import { GpuDeviceLostError } from '../../src/kernels/errors.ts';
import { Gpu } from '../../src/kernels/gpu.ts';
import { ConfigError } from '../../src/bench/study/config.ts';
import type { MemoryDataset } from '../../src/bench/study/run-in-memory.ts';
import { addPastedSpec, EXAMPLE_SPEC } from './custom-spec.ts';
import { loadManifest, loadOwnFiles, loadServed, type ManifestEntry } from './data.ts';
import { fillDatasets, fillOptimizers, fillPresets, OWN, prefill, studyOf } from './form.ts';
import { showResults } from './results-view.ts';
import { runInPage } from './run.ts';
import { clearMessage, describeError, el, setState, showMessage } from './ui.ts';

const NO_WEBGPU =
  'This browser has no WebGPU, which the benchmark runs on. Use a browser that has it: Chrome or Edge 113 or later, ' +
  'Safari 26 or later, Firefox 141 or later on Windows (on Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu). ' +
  'Or run the same benchmark from the command line: npm run bench.';

const form = el<HTMLFormElement>('study');
const runButton = el<HTMLButtonElement>('run');
const stopButton = el<HTMLButtonElement>('stop');
const checkButton = el<HTMLButtonElement>('check-spec');
const base = new URL('.', document.baseURI);
/** Names of the optimizers pasted and checked in this tab. */
const pasted = new Set<string>();
let gpu: Gpu | null = null;
let served: ManifestEntry[] = [];
let stopAsked = false;

// Whatever escapes a handler still reaches the visitor.
window.addEventListener('error', (ev) => showMessage(describeError(ev.error ?? ev.message)));
window.addEventListener('unhandledrejection', (ev) => showMessage(describeError(ev.reason)));

async function openGpu(): Promise<Gpu> {
  if (gpu) return gpu;
  // Timestamps as the browser gives them (a page cannot ask Dawn for exact ones); the
  // browser always clamps shader indices, so results.json says so.
  gpu = await Gpu.open({ backend: 'auto', exactTimestamps: false, boundsChecks: true });
  const profile = form.elements.namedItem('profile') as HTMLInputElement;
  profile.disabled = !gpu.hasTimestamps;
  el('profile-note').textContent = gpu.hasTimestamps ? '(timestamp queries; they slow training, see the report)' : '(this adapter has no timestamp queries)';
  el('adapter').textContent = `GPU: ${gpu.describe()}`;
  return gpu;
}

async function studyData(datasets: string[]): Promise<Record<string, MemoryDataset>> {
  const out: Record<string, MemoryDataset> = {};
  for (const d of datasets) {
    if (d === OWN) {
      const files = [...(el<HTMLInputElement>('own-files').files ?? [])];
      out[d] = await loadOwnFiles(await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) }))));
    } else {
      const entry = served.find((e) => e.name === d);
      if (!entry) throw new ConfigError(`data set '${d}' is not served beside this page`);
      out[d] = await loadServed(base, entry);
    }
  }
  return out;
}

async function run(): Promise<void> {
  clearMessage();
  const { config, tune } = studyOf(form);
  const data = await studyData(config.datasets);
  const g = await openGpu();
  stopAsked = false;
  runButton.disabled = checkButton.disabled = true;
  stopButton.disabled = false;
  el('progress').hidden = false;
  setState('running');
  try {
    const done = await runInPage(g, config, data, tune, () => stopAsked);
    showResults(done.files);
    if (done.interrupted) showMessage(`Stopped: the results hold the ${done.results.trials.length} trials that finished.`, 'note');
  } catch (e) {
    // A lost device (driver reset, a timeout) is opened afresh for the next run.
    if (e instanceof GpuDeviceLostError) gpu = null;
    throw e;
  } finally {
    runButton.disabled = checkButton.disabled = false;
    stopButton.disabled = true;
    setState('done');
  }
}

async function checkSpec(): Promise<void> {
  clearMessage();
  const result = el('spec-result');
  result.textContent = 'checking…';
  result.className = '';
  checkButton.disabled = runButton.disabled = true;
  try {
    const { spec, check } = await addPastedSpec(await openGpu(), el<HTMLTextAreaElement>('spec').value, pasted);
    result.textContent = `${spec.name}: ${check.message}`;
    result.className = check.ok ? 'pass' : 'fail';
    fillOptimizers(el('optimizers'), check.ok ? [spec.name] : []);
  } catch (e) {
    result.textContent = describeError(e);
    result.className = 'fail';
    fillOptimizers(el('optimizers'));
  } finally {
    checkButton.disabled = runButton.disabled = false;
  }
}

function guarded(fn: () => Promise<void>): () => void {
  return () => {
    fn().catch((e: unknown) => {
      showMessage(describeError(e));
      if (document.body.dataset.state === 'running') setState('done');
    });
  };
}

async function boot(): Promise<void> {
  fillPresets(el<HTMLSelectElement>('preset'));
  fillOptimizers(el('optimizers'));
  el<HTMLTextAreaElement>('spec').value = EXAMPLE_SPEC;
  served = (await loadManifest(base)).datasets;
  fillDatasets(el('datasets'), served);
  prefill(form, new URLSearchParams(location.search));
  const ownBox = form.querySelector<HTMLInputElement>('input[name="dataset"][value="own"]')!;
  const syncOwn = () => (el('own-files-label').hidden = !ownBox.checked);
  ownBox.addEventListener('change', syncOwn);
  syncOwn();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    guarded(run)();
  });
  stopButton.addEventListener('click', () => {
    stopAsked = true;
    stopButton.disabled = true;
  });
  checkButton.addEventListener('click', guarded(checkSpec));
  if (!('gpu' in navigator) || !navigator.gpu) {
    el('adapter').textContent = 'No WebGPU in this browser.';
    showMessage(NO_WEBGPU);
    setState('error');
    return;
  }
  try {
    await openGpu();
  } catch (e) {
    el('adapter').textContent = 'No WebGPU adapter.';
    showMessage(describeError(e));
    setState('error');
    return;
  }
  runButton.disabled = checkButton.disabled = false;
  setState('ready');
}

boot().catch((e: unknown) => {
  showMessage(describeError(e));
  setState('error');
});
