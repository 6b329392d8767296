// A run of implausible size on a terminal: the question, and the answers. `script` (util-linux,
// in every Debian) gives the command a terminal and types the answer.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keepShaderCache } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tmp = useTempDirs('confirm')();

/** The benchmark with `args` on a terminal, `answer` typed at its question; what the terminal showed. */
function onTerminal(args: string[], answer: string): Promise<{ code: number | null; screen: string }> {
  const command = ['node', '--import', 'tsx', 'src/bench/cli.ts', ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...keepShaderCache({ XDG_CACHE_HOME: join(tmp, 'cache') }) }, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (d) => {
    screen += d;
    if (screen.includes('[y/N]')) child.stdin.end(`${answer}\n`);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, screen })));
}

describe('implausible sizes on a terminal', () => {
  const huge = ['--epochs', '1e9', '--datasets', 'mnist', '--data-dir', join(tmp, 'no-data')];

  it('asks; no (or anything but yes) starts nothing and leaves nothing', async () => {
    const out = join(tmp, 'declined');
    const r = await onTerminal([...huge, '--out', out], 'n');
    expect(r.screen).toMatch(/this run trains 120 trials x 1,000,000,000 epochs x 50,000 images, 50,000,000 times the reference study \(240 trials x 10 epochs x 50,000 images\)\. Start it\? \[y\/N\]/);
    expect(r.screen).toContain('bench: not started (add --yes to start such a run without this question)');
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('yes goes on to the next checks (here: the data, which is missing)', async () => {
    const out = join(tmp, 'accepted');
    const r = await onTerminal([...huge, '--out', out], 'yes');
    expect(r.screen).toMatch(/bench: data directory .*no-data \(--data-dir\) has no complete MNIST/);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
