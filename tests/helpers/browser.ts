// The web page under test: built with Vite as `npm run build:web` builds it, served over HTTP
// by a small static server, opened in Debian's Chromium (headless, WebGPU on SwiftShader
// where there is no GPU) through playwright-core, which downloads no browser of its own.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the browser tests keep what a person wants to look at after CI (screenshots, the
 * files the page offered): test-artifacts/web-page/ in the checkout, ignored by git. */
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'web-page');

/** Debian's chromium package; OPTBENCH_CHROMIUM names another. */
export const CHROMIUM = process.env.OPTBENCH_CHROMIUM ?? '/usr/bin/chromium';

/** Without these Chromium reaches for the network (updates, sync, QUIC probes), which a
 * closed CI network answers with a flood of errors. */
const QUIET = ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps'];

/** Builds the page into a fresh temporary folder (the build's own output folder stays
 * untouched); resolves to that folder. */
export async function buildPage(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'optbench-web-'));
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(ROOT, 'web/vite.config.ts'), '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`vite build failed (exit ${code}):\n${log}`);
  return out;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.gz': 'application/gzip', '.svg': 'image/svg+xml' };

/** Serves `dir` on 127.0.0.1 (a secure context: WebGPU needs one). */
export async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    readFile(file).then(
      (body) => {
        res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        res.end(body);
      },
      () => {
        res.statusCode = 404;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Headless Chromium with WebGPU (`webgpu: false`: without --enable-unsafe-webgpu, which
 * Linux builds need for WebGPU, so the page meets a browser that gives no adapter). */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set OPTBENCH_CHROMIUM to a Chromium binary)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // playwright gives every launch a fresh profile (--user-data-dir in a temporary folder).
    args: ['--headless=new', '--no-sandbox', ...(options.webgpu === false ? [] : ['--enable-unsafe-webgpu']), ...QUIET],
  });
}

/** A fresh artifacts folder for this run of the tests. */
export function freshArtifacts(): string {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}
