// npm run docs:perf -- RUN: a finished bench:perf run into the documentation, so that no
// published figure is typed by hand. It
//   1. keeps the run's small files (perf.json, summary.md) in docs/perf-runs/<id>/, where
//      every figure can be traced to the run that produced it;
//   2. replaces the README's performance section (between <!-- perf:begin --> and
//      <!-- perf:end -->; a --study run: perf-study) with the run's summary;
//   3. adds the summary, dated, at the top of docs/performance.md's history (after
//      <!-- perf-history -->).
// Everything is checked before anything is written; the two documents are each written whole.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { optionsOrExit, parseStrict, UsageError } from '../command-line.ts';
import { writeFileAtomic } from '../results/files.ts';
import { busyWarning } from './machine.ts';
import { PERF_SCHEMA, type PerfReport } from './perf-report.ts';

export const DOCS_PERF_OPTIONS = {
  root: { type: 'string', default: '.' },
  'busy-ok': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DOCS_PERF_USAGE = `usage: npm run docs:perf -- RUN [options]
Puts a finished bench:perf run into the documentation: its perf.json and summary.md are kept
in docs/perf-runs/<date>-<kind>-<time>/, the README's performance section between
<!-- perf:begin --> and <!-- perf:end --> (a --study run: perf-study) becomes its summary,
and the summary is added, dated, at the top of docs/performance.md's history.
  RUN          the run's directory (bench:perf --out), or its perf.json
  --root DIR   the project to write into (default: the current directory)
  --busy-ok    accept a run that started on a busy machine (refused by default: other work
               slows every figure)
  -h, --help   this text`;

export interface DocsPerfPlan {
  /** docs/perf-runs/<id>, relative to the root. */
  runDir: string;
  files: Array<{ path: string; content: string }>;
}

const MARKERS = { steps: 'perf', study: 'perf-study' } as const;
const HISTORY = '<!-- perf-history -->';

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The run's report and summary, checked. */
export function readRun(run: string): { report: PerfReport; json: string; summary: string } {
  if (!existsSync(run)) throw new UsageError(`${run} does not exist; give a bench:perf output directory (--out) or its perf.json`);
  const file = run.endsWith('.json');
  const json = file ? run : join(run, 'perf.json');
  // --out DIR writes DIR/perf.json and DIR/summary.md; --out X.json writes X.json and X.md.
  const beside = run.replace(/\.json$/, '.md');
  const summaryPath = !file ? join(run, 'summary.md') : existsSync(beside) || basename(run) !== 'perf.json' ? beside : join(dirname(run), 'summary.md');
  const text = read(json, 'the run file');
  let report: PerfReport;
  try {
    report = JSON.parse(text) as PerfReport;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${json} is not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (report.schema !== PERF_SCHEMA || !(report.kind in MARKERS) || typeof report.createdAt !== 'string' || typeof report.command !== 'string') {
    throw new UsageError(`${json} is not a bench:perf run of this version (schema ${JSON.stringify(report.schema)}, expected ${PERF_SCHEMA}); rerun npm run bench:perf`);
  }
  return { report, json: text, summary: read(summaryPath, 'the run summary') };
}

/** `text` with what lies between <!-- name:begin --> and <!-- name:end --> replaced. */
export function replaceBetween(text: string, name: string, body: string, file: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new UsageError(`${file} has no ${begin} ... ${end} section to put the run into`);
  if (text.indexOf(begin, a + 1) >= 0) throw new UsageError(`${file} has ${begin} twice`);
  return `${text.slice(0, a + begin.length)}\n${body}${text.slice(b)}`;
}

/** What docs:perf writes for `run` into the project at `root`, or a UsageError. */
export function planDocsPerf(run: string, root: string, busyOk: boolean): DocsPerfPlan {
  const { report, json, summary } = readRun(run);
  const busy = busyWarning(report.machine);
  if (busy && !busyOk) throw new UsageError(`${run}: ${busy} (or pass --busy-ok)`);
  const id = `${report.createdAt.slice(0, 10)}-${report.kind === 'study' ? 'study' : 'perf'}-${report.createdAt.slice(11, 16).replace(':', '')}`;
  const runDir = join('docs', 'perf-runs', id);
  if (existsSync(join(root, runDir))) throw new UsageError(`${runDir} exists: this run is in the docs already`);
  const readmePath = join(root, 'README.md');
  const historyPath = join(root, 'docs', 'performance.md');
  const readme = read(readmePath, 'the README');
  const history = read(historyPath, 'the performance history');
  if (!history.includes(HISTORY)) throw new UsageError(`${historyPath} has no ${HISTORY} line to add the run after`);
  const source = `<!-- Put in by \`npm run docs:perf\` from ${runDir}/; do not edit by hand. -->`;
  const readmeBody = `${source}\n${summary.trimEnd()}\n\nThe run's files: [${runDir}/](${runDir}/); earlier runs: [docs/performance.md](docs/performance.md).\n`;
  const historyEntry = `${HISTORY}\n\n${summary.trimEnd()}\n\nThe run's files: [perf-runs/${id}/](perf-runs/${id}/).`;
  return {
    runDir,
    files: [
      { path: join(runDir, 'perf.json'), content: json },
      { path: join(runDir, 'summary.md'), content: summary },
      { path: 'README.md', content: replaceBetween(readme, MARKERS[report.kind], readmeBody, readmePath) },
      { path: join('docs', 'performance.md'), content: history.replace(HISTORY, historyEntry) },
    ],
  };
}

function parseDocsPerfArgs(args: string[]): { run: string; root: string; busyOk: boolean } {
  const { values, positionals } = parseStrict(DOCS_PERF_OPTIONS, args, true);
  if (positionals.length !== 1) throw new UsageError(`give one run (a bench:perf output directory or its perf.json), got ${positionals.length}`);
  if (!existsSync(values.root) || !statSync(values.root).isDirectory()) throw new UsageError(`--root ${values.root} is not a directory`);
  return { run: positionals[0], root: values.root, busyOk: values['busy-ok'] };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = optionsOrExit('docs:perf', DOCS_PERF_USAGE, process.argv.slice(2), (args) => {
    const parsed = parseDocsPerfArgs(args);
    return { ...parsed, plan: planDocsPerf(parsed.run, parsed.root, parsed.busyOk) };
  });
  mkdirSync(join(o.root, o.plan.runDir), { recursive: true });
  for (const f of o.plan.files) writeFileAtomic(join(o.root, f.path), f.content);
  process.stderr.write(`docs:perf: kept the run in ${o.plan.runDir}/, put its summary into README.md and docs/performance.md\n`);
}
