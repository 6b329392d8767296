// Reads WGSL sources from shaders/ (through the platform: files in Node, bundled into a page)
// and specializes them.
//
// A WGSL file stays valid on its own: its tunables are ordinary module-scope constants
// (`const TILE_M: u32 = 4u;`). A launcher overrides them by name, so a tile size or an
// epilogue flag is a compile-time constant the driver can unroll and fold, while sizes that
// vary per call (M, N, K, strides) travel in a uniform and never enter the pipeline key.
import { platform } from './platform.ts';

export function readShader(name: string): string {
  return platform().shaderSource(name);
}

export type ConstValue = number | boolean;

function literal(type: string, value: ConstValue, name: string): string {
  switch (type) {
    case 'bool':
      if (typeof value !== 'boolean') throw new TypeError(`const ${name}: bool needs a boolean, got ${value}`);
      return String(value);
    case 'u32':
      if (!Number.isInteger(value) || (value as number) < 0) throw new TypeError(`const ${name}: u32 needs a non-negative integer, got ${value}`);
      return `${value}u`;
    case 'i32':
      if (!Number.isInteger(value)) throw new TypeError(`const ${name}: i32 needs an integer, got ${value}`);
      return `${value}i`;
    case 'f32': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`const ${name}: f32 needs a finite number, got ${value}`);
      const s = String(value);
      return /[.eE]/.test(s) ? `${s}f` : `${s}.0f`;
    }
    default:
      throw new TypeError(`const ${name}: cannot override a constant of type ${type}`);
  }
}

/** Replaces the values of typed module-scope constants; an unknown name is an error. */
export function specialize(src: string, consts: Record<string, ConstValue> = {}): string {
  let out = src;
  for (const [name, value] of Object.entries(consts)) {
    const re = new RegExp(`^const ${name}\\s*:\\s*(\\w+)\\s*=\\s*[^;]+;`, 'm');
    const m = re.exec(out);
    if (!m) throw new Error(`shader has no typed constant '${name}' to override`);
    out = out.replace(re, `const ${name}: ${m[1]} = ${literal(m[1], value, name)};`);
  }
  return out;
}

/** Source of a kernel: the files it includes, then its own file, specialized together (a
 * constant may be declared in an include). */
export function kernelSource(file: string, consts?: Record<string, ConstValue>, includes: string[] = []): string {
  return specialize([...includes, file].map(readShader).join('\n'), consts);
}
