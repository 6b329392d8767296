// A question on the terminal before a run that looks like a typo (study/implausible.ts):
// yes to start it, anything else (or no terminal) not.
import { createInterface } from 'node:readline/promises';

/** True when stdin and stderr are a terminal: someone can answer. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Asks `question` on stderr; true for y or yes. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^\s*y(es)?\s*$/i.test(await rl.question(`${question} [y/N] `));
  } finally {
    rl.close();
  }
}
