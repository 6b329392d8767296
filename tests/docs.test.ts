// The README and docs/ as a newcomer meets them: a README short enough to read, every link
// between the pages pointing at a file and a heading that exist, and every documented
// install of the PyTorch peer bringing an optimized BLAS beside python3-torch (Debian's
// torch alone runs on netlib's reference BLAS). Flags: tests/doc-flags.test.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const m = !fence && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(slug(m[1]));
  }
  return out;
}

describe('README.md', () => {
  it('stays short: at most 250 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('has the sections docs:perf fills, and a Documentation list of every docs/ page', () => {
    const readme = read('README.md');
    for (const m of ['<!-- perf:begin -->', '<!-- perf:end -->', '<!-- perf-study:begin -->', '<!-- perf-study:end -->']) expect(readme.split(m)).toHaveLength(2);
    expect(read('docs/performance.md')).toContain('<!-- perf-history -->');
    const list = readme.slice(readme.indexOf('## Documentation'));
    for (const page of pages.filter((p) => p.startsWith('docs/'))) expect(list).toContain(`](${page})`);
  });
});

describe('links between the pages', () => {
  it.each(pages)('%s: every relative link names a file that exists, and a heading of it', (page) => {
    const text = read(page).replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
      const [file, anchor] = target.split('#');
      const path = file ? normalize(join(dirname(page), file)) : page;
      if (!existsSync(join(ROOT, path))) broken.push(`${target}: no file ${path}`);
      else if (anchor && path.endsWith('.md') && !anchors(read(path)).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${path}`);
    }
    expect(broken).toEqual([]);
  });

  it('turns headings into GitHub anchors', () => {
    expect(slug('`npm run bench:perf`')).toBe('npm-run-benchperf');
    expect(slug('Per-kernel timings (`--profile`)')).toBe('per-kernel-timings---profile');
    expect(slug("2026-12: the PyTorch peer on OpenBLAS (issue 17)")).toBe('2026-12-the-pytorch-peer-on-openblas-issue-17');
  });
});

describe('the PyTorch peer, installed as its users have it', () => {
  it('every documented install of python3-torch also installs libopenblas0-pthread', () => {
    const places = [...pages, 'Dockerfile', '.ci/run'];
    const installs = places.flatMap((f) =>
      read(f)
        .replace(/\\\n/g, ' ')
        .split('\n')
        .filter((l) => /\b(apt-get|apt)\b.*\binstall\b/.test(l) || /^\s*\$\(\[.*echo/.test(l))
        .filter((l) => l.includes('python3-torch'))
        .map((l) => ({ f, l })),
    );
    expect(installs.map((i) => i.f)).toEqual(expect.arrayContaining(['README.md', 'Dockerfile', 'docs/performance.md']));
    for (const { f, l } of installs) expect(`${f}: ${l}`).toContain('libopenblas0-pthread');
  });
});
