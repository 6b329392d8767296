// bin/optbench.js, the package's command: the CLI in the process that was started (no
// wrapper that relays signals and kills its child), so Ctrl-C sent to that process stops the
// run cleanly, and what to type next names optbench. (tests/package.test.ts runs it from an
// installed package.)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keepShaderCache, ownErrors } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tmp = useTempDirs('bin')();

describe('bin/optbench.js', () => {
  it('Ctrl-C sent to the optbench process stops after the current step, saves what finished and says how to resume', async () => {
    const out = join(tmp, 'run');
    // Four one-by-one trials of a few seconds each: the signal comes after the first.
    const args = ['--preset', 'quick', '--optimizer-file', 'examples/lion.ts', '--optimizers', 'adam,lion', '--regs', 'default', '--seed-count', '2', '--epochs', '4', '--train-samples', '10000', '--validation', '1000', '--trials-at-once', '1', '--out', out];
    const child = spawn(process.execPath, ['bin/optbench.js', ...args], { cwd: ROOT, env: { ...process.env, ...keepShaderCache({ XDG_CACHE_HOME: join(tmp, 'cache') }) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!signalled && /^trial mnist\//m.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(signalled, stderr).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('stopping after the current step');
    expect(ownErrors(stderr)).toEqual([]);
    expect(stderr).toMatch(new RegExp(`^stopped: [123] of 4 trials finished; continue with: npx optbench --resume ${out}$`, 'm'));
    const journal = readFileSync(join(out, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"type":"trial"');
  });
});
