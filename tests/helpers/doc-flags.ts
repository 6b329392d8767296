// Which command each `--flag` of a Markdown page belongs to (tests/doc-flags.test.ts).
//
// The rule: a flag belongs to the command written before it in the same piece of text: a
// line of a code block (backslash continuations joined, shell comments dropped), an inline
// code span (which may wrap lines), or a line of prose outside code spans. Commands are
// ours (`npm run bench`, `npm run bench:perf`, `bench:perf` written alone, ..., the peers'
// `torch_peer.py` and `peers/tfjs.ts`) or other tools (sbatch, kubectl, docker, ...); `&&`,
// `;` and `|` end a command. A flag with no command before it belongs to the page's
// context: `bench` unless a `<!-- flags: COMMAND -->` comment above it names another.
// Flags of other tools are checked against a short explicit list per tool, so a flag of
// ours written after a foreign tool, or a foreign flag nobody vouched for, fails too.

export interface FlagUse {
  file: string;
  line: number;
  flag: string;
  command: string;
}

/** npm scripts: ours, and the one that runs a foreign tool. */
const SCRIPTS: Record<string, string> = { bench: 'bench', 'bench:perf': 'bench:perf', 'bench:kernels': 'bench:kernels', 'docs:perf': 'docs:perf', 'test:mutation': 'stryker' };
/** Our commands written alone (the colon makes them unambiguous in prose). */
const OURS_ALONE: Record<string, string> = { 'bench:perf': 'bench:perf', 'bench:kernels': 'bench:kernels', 'docs:perf': 'docs:perf', optbench: 'bench' };
const TOOLS = new Set(['sbatch', 'kubectl', 'apptainer', 'docker', 'chromium', 'node', 'apt-get', 'apt', 'git', 'pip', 'python3', 'vitest', 'stryker', 'tsx']);

const strip = (t: string) => t.replace(/^[("'`[{]+/, '').replace(/[)"'`\]},.;:]+$/, '');

/** The flags of one piece of text, each with its command (null: the page's context). */
export function flagsOf(text: string): Array<{ flag: string; command: string | null }> {
  const tokens = text.split(/\s+/).filter(Boolean);
  const out: Array<{ flag: string; command: string | null }> = [];
  let command: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const raw = tokens[i];
    let t = strip(raw);
    if (['&&', '||', ';', '|'].includes(raw)) {
      command = null;
      continue;
    }
    if (/^OPTBENCH_ARGS=/.test(t)) {
      command = 'bench'; // deploy/: the arguments each shard passes to npm run bench
      t = strip(t.slice('OPTBENCH_ARGS='.length));
    }
    if (t === 'npm') {
      if (tokens[i + 1] === 'run' && tokens[i + 2]) {
        command = SCRIPTS[strip(tokens[i + 2])] ?? 'npm';
        i += 2;
      } else command = 'npm';
    } else if (t === 'npx') {
      command = 'npx';
    } else if (/torch_peer\.py$/.test(t)) {
      command = 'torch peer';
    } else if (/peers\/tfjs\.ts$/.test(t)) {
      command = 'tfjs peer';
    } else if (t in OURS_ALONE) {
      command = OURS_ALONE[t];
    } else if (TOOLS.has(t.replace(/^\/usr\/bin\//, '')) && command !== 'npx') {
      command = t.replace(/^\/usr\/bin\//, '');
    } else {
      const m = /^--([a-z][a-z0-9-]*)/.exec(t);
      if (m) out.push({ flag: m[1], command });
    }
    if (/;$/.test(raw)) command = null;
  }
  return out;
}

/** Every flag a Markdown page mentions, with the command it belongs to. */
export function flagUses(file: string, markdown: string): FlagUse[] {
  const uses: FlagUse[] = [];
  let context = 'bench';
  const add = (text: string, line: number) => {
    for (const f of flagsOf(text)) uses.push({ file, line, flag: f.flag, command: f.command ?? context });
  };
  const lines = markdown.split('\n');
  let fence = false;
  let paragraph: Array<{ text: string; line: number }> = [];
  const flushParagraph = () => {
    if (!paragraph.length) return;
    // Inline code spans may wrap lines: find them in the paragraph joined, then the prose
    // left over line by line.
    const joined = paragraph.map((p) => p.text).join('\n');
    const lineAt = (offset: number) => paragraph[joined.slice(0, offset).split('\n').length - 1].line;
    for (const m of joined.matchAll(/`([^`]+)`/g)) add(m[1], lineAt(m.index!));
    const prose = joined.replace(/`[^`]+`/g, (s) => s.replace(/[^\n]/g, ' '));
    prose.split('\n').forEach((l, k) => add(l, paragraph[k].line));
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i];
    const line = i + 1;
    if (/^\s*(```|~~~)/.test(text)) {
      flushParagraph();
      fence = !fence;
      continue;
    }
    const marker = /<!--\s*flags:\s*(.+?)\s*-->/.exec(text);
    if (marker && !fence) {
      flushParagraph();
      context = marker[1];
      continue;
    }
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]}`;
    if (fence) add(text.replace(/(^|\s)#.*$/, ''), line);
    else if (!text.trim()) flushParagraph();
    else paragraph.push({ text, line });
  }
  flushParagraph();
  return uses;
}

/** One line per flag that is not an option of the command it belongs to. */
export function unknownFlags(uses: FlagUse[], parsers: Record<string, { flags: Set<string>; where: string }>, foreign: Record<string, string[]>): string[] {
  const out: string[] = [];
  for (const u of uses) {
    const parser = parsers[u.command];
    if (parser) {
      if (!parser.flags.has(u.flag)) out.push(`${u.file}:${u.line}: --${u.flag} is not an option of ${u.command} (its parser: ${parser.where})`);
    } else if (!(foreign[u.command] ?? []).includes(u.flag)) {
      out.push(`${u.file}:${u.line}: --${u.flag} after ${u.command}: neither one of our commands' options nor in the list of ${u.command}'s flags (tests/doc-flags.test.ts FOREIGN)`);
    }
  }
  return out;
}
