// The one-line error when no WebGPU adapter opens: for a forced backend, what is missing
// (the Vulkan loader, a Vulkan driver, the driver file a variable names, Mesa's EGL) and
// how to install it. The facts are gathered only after opening failed; the message is a
// pure function of them, so every case is tested without the machine it describes.
import { basename } from 'node:path';
import type { BackendName } from './device.ts';
import { findSwiftShaderIcd, SWIFTSHADER_INSTALL, vulkanIcds, type IcdSearch } from './vulkan-drivers.ts';

export interface DriverFacts {
  platform: NodeJS.Platform;
  /** Whether libvulkan.so.1 loads (Linux); null where unknown. */
  vulkanLoader: boolean | null;
  icds: IcdSearch;
  /** Whether libEGL.so, which Dawn's OpenGL ES backend opens, loads (Linux); null where unknown. */
  egl: boolean | null;
  /** SwiftShader's ICD file, where one is installed. */
  swiftShader: string | null;
}

const MESA = 'apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libegl-dev';

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

export async function driverFacts(): Promise<DriverFacts> {
  const linux = process.platform === 'linux';
  return {
    platform: process.platform,
    vulkanLoader: linux ? await loads('libvulkan.so.1') : null,
    icds: vulkanIcds(),
    egl: linux ? await loads('libEGL.so') : null,
    swiftShader: findSwiftShaderIcd(),
  };
}

function swiftShaderHint(f: DriverFacts): string {
  return f.swiftShader
    ? `without a GPU, run on SwiftShader's Vulkan driver (installed: ${f.swiftShader}): npm run swiftshader -- COMMAND`
    : `without a GPU, SwiftShader's Vulkan driver: ${SWIFTSHADER_INSTALL}, then npm run swiftshader -- COMMAND`;
}

function vulkanReason(f: DriverFacts): string {
  if (f.platform === 'darwin') return 'Dawn has no Vulkan backend on macOS; use metal';
  if (f.platform !== 'linux') return "install the GPU's Vulkan driver";
  if (f.vulkanLoader === false) return `Dawn could not load the Vulkan loader libvulkan.so.1: apt-get install libvulkan1, and a Vulkan driver; ${swiftShaderHint(f)}`;
  const { variable, files, missing, searched } = f.icds;
  if (missing.length) return `${variable} names ${missing.join(', ')}, which does not exist: point it at a driver's ICD file (nvidia_icd.json, vk_swiftshader_icd.json, ...)`;
  if (files.length === 0) {
    const where = variable ? `${variable} lists no ICD file` : `no ICD file in ${searched.join(', ')}`;
    return `the Vulkan loader found no driver (${where}): install the GPU's Vulkan driver (NVIDIA: set VK_DRIVER_FILES to the driver's nvidia_icd.json; AMD, Intel: apt-get install mesa-vulkan-drivers); ${swiftShaderHint(f)}`;
  }
  return (
    `the Vulkan driver${files.length > 1 ? 's' : ''} ${files.map((p) => basename(p)).join(', ')} gave Dawn no adapter ` +
    `(Mesa's lavapipe lacks features Dawn needs; a GPU's driver needs its device node, /dev/nvidia0 or /dev/dri/renderD*); ${swiftShaderHint(f)}`
  );
}

function openglReason(f: DriverFacts): string {
  if (f.platform !== 'linux') return "Dawn's OpenGL ES backend runs on Linux only (EGL)";
  if (f.egl === false) return `Dawn could not load libEGL.so: ${MESA}`;
  return `EGL found no device (EGL_PLATFORM=${process.env.EGL_PLATFORM ?? 'unset'}): for Mesa's llvmpipe, ${MESA}`;
}

/** The one-line reason a forced backend (or 'auto') opened no adapter. */
export function noAdapterMessage(backend: BackendName, f: DriverFacts): string {
  const head = `no WebGPU adapter for backend '${backend}'`;
  switch (backend) {
    case 'vulkan':
      return `${head}: ${vulkanReason(f)}`;
    case 'opengles':
    case 'opengl':
      return `${head}: ${openglReason(f)}`;
    case 'metal':
      return `${head}: ${f.platform === 'darwin' ? 'Metal offered no device' : 'Metal exists only on macOS'}`;
    case 'd3d12':
      return `${head}: ${f.platform === 'win32' ? 'D3D12 offered no device (install the GPU driver)' : 'D3D12 exists only on Windows'}`;
    case 'auto':
      return (
        `${head} (the native backend, then OpenGL ES): on a Linux machine without a GPU install Mesa: ${MESA} ` +
        `(then the OpenGL ES fallback runs on llvmpipe); on a GPU machine install its Vulkan driver and libvulkan1; or force a backend with --backend or OPTBENCH_BACKEND`
      );
  }
}
