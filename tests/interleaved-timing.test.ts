// The tuner's way of comparing candidates on a machine whose speed drifts
// (src/kernels/interleaved-timing.ts), with a scripted clock instead of a GPU.
import { describe, expect, it } from 'vitest';
import { fastestOfRounds } from '../src/kernels/interleaved-timing.ts';

/** A clock where candidate c costs cost[c] per timing, times `slow` during calls in `slowCalls`;
 * it records the order of the calls. */
function scripted(cost: Record<string, number>, slowCalls: Set<number>, slow = 3) {
  const calls: string[] = [];
  const time = async (c: string) => {
    const ms = cost[c] * (slowCalls.has(calls.length) ? slow : 1);
    calls.push(c);
    return ms;
  };
  return { time, calls };
}

describe('fastestOfRounds', () => {
  it('a slow phase of the machine does not decide: each candidate keeps its fastest round', async () => {
    // The first three timings run 3x slow, and the last. Timed one candidate after another
    // (as the tuner once did), a would be seen only slow and lose to b; a's last timing,
    // its mean or its median would be slow too.
    const { time, calls } = scripted({ a: 1.0, b: 1.2 }, new Set([0, 1, 2, 7]));
    const out = await fastestOfRounds(['a', 'b'], time, { rounds: 4, pruneAfter: 4, keepWithin: 1.5 });
    expect(out).toEqual([{ candidate: 'a', ms: 1.0 }, { candidate: 'b', ms: 1.2 }]);
    // Every round times each candidate once, the order rotating: a b, b a, a b, b a.
    expect(calls).toEqual(['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
  });

  it('stops timing candidates far behind the best after pruneAfter rounds', async () => {
    const { time, calls } = scripted({ a: 1.0, b: 1.4, c: 2.0, d: 1.5 }, new Set());
    const out = await fastestOfRounds(['a', 'b', 'c', 'd'], time, { rounds: 5, pruneAfter: 2, keepWithin: 1.5 });
    expect(out.map((r) => r.ms)).toEqual([1.0, 1.4, 2.0, 1.5]);
    const count = (c: string) => calls.filter((x) => x === c).length;
    expect([count('a'), count('b'), count('d')]).toEqual([5, 5, 5]); // within 1.5x (d exactly at the bound)
    expect(count('c')).toBe(2);
  });

  it('prunes on the rounds so far, so a candidate unlucky at first is still kept while it is within reach', async () => {
    // b is slow in its first two timings (calls 1 and 2) but within 1.5x of a's best, so it
    // stays and shows its real speed later.
    const { time } = scripted({ a: 1.0, b: 0.9 }, new Set([1, 2]), 1.6);
    const out = await fastestOfRounds(['a', 'b'], time, { rounds: 4, pruneAfter: 2, keepWithin: 1.5 });
    expect(out).toEqual([{ candidate: 'a', ms: 1.0 }, { candidate: 'b', ms: 0.9 }]);
  });

  it('one candidate, one round', async () => {
    const { time, calls } = scripted({ a: 2.5 }, new Set());
    expect(await fastestOfRounds(['a'], time, { rounds: 1, pruneAfter: 0, keepWithin: 1 })).toEqual([{ candidate: 'a', ms: 2.5 }]);
    expect(calls).toEqual(['a']);
  });
});
