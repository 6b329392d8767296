// The web page in headless Chromium (Debian's chromium: WebGPU on SwiftShader where there is
// no GPU): it trains a small study on the data served beside it and gets the Node engine's
// numbers for the same seeds, renders the report's plots, checks a pasted optimizer spec, and
// turns bad input into a message. Screenshots and the page's files are kept in
// test-artifacts/web-page/ (tests/helpers/browser.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDX_IMAGES, IDX_LABELS, parseIdx } from '../src/bench/data/idx.ts';
import type { ResultsFile, TrialRecord } from '../src/bench/results/types.ts';
import type { StudyConfig } from '../src/bench/study/config.ts';
import { runInMemory, type MemoryDataset } from '../src/bench/study/run-in-memory.ts';
import type { Manifest } from '../web/src/data.ts';
import { buildPage, freshArtifacts, launchChromium, serve } from './helpers/browser.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();
let dist = '';
let site: { url: string; close: () => Promise<void> } | null = null;
let browser: Browser | null = null;
let artifacts = '';

beforeAll(async () => {
  artifacts = freshArtifacts();
  dist = await buildPage();
  site = await serve(dist);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** The page at `query`, once it is ready (or has given up: no WebGPU). */
async function open(query = '', b: Browser = browser!): Promise<Page> {
  const page = await b.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site!.url}${query}`);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 0 });
  expect(errors, 'uncaught errors in the page').toEqual([]);
  return page;
}

/** Clicks the page's download link of `name`; keeps the file in the artifacts as `keepAs`. */
async function download(page: Page, name: string, keepAs = name): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 0 }), page.click(`a[download="${name}"]`)]);
  const path = join(artifacts, keepAs);
  await dl.saveAs(path);
  return readFileSync(path, 'utf8');
}

/** The served subset of a data set, read here without the page's code. */
function servedData(name: string): MemoryDataset {
  const manifest = JSON.parse(readFileSync(join(dist, 'data/manifest.json'), 'utf8')) as Manifest;
  const e = manifest.datasets.find((d) => d.name === name)!;
  const idx = (path: string, magic: number) => parseIdx(gunzipSync(readFileSync(join(dist, path))), path, magic);
  const split = (images: string, labels: string) => {
    const x = idx(images, IDX_IMAGES);
    return { images: x.data, labels: idx(labels, IDX_LABELS).data, count: x.dims[0], rows: x.dims[1], cols: x.dims[2] };
  };
  return { train: split(e.files.trainImages, e.files.trainLabels), test: split(e.files.testImages, e.files.testLabels), source: e.source };
}

/**
 * SwiftShader (in Chromium) and llvmpipe (Dawn in Node) run the same kernels but sum in
 * different orders, so float32 results part in the last bits and a few steps of training
 * carry that along: losses agree to 1e-4 relative (a wrong kernel misses by 1e-2 or more).
 * An accuracy counts whole images: a logit near a tie may flip one image either way.
 */
function expectSameTrial(page: TrialRecord, node: TrialRecord, rows: { train: number; validation: number; test: number }): void {
  const loss = (a: number | null, b: number | null, what: string) => {
    expect(a, what).not.toBeNull();
    expect(Math.abs(a! - b!), `${what}: page ${a}, node ${b}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(b!)));
  };
  const acc = (a: number | null, b: number | null, n: number, what: string) => expect(Math.abs(a! - b!), `${what}: page ${a}, node ${b}`).toBeLessThanOrEqual(1.5 / n);
  expect(page.epochs).toHaveLength(node.epochs.length);
  page.epochs.forEach((e, i) => {
    const n = node.epochs[i];
    loss(e.trainLoss, n.trainLoss, `${page.id} epoch ${i + 1} training loss`);
    loss(e.valLoss, n.valLoss, `${page.id} epoch ${i + 1} validation loss`);
    acc(e.trainAccuracy, n.trainAccuracy, rows.train, `${page.id} epoch ${i + 1} training accuracy`);
    acc(e.valAccuracy, n.valAccuracy, rows.validation, `${page.id} epoch ${i + 1} validation accuracy`);
  });
  loss(page.testLoss, node.testLoss, `${page.id} test loss`);
  acc(page.testAccuracy, node.testAccuracy, rows.test, `${page.id} test accuracy`);
}

describe('the web page in headless Chromium', () => {
  it('trains 2 optimizers x 2 seeds (x 2 modes) to the Node engine\'s losses, with the report, its plots, per-kernel timings and the files', async () => {
    // 128 training images in batches of 32: 4 steps an epoch, 2 epochs; the kernels' defaults
    // (tune=0), per-kernel timings on (SwiftShader in Chromium has timestamp queries).
    const query = '?datasets=mnist&optimizers=sgd,adam&regs=default,dropout&seeds=36549,13790&epochs=2&batch=32&train-samples=128&validation=64&sizes=784,16,10&tune=0&profile=1';
    const page = await open(query);
    expect(await page.textContent('#adapter')).toMatch(/^GPU: .* \| backend browser \(core\) \| .* \| timing: timestamp-query$/);
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.state === 'done', null, { timeout: 0 });
    expect(await page.isHidden('#message'), (await page.textContent('#message')) ?? '').toBe(true);
    await page.screenshot({ path: join(artifacts, 'study.png'), fullPage: true });

    const results = JSON.parse(await download(page, 'results.json')) as ResultsFile;
    const csv = await download(page, 'trials.csv');
    const c = results.config as unknown as StudyConfig;
    expect([c.datasets, c.optimizers, c.regs, c.seeds, c.epochs, c.batch, c.trainSamples, c.validation, c.sizes]).toEqual([['mnist'], ['sgd', 'adam'], ['default', 'dropout'], [36549, 13790], 2, 32, 128, 64, [784, 16, 10]]);
    expect(results.complete).toBe(true);
    expect(results.environment.platform).toMatch(/^web page: .*HeadlessChrome/);
    expect(csv.trim().split('\n')).toHaveLength(1 + 8 * 2); // a row per trial and epoch

    // The Node engine, on the same data (the files the page was served), same configuration.
    const node = await runInMemory(c, { gpu: gpu(), data: { mnist: servedData('mnist') }, environment: results.environment, tune: false });
    expect(results.trials.map((t) => t.id)).toEqual(node.results.trials.map((t) => t.id));
    results.trials.forEach((t, i) => expectSameTrial(t, node.results.trials[i], { train: 128, validation: 64, test: 2000 }));

    // Per-kernel timings from timestamp queries, in results.json and in the report.
    expect(results.kernels?.source).toBe('timestamp-query');
    const kernels = results.kernels!.rows.map((r) => r.kernel);
    for (const k of ['update_sgd', 'update_adam', 'softmax_ce']) expect(kernels.some((n) => n.startsWith(k)), `${k} in ${kernels}`).toBe(true);

    // The report's plots: a line per model (optimizer x mode) in the loss plot, a point per
    // trial in the accuracy plot, a bar per model in the time plot; the live loss plot too.
    // (Critical-difference diagrams, when the ranking has a test, are figures of their own.)
    const report = page.frameLocator('#report');
    const svgs = report.locator('figure', { hasNotText: 'Critical-difference diagram' }).locator('svg');
    expect(await svgs.count()).toBe(3);
    const lines = svgs.nth(0).locator('g.mark-line.role-mark path');
    expect(await lines.count()).toBe(4);
    for (const d of await lines.evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''))) expect(d).toMatch(/^M[\d.,-]+L[\d.,-]+/);
    expect(await svgs.nth(1).locator('g.mark-symbol.role-mark path').count()).toBe(8);
    expect(await svgs.nth(2).locator('g.mark-rect.role-mark path').count()).toBeGreaterThanOrEqual(4);
    expect(await report.locator('body').textContent()).toContain('Per-kernel GPU time');
    expect(await page.locator('#live svg g.mark-line.role-mark path').count()).toBe(4);
    for (const name of ['tables.md', 'index.html', 'loss-mnist.svg', 'accuracy-mnist.svg', 'time-mnist.svg']) expect(await page.locator(`a[download="${name}"]`).count(), name).toBe(1);
    await page.close();
  });

  it('checks a pasted spec against its reference: Lion passes and joins the optimizers; a WGSL typo and a wrong reference are named', async () => {
    const page = await open();
    const check = async (text: string) => {
      await page.fill('#spec', text);
      await page.click('#check-spec');
      await page.waitForFunction(() => !['', 'checking…'].includes(document.getElementById('spec-result')!.textContent ?? ''), null, { timeout: 0 });
      return (await page.textContent('#spec-result'))!;
    };
    const lion = (await page.inputValue('#spec')).replace("name: 'lion'", "name: 'lion2'");
    expect(await check(lion)).toMatch(/^lion2: kernel and reference agree over 25 steps/);
    expect(await page.locator('#optimizers input[value="lion2"]').isChecked()).toBe(true);

    expect(await check(lion.replace('p = p - lr * (sign(c) + wd * p);', 'p = p - lr * (sgn(c) + wd * p);'))).toMatch(/^lion2: its wgsl does not compile: line 3:\d+ of its wgsl: .*sgn/);
    await page.screenshot({ path: join(artifacts, 'spec-compile-error.png'), fullPage: true });
    // A failed spec under a name pasted before replaces it, so lion2 is gone.
    expect(await page.locator('#optimizers input[value="lion2"]').count()).toBe(0);
    expect(await check(lion.replace('s.m = h.beta2 * s.m', 's.m = h.beta1 * s.m'))).toMatch(/^lion2: \d+ of \d+ values of m fail; the first: m at step 2, element \d+ \(case defaults, g = /);
    expect(await check('{ name: "x" }')).toMatch(/^the spec lacks description .*, slots .*, hyper .*, wgsl .*, reference/);
    expect(await check('export default {')).toMatch(/^the spec is not valid JavaScript/);
    expect(await check(lion.replace("name: 'lion2'", "name: 'adam'"))).toBe("'adam' is a built-in optimizer; give the spec another name");
    await page.close();
  });

  it("bad input is a message in the page (a file that is not IDX, the wrong number of files, a bad seed list); the visitor's own four files train", async () => {
    const page = await open('?datasets=own&optimizers=sgd&seeds=1&epochs=1&batch=32&train-samples=64&validation=0&sizes=784,8,10&tune=0');
    const message = async () => {
      await page.waitForSelector('#message:not([hidden])');
      return (await page.textContent('#message'))!;
    };
    const served = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((name) => ({ name, mimeType: 'application/gzip', buffer: readFileSync(join(dist, 'data/mnist', name)) }));
    await page.setInputFiles('#own-files', [...served.slice(0, 3), { name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('PK\u0003\u0004 a zip, not IDX') }]);
    await page.click('#run');
    expect(await message()).toMatch(/^notes\.zip is not an IDX file \(wrong magic number 0x504b0304.*\); choose the four IDX files of a data set/);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
    await page.screenshot({ path: join(artifacts, 'not-idx.png'), fullPage: true });

    await page.setInputFiles('#own-files', served.slice(0, 2));
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('2 files'));
    expect(await message()).toMatch(/^2 files chosen; choose the four IDX files/);

    await page.fill('input[name="seeds"]', '1,,2');
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('message')!.textContent!.includes('empty entry'));
    expect(await message()).toBe("--seeds '1,,2' has an empty entry; separate entries with single commas");

    // The four files right: the study trains on them, named as the visitor's own.
    await page.fill('input[name="seeds"]', '1');
    await page.setInputFiles('#own-files', served);
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.state === 'done', null, { timeout: 0 });
    expect(await page.isHidden('#message'), (await page.textContent('#message')) ?? '').toBe(true);
    const results = JSON.parse(await download(page, 'results.json', 'own-files-results.json')) as ResultsFile;
    expect(results.config.datasets).toEqual(['own']);
    expect(results.config.dataDir).toBeNull();
    expect(results.trials.map((t) => [t.id, Number.isFinite(t.testLoss)])).toEqual([['own/sgd/default/1', true]]);
    await page.close();
  });

  it('a browser without WebGPU, or with WebGPU but no adapter, gets a message saying what to do, and no run button', async () => {
    const page = await browser!.newPage();
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
    await page.goto(site!.url);
    await page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 0 });
    expect(await page.textContent('#message')).toMatch(/^This browser has no WebGPU, which the benchmark runs on\. Use a browser that has it: Chrome or Edge 113/);
    expect(await page.isDisabled('#run')).toBe(true);
    await page.screenshot({ path: join(artifacts, 'no-webgpu.png'), fullPage: true });
    await page.close();

    const plain = await launchChromium({ webgpu: false });
    try {
      const p = await plain.newPage();
      await p.goto(site!.url);
      await p.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 0 });
      expect(await p.textContent('#message')).toMatch(/^no WebGPU adapter in this browser: This browser has WebGPU but gave no adapter/);
      expect(await p.isDisabled('#run')).toBe(true);
    } finally {
      await plain.close();
    }
  });
});

