// How the tuner compares candidates on a machine whose speed drifts (a shared VM here ran the
// same kernel anywhere from 0.9 to 3 ms over a session). Timing one candidate after another
// lets a slow phase land on one of them only: a tuner that did so cached, for the first
// layer's forward product with dropout, a scalar kernel 1.6x slower than the best vec4 one,
// and with its choices the batched study trained 20-25% slower on llvmpipe. So every round times
// each remaining candidate once, in an order that rotates from round to round, and a
// candidate's time is its fastest round: noise only ever adds time.

export interface RoundsOptions {
  /** Rounds in all (at least 1). */
  rounds: number;
  /** After this many rounds, candidates slower than `keepWithin` x the best so far stop being timed. */
  pruneAfter: number;
  keepWithin: number;
}

// Pruning saves time where candidates differ by multiples (on a GPU, the CPU-style kernels);
// it waits three rounds and a 2x gap because a short slow phase can make the best candidate
// look 1.5x slow in two rounds in a row (after two rounds at 1.5x, a tuning here once cached
// 8x16 tiles that measure 20% slower than the 16x16 ones every rerun picks; most likely so).
export const TUNING_ROUNDS: RoundsOptions = { rounds: 5, pruneAfter: 3, keepWithin: 2 };

/** Each candidate's fastest time over interleaved rounds, in the candidates' order. */
export async function fastestOfRounds<T>(candidates: T[], time: (c: T) => Promise<number>, o: RoundsOptions = TUNING_ROUNDS): Promise<Array<{ candidate: T; ms: number }>> {
  const best = candidates.map(() => Infinity);
  let live = candidates.map((_, i) => i);
  for (let r = 0; r < o.rounds; r++) {
    if (r === o.pruneAfter && live.length > 1) {
      const floor = Math.min(...live.map((i) => best[i]));
      live = live.filter((i) => best[i] <= o.keepWithin * floor);
    }
    for (let j = 0; j < live.length; j++) {
      const i = live[(j + r) % live.length];
      best[i] = Math.min(best[i], await time(candidates[i]));
    }
  }
  return candidates.map((candidate, i) => ({ candidate, ms: best[i] }));
}
