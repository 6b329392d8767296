// Where the Vulkan loader looks for drivers, and where SwiftShader's Vulkan driver lies (the
// Node side: files, environment variables, dlopen).
//
// Two users: the one-line error when a forced backend finds no adapter (driverFacts here,
// the message in no-adapter.ts: the loader, a driver, a driver file, Mesa's EGL), and the
// environment that runs Dawn's Vulkan backend on a machine without a GPU
// (vitest.vulkan.config.ts, scripts/swiftshader.ts): SwiftShader, a CPU implementation of
// Vulkan that Debian's `chromium-common` package ships in /usr/lib/chromium with its ICD
// file (vk_swiftshader_icd.json) and a copy of the Vulkan loader (libvulkan.so.1).
//
// The loader's rules (Khronos, LoaderDriverInterface.md, Linux): VK_DRIVER_FILES, or the
// older VK_ICD_FILENAMES, replaces the search with its ':'-separated list of ICD files (or
// folders of them); otherwise it reads every *.json in <dir>/vulkan/icd.d for
// $XDG_CONFIG_HOME, $XDG_CONFIG_DIRS, /etc, $XDG_DATA_HOME and $XDG_DATA_DIRS.
import { existsSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SWIFTSHADER_INSTALL, type DriverFacts } from './no-adapter.ts';

type Env = Record<string, string | undefined>;

export interface IcdSearch {
  /** The variable that replaced the search (VK_DRIVER_FILES or VK_ICD_FILENAMES), or null. */
  variable: 'VK_DRIVER_FILES' | 'VK_ICD_FILENAMES' | null;
  /** ICD files found. */
  files: string[];
  /** Paths the variable names that do not exist. */
  missing: string[];
  /** Folders the default search looked in (empty when a variable replaced it). */
  searched: string[];
}

function icdFilesIn(path: string): string[] {
  try {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path).filter((n) => n.endsWith('.json')).sort().map((n) => join(path, n));
  } catch {
    return [];
  }
}

/** The ICD files the Vulkan loader would read with this environment. */
export function vulkanIcds(env: Env = process.env, home: string = homedir()): IcdSearch {
  const variable = env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : env.VK_ICD_FILENAMES ? 'VK_ICD_FILENAMES' : null;
  if (variable) {
    const listed = env[variable]!.split(':').filter(Boolean);
    return { variable, files: listed.flatMap(icdFilesIn), missing: listed.filter((p) => !existsSync(p)), searched: [] };
  }
  const dirs = (v: string | undefined, fallback: string) => (v || fallback).split(':').filter(Boolean);
  const searched = [
    join(env.XDG_CONFIG_HOME || join(home, '.config'), 'vulkan/icd.d'),
    ...dirs(env.XDG_CONFIG_DIRS, '/etc/xdg').map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    join(env.XDG_DATA_HOME || join(home, '.local/share'), 'vulkan/icd.d'),
    ...dirs(env.XDG_DATA_DIRS, '/usr/local/share:/usr/share').map((d) => join(d, 'vulkan/icd.d')),
  ];
  const unique = [...new Set(searched)];
  return { variable: null, files: unique.flatMap(icdFilesIn), missing: [], searched: unique };
}

/** Where browsers' packages put SwiftShader's ICD file: Debian's chromium-common, Ubuntu's
 * and Fedora's chromium, Google Chrome. */
export const SWIFTSHADER_ICD_PLACES = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

/** SwiftShader's ICD file: $OPTBENCH_SWIFTSHADER_ICD, else the first of SWIFTSHADER_ICD_PLACES that exists. */
export function findSwiftShaderIcd(env: Env = process.env, places: readonly string[] = SWIFTSHADER_ICD_PLACES): string | null {
  if (env.OPTBENCH_SWIFTSHADER_ICD) return existsSync(env.OPTBENCH_SWIFTSHADER_ICD) ? env.OPTBENCH_SWIFTSHADER_ICD : null;
  return places.find((p) => existsSync(p)) ?? null;
}

export class SwiftShaderMissingError extends Error {
  override name = 'SwiftShaderMissingError';
}

/**
 * A folder holding only a link to the Vulkan loader that ships beside `icd`, for
 * LD_LIBRARY_PATH; null when none ships there (the system's loader, Debian's libvulkan1,
 * is then the one Dawn loads). Chromium's own folder would do too, but it also holds ANGLE's
 * libEGL.so and libGLESv2.so, which would then stand in for Mesa's under Dawn's OpenGL ES
 * backend in the same process.
 */
export function loaderFolderFor(icd: string, cacheBase: string): string | null {
  const loader = join(dirname(icd), 'libvulkan.so.1');
  if (!existsSync(loader)) return null;
  for (const base of [join(cacheBase, 'webgpu-optbench'), tmpdir()]) {
    const dir = join(base, `vulkan-loader-${basename(dirname(icd))}`);
    const link = join(dir, 'libvulkan.so.1');
    try {
      mkdirSync(dir, { recursive: true });
      if (existsSync(link) && readlinkSync(link) === loader) return dir;
      rmSync(link, { force: true });
      symlinkSync(loader, link);
      return dir;
    } catch {
      // A read-only cache: try the next place.
    }
  }
  return null;
}

/**
 * The environment that makes Dawn's Vulkan backend run on SwiftShader and forces it
 * (OPTBENCH_BACKEND=vulkan, so nothing falls back to another backend). LD_LIBRARY_PATH is
 * read when a process starts: give this environment to a new process, not to this one.
 * Throws SwiftShaderMissingError (one line, what to install) when the driver is absent.
 */
export function swiftShaderEnv(env: Env = process.env): Record<string, string> {
  const icd = findSwiftShaderIcd(env);
  if (!icd) {
    const where = env.OPTBENCH_SWIFTSHADER_ICD ? `OPTBENCH_SWIFTSHADER_ICD=${env.OPTBENCH_SWIFTSHADER_ICD} does not exist` : `none of ${SWIFTSHADER_ICD_PLACES.join(', ')} exists`;
    throw new SwiftShaderMissingError(`SwiftShader's Vulkan driver not found (${where}): ${SWIFTSHADER_INSTALL}, or set OPTBENCH_SWIFTSHADER_ICD to a vk_swiftshader_icd.json`);
  }
  const out: Record<string, string> = { OPTBENCH_BACKEND: 'vulkan', VK_DRIVER_FILES: icd, VK_ICD_FILENAMES: icd };
  const loaderDir = loaderFolderFor(icd, env.XDG_CACHE_HOME || join(homedir(), '.cache'));
  if (loaderDir) out.LD_LIBRARY_PATH = [loaderDir, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return out;
}

/** Whether a shared library loads (dlopen through koffi); null where koffi cannot tell. */
async function loads(lib: string): Promise<boolean | null> {
  let koffi;
  try {
    koffi = (await import('koffi')).default;
  } catch {
    return null;
  }
  try {
    koffi.load(lib);
    return true;
  } catch {
    return false;
  }
}

/** What no-adapter.ts needs to say why no adapter opened: looked at only after it failed. */
export async function driverFacts(env: Env = process.env): Promise<DriverFacts> {
  const linux = process.platform === 'linux';
  return {
    platform: process.platform,
    vulkanLoader: linux ? await loads('libvulkan.so.1') : null,
    icds: vulkanIcds(env),
    egl: linux ? await loads('libEGL.so') : null,
    eglPlatform: env.EGL_PLATFORM,
    swiftShader: findSwiftShaderIcd(env),
  };
}
