// With the Vulkan loader at hand (this leg's LD_LIBRARY_PATH) but the driver missing, the
// entry points stop before any work with one line naming what is missing, exit code 3: the
// Vulkan loader's own messages ("Found no drivers!") are held back, not printed around it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench, runScript } from '../helpers/cli.ts';
import { useTempDirs } from '../helpers/temp.ts';

const tmp = useTempDirs('missing-driver');

/** Both variables at `value` (VK_DRIVER_FILES wins where both are read). */
const drivers = (value: string) => ({ VK_DRIVER_FILES: value, VK_ICD_FILENAMES: value });

async function benchLine(env: Record<string, string>): Promise<string> {
  const out = join(tmp(), 'run');
  const r = await runBench(['--preset', 'quick', '--backend', 'vulkan', '--out', out], env);
  expect(r.code, r.stderr).toBe(3);
  expect(existsSync(out)).toBe(false);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0];
}

describe('--backend vulkan without a usable driver', () => {
  it('a driver file that is not there: names the variable and the file', async () => {
    const missing = join(tmp(), 'nvidia_icd.json');
    expect(await benchLine(drivers(missing))).toBe(
      `bench: no WebGPU adapter for backend 'vulkan': VK_DRIVER_FILES names ${missing}, which does not exist: point it at a driver's ICD file (nvidia_icd.json, vk_swiftshader_icd.json, ...)`,
    );
  });

  it('no driver at all: says where the loader looked and what to install', async () => {
    const empty = tmp();
    const line = await benchLine(drivers(empty));
    expect(line).toMatch(/^bench: no WebGPU adapter for backend 'vulkan': the Vulkan loader found no driver \(VK_DRIVER_FILES lists no ICD file\): install the GPU's Vulkan driver/);
    expect(line).toContain("without a GPU, run on SwiftShader's Vulkan driver (installed: ");
  });

  it('a driver whose library does not load: names its file', async () => {
    const d = tmp();
    mkdirSync(join(d, 'icd.d'));
    const icd = join(d, 'icd.d', 'broken_icd.json');
    writeFileSync(icd, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: join(d, 'libnothing.so'), api_version: '1.0.5' } }));
    expect(await benchLine(drivers(join(d, 'icd.d')))).toMatch(/^bench: no WebGPU adapter for backend 'vulkan': the Vulkan driver broken_icd\.json gave Dawn no adapter/);
  });

  it('bench:kernels says the same in one line', async () => {
    const missing = join(tmp(), 'gone.json');
    const r = await runScript('src/bench/perf/kernels-bench.ts', ['--backend', 'vulkan'], drivers(missing));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([`bench:kernels: no WebGPU adapter for backend 'vulkan': VK_DRIVER_FILES names ${missing}, which does not exist: point it at a driver's ICD file (nvidia_icd.json, vk_swiftshader_icd.json, ...)`]);
  });
});
