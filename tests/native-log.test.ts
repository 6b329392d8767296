// Dawn's warnings that need no action stay off stderr; everything else written to fd 2
// while a device is created still arrives; OPTBENCH_VERBOSE=1 shows all of it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { filterNativeLog, quietWarnings } from '../src/platform/native-log.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

// As Dawn (webgpu 0.6.2) writes them on a machine without a Vulkan loader, on llvmpipe.
const VULKAN = [
  "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
  '    at operator() (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/BackendVk.cpp:368)',
  '',
].join('\n');
const LIMITS = [
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.',
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.',
].join('\n');
// As Dawn writes them where the Vulkan loader is installed but no driver is (the project's
// Docker image on a CPU-only node).
const NO_DRIVER = [
  'Warning: vkCreateInstance: Found no drivers!',
  'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER',
  '    at CheckVkSuccessImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:106)',
  '',
].join('\n');
const OTHERS = [
  'Warning: Couldn\'t load Metal: something else', // another backend's failure: kept
  'Error: Device lost: the GPU was reset',
  'Validation error: Binding size (335544320) of [Buffer "tune-a"] is larger than the maximum storage buffer binding size (134217728).',
].join('\n');

describe('native log filter', () => {
  it("without a GPU: drops the Vulkan-loader and limit warnings (with the Vulkan one's location line and blank line), keeps the rest in order", () => {
    const { kept, dropped } = filterNativeLog(`${VULKAN}\n${LIMITS}\n${OTHERS}\n`, quietWarnings(false));
    expect(kept).toBe(`${OTHERS}\n`);
    expect(dropped).toHaveLength(3);
  });

  it('without a GPU: drops the loader-without-driver messages too (three lines and the blank one)', () => {
    const { kept, dropped } = filterNativeLog(`${NO_DRIVER}\n${LIMITS}\n${OTHERS}\n`, quietWarnings(false));
    expect(kept).toBe(`${OTHERS}\n`);
    expect(dropped).toHaveLength(4);
  });

  it('with a GPU device node, a missing driver needs action (its ICD): those warnings stay', () => {
    expect(filterNativeLog(`${NO_DRIVER}\n${OTHERS}\n`, quietWarnings(true)).kept).toBe(`${NO_DRIVER}\n${OTHERS}\n`);
  });

  it('with a GPU device node, a missing Vulkan loader needs action: that warning stays', () => {
    expect(filterNativeLog(`${VULKAN}\n${LIMITS}\n${OTHERS}\n`, quietWarnings(true)).kept).toBe(`${VULKAN}\n${OTHERS}\n`);
  });

  it('keeps text that only resembles a quiet warning', () => {
    const text = 'note: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n    indented line of another message\n';
    expect(filterNativeLog(text, quietWarnings(false)).kept).toBe(text);
  });

  it('leaves text without quiet warnings untouched', () => {
    for (const t of ['', '\n', 'a\n\nb', `${OTHERS}\n`]) expect(filterNativeLog(t, quietWarnings(false)).kept).toBe(t);
  });
});

/** Runs a snippet in a fresh Node with stderr piped (not a terminal). */
function runNode(code: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (c) => resolve({ code: c, stderr })));
}

describe('fd 2 while a device is created', () => {
  // Written to fd 2 directly (as native code does), between two writes of Node's own. (The
  // Vulkan-loader warning is left out: whether it is quiet depends on the machine.)
  const snippet = `
    import { writeSync } from 'node:fs';
    import './src/platform/node.ts';
    import { quietNativeLog } from './src/platform/native-log.ts';
    process.stderr.write('before\\n');
    const v = await quietNativeLog(async () => { writeSync(2, ${JSON.stringify(`${LIMITS}\n${OTHERS}\n`)}); return 42; });
    process.stderr.write('after ' + v + '\\n');
    await quietNativeLog(async () => { writeSync(2, 'Error: thrown after this\\n'); throw new Error('creation failed'); }).catch((e) => process.stderr.write(e.message + '\\n'));
    process.stderr.write('end\\n');`;

  it('reaches stderr without the quiet warnings, in order, also when creation throws', async () => {
    const r = await runNode(snippet, { OPTBENCH_VERBOSE: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`before\n${OTHERS}\nafter 42\nError: thrown after this\ncreation failed\nend\n`);
  });

  it('OPTBENCH_VERBOSE=1 shows everything', async () => {
    const r = await runNode(snippet, { OPTBENCH_VERBOSE: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`before\n${LIMITS}\n${OTHERS}\nafter 42\nError: thrown after this\ncreation failed\nend\n`);
  });

  it("a real device opens without Dawn's quiet warnings on stderr", async () => {
    const r = await runNode(`
      import './src/platform/node.ts';
      import { openDevice } from './src/kernels/device.ts';
      const d = await openDevice();
      process.stderr.write('opened\\n');
      d.device.destroy();
      process.exit(0);`, { OPTBENCH_VERBOSE: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('opened\n');
    // Whatever else this backend prints, none of it is a warning the filter knows.
    for (const line of r.stderr.split('\n')) for (const re of quietWarnings()) expect(line).not.toMatch(re);
  });
});

/** A Vulkan loader (libvulkan.so.1) to put in front of Dawn: the system's, the one CI unpacks
 * (.ci/run), or Chromium's; null where there is none. */
function vulkanLoader(): string | null {
  const places = [process.env.OPTBENCH_TEST_VULKAN_LOADER, '/opt/vulkan-loader/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/chromium/libvulkan.so.1'];
  return places.find((p): p is string => !!p && existsSync(p)) ?? null;
}

describe('the Vulkan loader without a driver', () => {
  const loader = vulkanLoader();
  // CI unpacks Debian's libvulkan1 for this test (.ci/run); elsewhere it needs one of the places above.
  it.runIf(loader !== null)(`is quiet where there is no GPU, and shown with OPTBENCH_VERBOSE=1 (loader ${loader})`, async () => {
    // A folder with the loader alone (Chromium's folder also holds an EGL that is not Mesa's).
    const dir = mkdtempSync(join(tmpdir(), 'optbench-vulkan-'));
    symlinkSync(loader!, join(dir, 'libvulkan.so.1'));
    // No driver: the loader finds no ICD file.
    const env = { LD_LIBRARY_PATH: dir, VK_DRIVER_FILES: join(dir, 'none.json'), VK_ICD_FILENAMES: join(dir, 'none.json') };
    const code = `
      import './src/platform/node.ts';
      import { Gpu } from './src/kernels/gpu.ts';
      const g = await Gpu.open();
      process.stderr.write('opened\\n');
      g.destroy();
      process.exit(0);`;
    try {
      const verbose = await runNode(code, { ...env, OPTBENCH_VERBOSE: '1' });
      expect(verbose.code, verbose.stderr).toBe(0);
      expect(verbose.stderr).toContain('Warning: vkCreateInstance: Found no drivers!'); // the case this test is about
      const quiet = await runNode(code, { ...env, OPTBENCH_VERBOSE: '' });
      expect(quiet.code, quiet.stderr).toBe(0);
      // Quiet without a GPU device node; with one, a missing driver needs action and shows.
      const gpuNode = existsSync('/dev/nvidia0') || existsSync('/dev/kfd') || (existsSync('/dev/dri') && readdirSync('/dev/dri').some((n) => n.startsWith('renderD')));
      expect(quiet.stderr.includes('vkCreateInstance'), quiet.stderr).toBe(gpuNode);
      expect(quiet.stderr).toContain('opened\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
