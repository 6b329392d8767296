// The web page's Node-free modules, run under Node: reading the visitor's own IDX files and
// the check of a pasted optimizer spec against its reference (the page runs the same code in
// the browser; tests/web-page.test.ts drives the page itself).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx } from '../src/bench/data/idx.ts';
import { registerOptimizer, unregisterOptimizer } from '../src/optim/registry.ts';
import type { OptimizerSpec } from '../src/optim/spec.ts';
import { BUILTIN_SPECS } from '../src/optim/specs/index.ts';
import { loadOwnFiles } from '../web/src/data.ts';
import { checkSpecOnGpu } from '../web/src/spec-check.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();

function images(n: number, side = 28): Uint8Array {
  return encodeIdx([n, side, side], Uint8Array.from({ length: n * side * side }, (_, i) => (i * 7) % 256));
}
function labels(n: number, top = 10): Uint8Array {
  return encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % top));
}

describe("the visitor's own IDX files", () => {
  const set = () => [
    { name: 't10k-labels.gz', bytes: gzipSync(labels(20)) },
    { name: 'train-images', bytes: images(50) },
    { name: 'train-labels', bytes: labels(50) },
    { name: 't10k-images.gz', bytes: gzipSync(images(20)) },
  ];

  it('are told apart by their headers and names, in any order, gzipped or not', async () => {
    const d = await loadOwnFiles(set());
    expect([d.train.count, d.test.count]).toEqual([50, 20]);
    expect(d.train.images).toEqual(parseIdx(images(50), 'x').data);
    expect(d.test.labels).toEqual(parseIdx(labels(20), 'x').data);
    expect(d.source).toBe('your files train-images, train-labels, t10k-images.gz, t10k-labels.gz');
  });

  it('without telling names, the larger split trains', async () => {
    const files = set().map((f, i) => ({ ...f, name: `file${i}` }));
    const d = await loadOwnFiles(files);
    expect([d.train.count, d.test.count]).toEqual([50, 20]);
  });

  it('refuses, naming the file and what to choose: not IDX, too few files, bad gzip, other image sizes, labels beyond 9, counts that differ', async () => {
    const files = set();
    await expect(loadOwnFiles([...files.slice(0, 3), { name: 'photo.png', bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]) }])).rejects.toThrow(
      /^photo\.png is not an IDX file \(wrong magic number 0x89504e47.*\); choose the four IDX files of a data set/,
    );
    await expect(loadOwnFiles(files.slice(0, 2))).rejects.toThrow(/^2 files chosen; choose the four IDX files/);
    await expect(loadOwnFiles([...files.slice(0, 3), { name: 'broken.gz', bytes: Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]) }])).rejects.toThrow(/^broken\.gz: not a valid gzip file/);
    await expect(loadOwnFiles([...files.slice(0, 3), { name: 't10k-images', bytes: images(20, 32) }])).rejects.toThrow(/t10k-images: images of 32x32 pixels; the study's MLP takes 28x28/);
    await expect(loadOwnFiles([{ name: 'train-labels', bytes: labels(50, 12) }, ...files.filter((f) => f.name !== 'train-labels')])).rejects.toThrow(/train-labels: label 10 at index 10 is not a class 0\.\.9/);
    await expect(loadOwnFiles([{ name: 'train-labels', bytes: labels(49) }, ...files.filter((f) => f.name !== 'train-labels')])).rejects.toThrow(/train-labels: 49 labels for the 50 images of train-images/);
    await expect(loadOwnFiles([...files.slice(0, 3), { name: 'more-labels', bytes: labels(20) }])).rejects.toThrow(/got 1 image files \(3 dimensions\) and 3 label files/);
  });
});

describe("a pasted spec's check against its reference", () => {
  const lion: OptimizerSpec = {
    name: 'lion-check',
    description: 'Lion',
    slots: [{ name: 'm' }],
    hyper: { lr: { default: 1e-4, min: 0, max: 1, minExclusive: true, doc: 'lr' }, beta1: { default: 0.9, min: 0, max: 1, doc: 'b1' }, beta2: { default: 0.99, min: 0, max: 1, doc: 'b2' } },
    wgsl: `
      let c = beta1 * m + (1.0 - beta1) * g;
      p = p - lr * sign(c);
      m = beta2 * m + (1.0 - beta2) * g;`,
    reference(p, g, s, h) {
      const c = h.beta1 * s.m + (1 - h.beta1) * g;
      s.m = h.beta2 * s.m + (1 - h.beta2) * g;
      return p - h.lr * Math.sign(c);
    },
  };
  const checked = async (spec: OptimizerSpec) => {
    registerOptimizer(spec);
    try {
      return await checkSpecOnGpu(gpu(), spec);
    } finally {
      unregisterOptimizer(spec.name);
    }
  };

  it('passes every built-in optimizer and a correct new one', async () => {
    for (const spec of BUILTIN_SPECS) {
      const r = await checkSpecOnGpu(gpu(), spec);
      expect(r.ok, `${spec.name}: ${r.message}`).toBe(true);
    }
    const r = await checked(lion);
    expect(r.message).toMatch(/^kernel and reference agree over 25 steps in 3 cases \(largest error \/ tolerance: p 0\.\d\d, m 0\.\d\d\)$/);
  });

  it('fails a kernel that disagrees with its reference (momentum 0.99 in the kernel, 0.9 in the reference), naming the step and element', async () => {
    const r = await checked({ ...lion, name: 'lion-wrong', reference: (p, g, s, h, d) => lion.reference(p, g, s, { ...h, beta2: 0.9 }, d) });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^\d+ of \d+ values of (p|m) fail; the first: (p|m) at step \d+, element \d+ \(case defaults, g = /);
  });

  it('fails a kernel that writes NaN', async () => {
    const r = await checked({ ...lion, name: 'lion-nan', slots: [], wgsl: 'p = p - lr * sqrt(g - 2.0);', reference: (p, g, _s, h) => p - h.lr * Math.sqrt(g - 2) });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^\d+ of \d+ values of p fail; the first: p at step 1, element \d+ \(case defaults, g = .*\): the (kernel|reference) gives NaN/);
  });

  it("names a compile error by the line of the spec's own WGSL, and leaves the GPU usable", async () => {
    const r = await checked({ ...lion, name: 'lion-typo', wgsl: 'let c = beta1 * m;\np = p - lr * sgn(c);\nm = c;' });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^its wgsl does not compile: line 2:\d+ of its wgsl: .*sgn/);
    await expect(gpu().sync()).resolves.toBeUndefined();
    expect((await checkSpecOnGpu(gpu(), BUILTIN_SPECS[0])).ok).toBe(true);
  });
});
