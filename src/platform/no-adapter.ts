// The one-line error when no WebGPU adapter opens: for a forced backend, what is missing
// (the Vulkan loader, a Vulkan driver, the driver file a variable names, Mesa's EGL) and
// how to install it. A pure function of facts gathered only after opening failed (Node
// side: driverFacts in vulkan-drivers.ts), so every case is tested without the machine it
// describes, and this module imports nothing of Node.
import type { BackendName } from '../kernels/device.ts';
import type { IcdSearch } from './vulkan-drivers.ts';

export interface DriverFacts {
  platform: string;
  /** Whether libvulkan.so.1 loads (Linux); null where unknown. */
  vulkanLoader: boolean | null;
  icds: IcdSearch;
  /** Whether libEGL.so, which Dawn's OpenGL ES backend opens, loads (Linux); null where unknown. */
  egl: boolean | null;
  /** EGL_PLATFORM as Dawn's OpenGL ES backend saw it. */
  eglPlatform?: string;
  /** SwiftShader's ICD file, where one is installed. */
  swiftShader: string | null;
}

/** What to install for SwiftShader's Vulkan driver (Debian 12; the chromium package depends on it). */
export const SWIFTSHADER_INSTALL = 'apt-get install --no-install-recommends chromium-common';

const MESA = 'apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libegl-dev';

const fileName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

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
    `the Vulkan driver${files.length > 1 ? 's' : ''} ${files.map(fileName).join(', ')} gave Dawn no adapter ` +
    `(Mesa's lavapipe lacks features Dawn needs; a GPU's driver needs its device node, /dev/nvidia0 or /dev/dri/renderD*); ${swiftShaderHint(f)}`
  );
}

function openglReason(f: DriverFacts): string {
  if (f.platform !== 'linux') return "Dawn's OpenGL ES backend runs on Linux only (EGL)";
  if (f.egl === false) return `Dawn could not load libEGL.so: ${MESA}`;
  return `EGL found no device (EGL_PLATFORM=${f.eglPlatform ?? 'unset'}): for Mesa's llvmpipe, ${MESA}`;
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
