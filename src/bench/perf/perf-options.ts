// bench:perf's command line (node:util parseArgs); a bad option is an Error whose message is
// the one line to print before exit code 2.
import { parseArgs } from 'node:util';
import { STUDY_SEEDS } from '../study/config.ts';

export const PEERS = ['tfjs', 'torch'] as const;

export interface PerfOptions {
  out: string;
  peers: Array<(typeof PEERS)[number]>;
  maxTrials: number;
  seconds: number;
  study: boolean;
  studySeeds: number;
  studyEpochs: number;
  loopSeeds: number;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string', default: 'perf.json' },
      'skip-peers': { type: 'boolean', default: false },
      peers: { type: 'string', default: PEERS.join(',') },
      'max-trials': { type: 'string', default: '120' },
      seconds: { type: 'string', default: '5' },
      study: { type: 'boolean', default: false },
      'study-seeds': { type: 'string', default: '10' },
      'study-epochs': { type: 'string', default: '10' },
      'loop-seeds': { type: 'string', default: '1' },
    },
  });
}

/** bench:perf's options; a bad one throws an Error whose message is the line to print. */
export function parsePerfArgs(args: string[]): PerfOptions {
  let parsed;
  try {
    parsed = parse(args);
  } catch (e) {
    throw new Error((e as Error).message.split('\n')[0]); // node's messages run to three lines
  }
  const { values } = parsed;
  const int = (name: 'max-trials' | 'study-seeds' | 'study-epochs' | 'loop-seeds', min: number, max = Infinity): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min}${max < Infinity ? ` to ${max}` : ''}, got '${values[name]}'`);
    return n;
  };
  const peers = values['skip-peers'] ? [] : values.peers!.split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = peers.filter((p) => !(PEERS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`--peers: unknown peer '${unknown[0]}' (known: ${PEERS.join(', ')})`);
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
  return {
    out: values.out!,
    peers: peers as PerfOptions['peers'],
    maxTrials: int('max-trials', 1),
    seconds,
    study: values.study!,
    studySeeds: int('study-seeds', 1, STUDY_SEEDS.length),
    studyEpochs: int('study-epochs', 1),
    loopSeeds: int('loop-seeds', 1, STUDY_SEEDS.length),
  };
}
