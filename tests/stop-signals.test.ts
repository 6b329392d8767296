// The stop request of SIGINT / SIGTERM: the first asks, a relayed copy (npm) is the same
// request, a further one quits at once with 130 or 143.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DUPLICATE_MS, listenForStop } from '../src/bench/stop-signals.ts';

function setup(underNpm: boolean) {
  const source = new EventEmitter();
  let t = 0;
  const lines: string[] = [];
  const quits: number[] = [];
  const stop = listenForStop({ log: (l) => lines.push(l.trim()), quit: (c) => quits.push(c), now: () => t, source: source as unknown as NodeJS.Process, underNpm });
  return { stop, lines, quits, send: (s: string, at: number) => ((t = at), source.emit(s)), source };
}

describe('stop signals', () => {
  it('nothing asked: no stop, no exit code', () => {
    const { stop } = setup(false);
    expect([stop.requested(), stop.signal, stop.exitCode()]).toEqual([false, null, null]);
  });

  it('SIGINT asks to stop with 130, SIGTERM with 143, with one line saying how to quit at once', () => {
    for (const [signal, code, again] of [['SIGINT', 130, 'press Ctrl-C again'], ['SIGTERM', 143, 'send SIGTERM again']] as const) {
      const { stop, lines, quits, send } = setup(false);
      send(signal, 5);
      expect([stop.requested(), stop.signal, stop.exitCode()]).toEqual([true, signal, code]);
      expect(lines).toEqual([`stopping after the current step (${signal}): finished trials are saved and the report is written (${again} to quit at once)`]);
      expect(quits).toEqual([]);
    }
  });

  it('not under npm: a repeat within DUPLICATE_MS is the same request, a later one quits at once', () => {
    const { lines, quits, send } = setup(false);
    send('SIGINT', 100);
    send('SIGINT', 100 + DUPLICATE_MS - 1);
    expect(quits).toEqual([]);
    send('SIGINT', 100 + DUPLICATE_MS);
    expect(quits).toEqual([130]);
    expect(lines[1]).toBe('quitting at once (SIGINT): every finished trial is in the journal');
  });

  it("under npm: the first repeat is npm's relay however late its handler runs; the next quits", () => {
    const { quits, send } = setup(true);
    send('SIGINT', 0);
    send('SIGINT', 60_000); // the relay's handler, run after a long synchronous report
    expect(quits).toEqual([]);
    send('SIGINT', 60_001);
    expect(quits).toEqual([130]);
  });

  it('another signal after the first quits at once with its own code', () => {
    const { stop, quits, send } = setup(true);
    send('SIGINT', 0);
    send('SIGTERM', 10);
    expect(quits).toEqual([143]);
    expect(stop.exitCode()).toBe(130); // the stop request keeps the first signal
  });

  it('dispose() stops listening', () => {
    const { stop, source } = setup(false);
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(2);
    stop.dispose();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });
});
