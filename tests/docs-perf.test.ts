// npm run docs:perf on a run written by hand (helpers/perf-fixture.ts): the run's files kept
// in docs/perf-runs/<id>/, the README's section between its markers replaced by the run's
// summary, a dated entry added at the top of docs/performance.md's history; everything
// checked before anything is written.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planDocsPerf, replaceBetween } from '../src/bench/perf/docs-perf.ts';
import type { PerfReport } from '../src/bench/perf/perf-report.ts';
import { perfSummary } from '../src/bench/perf/perf-summary.ts';
import { stepsReport, studyReport } from './helpers/perf-fixture.ts';
import { useTempDirs } from './helpers/temp.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tempDir = useTempDirs('docs-perf');

const README = `# project\n\nintro\n\n## Performance\n\n<!-- perf:begin -->\nold figures typed by hand\n<!-- perf:end -->\n\n<!-- perf-study:begin -->\nno study run yet\n<!-- perf-study:end -->\n\n## Next\n`;
const HISTORY = `# Performance\n\nintro\n\n## History\n\n<!-- perf-history -->\n\n### an older entry\n`;

/** A project root with a README and docs/performance.md, and a bench:perf run directory. */
function project(report: PerfReport = stepsReport()): { root: string; run: string } {
  const root = tempDir();
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'README.md'), README);
  writeFileSync(join(root, 'docs', 'performance.md'), HISTORY);
  const run = join(root, 'runs', 'perf-20261205-101500');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'perf.json'), `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(join(run, 'summary.md'), perfSummary(report));
  return { root, run };
}

function docsPerf(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/bench/perf/docs-perf.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
}

const snapshot = (root: string) => ({ readme: readFileSync(join(root, 'README.md'), 'utf8'), history: readFileSync(join(root, 'docs', 'performance.md'), 'utf8'), runs: existsSync(join(root, 'docs', 'perf-runs')) });

describe('npm run docs:perf', () => {
  it('keeps the run, replaces the README section, adds a dated history entry', () => {
    const { root, run } = project();
    const r = docsPerf([run, '--root', root]);
    expect(r.stderr).toBe('docs:perf: kept the run in docs/perf-runs/2026-12-05-perf-1015/, put its summary into README.md and docs/performance.md\n');
    expect(r.status).toBe(0);
    const kept = join(root, 'docs', 'perf-runs', '2026-12-05-perf-1015');
    expect(readdirSync(kept).sort()).toEqual(['perf.json', 'summary.md']);
    expect(readFileSync(join(kept, 'perf.json'), 'utf8')).toBe(readFileSync(join(run, 'perf.json'), 'utf8'));
    const summary = readFileSync(join(run, 'summary.md'), 'utf8');
    const { readme, history } = snapshot(root);
    expect(readme).not.toContain('old figures typed by hand');
    expect(readme).toContain(`<!-- perf:begin -->\n<!-- Put in by \`npm run docs:perf\` from docs/perf-runs/2026-12-05-perf-1015/; do not edit by hand. -->\n${summary.trimEnd()}\n`);
    expect(readme).toContain("The run's files: [docs/perf-runs/2026-12-05-perf-1015/](docs/perf-runs/2026-12-05-perf-1015/); earlier runs: [docs/performance.md](docs/performance.md).\n<!-- perf:end -->");
    expect(readme).toContain('<!-- perf-study:begin -->\nno study run yet\n<!-- perf-study:end -->');
    expect(readme.startsWith('# project\n\nintro\n\n## Performance\n\n')).toBe(true);
    expect(readme.endsWith('\n\n## Next\n')).toBe(true);
    // Newest first: the entry right after the marker, the older one below it.
    expect(history).toContain(`<!-- perf-history -->\n\n${summary.trimEnd()}\n\nThe run's files: [perf-runs/2026-12-05-perf-1015/](perf-runs/2026-12-05-perf-1015/).\n\n### an older entry\n`);
    expect(summary).toContain('### bench:perf, 2026-12-05');
    expect(summary).toContain('- Command: `npm run bench:perf -- --max-trials 12`');
  });

  it('puts a --study run into its own section', () => {
    const { root, run } = project(studyReport());
    expect(docsPerf([run, '--root', root]).status).toBe(0);
    const { readme } = snapshot(root);
    expect(readme).toContain('<!-- perf:begin -->\nold figures typed by hand\n<!-- perf:end -->');
    expect(readme).toMatch(/<!-- perf-study:begin -->\n<!-- Put in by `npm run docs:perf` from docs\/perf-runs\/2026-12-05-study-1015\/; do not edit by hand. -->\n### bench:perf --study, 2026-12-05/);
  });

  it.each([
    ['the same run twice', (root: string, run: string) => expect(docsPerf([run, '--root', root]).status).toBe(0), 'docs:perf: docs/perf-runs/2026-12-05-perf-1015 exists: this run is in the docs already'],
    ['a README without the markers', (root: string) => writeFileSync(join(root, 'README.md'), '# project\n'), 'README.md has no <!-- perf:begin --> ... <!-- perf:end --> section to put the run into'],
    ['a history without its marker', (root: string) => writeFileSync(join(root, 'docs', 'performance.md'), '# Performance\n'), 'has no <!-- perf-history --> line to add the run after'],
    ['a run without its summary', (_root: string, run: string) => rmSync(join(run, 'summary.md')), 'docs:perf: cannot read the run summary'],
    ['a run of an older bench:perf', (_root: string, run: string) => writeFileSync(join(run, 'perf.json'), JSON.stringify({ schema: 'webgpu-optbench/perf@1' })), 'is not a bench:perf run of this version'],
    ['a run that is not JSON', (_root: string, run: string) => writeFileSync(join(run, 'perf.json'), '{"schema": '), 'is not JSON'],
  ])('refuses %s with one line and exit code 2, writing nothing', (_name, spoil, message) => {
    const { root, run } = project();
    spoil(root, run);
    const before = snapshot(root);
    const r = docsPerf([run, '--root', root]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(snapshot(root)).toEqual(before);
  });

  it('refuses a run that started on a busy machine unless told --busy-ok', () => {
    const { root, run } = project(stepsReport(undefined, 1.7));
    const r = docsPerf([run, '--root', root]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^docs:perf: .*the machine was busy when the run started \(load average 1\.7 on 2 cores\): other work slowed these figures; rerun on a quiet machine to publish them \(or pass --busy-ok\)\n$/);
    expect(snapshot(root).runs).toBe(false);
    expect(docsPerf([run, '--root', root, '--busy-ok']).status).toBe(0);
  });

  it('takes a run file by name too: DIR/perf.json (summary.md beside it), or --out X.json (X.md beside it)', () => {
    const { root, run } = project();
    const plan = planDocsPerf(join(run, 'perf.json'), root, false);
    expect(plan.files.map((f) => f.path)).toEqual(['docs/perf-runs/2026-12-05-perf-1015/perf.json', 'docs/perf-runs/2026-12-05-perf-1015/summary.md', 'README.md', 'docs/performance.md']);
    // scripts/gpu-check.sh's layout: --out $OUT/perf.json writes perf.json and perf.md.
    writeFileSync(join(run, 'perf.md'), 'the summary of perf.json\n');
    expect(planDocsPerf(join(run, 'perf.json'), root, false).files[1].content).toBe('the summary of perf.json\n');
    writeFileSync(join(run, 'gpu.json'), readFileSync(join(run, 'perf.json')));
    writeFileSync(join(run, 'gpu.md'), 'the summary of gpu.json\n');
    expect(planDocsPerf(join(run, 'gpu.json'), root, false).files[1].content).toBe('the summary of gpu.json\n');
  });

  it('replaceBetween refuses a marker pair given twice', () => {
    expect(() => replaceBetween('<!-- x:begin --><!-- x:end --><!-- x:begin --><!-- x:end -->', 'x', 'y', 'F')).toThrow('F has <!-- x:begin --> twice');
  });
});
