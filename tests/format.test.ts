// The report's number formats, by hand (host only).
import { describe, expect, it } from 'vitest';
import { DASH, fileSafe, fmtAcc, fmtBytes, fmtCi, fmtDiff, fmtDuration, fmtInt, fmtSeconds, fmtSig, fmtVar, isNum, modelKey, plural } from '../src/bench/report/format.ts';

describe('report number formats', () => {
  it('missing or non-finite values are a dash everywhere', () => {
    for (const f of [fmtAcc, fmtDiff, fmtSig, fmtSeconds, fmtVar, fmtInt, fmtBytes, fmtDuration]) {
      for (const x of [NaN, Infinity, -Infinity, null, undefined]) expect(f(x), `${f.name}(${x})`).toBe(DASH);
    }
    expect(fmtCi(null)).toBe(DASH);
    expect(fmtCi([0.5, NaN])).toBe(DASH);
    expect(fmtCi([NaN, 0.5])).toBe(DASH);
    expect([isNum(0), isNum(-1.5), isNum(NaN), isNum('1'), isNum(null)]).toEqual([true, true, false, false, false]);
  });

  it('accuracies, differences and intervals: 4 decimals, a sign on non-zero differences', () => {
    expect(fmtAcc(0.93)).toBe('0.9300');
    expect(fmtCi([0.9, 0.95])).toBe('[0.9000, 0.9500]');
    expect([fmtDiff(0.0123), fmtDiff(-0.045), fmtDiff(0), fmtDiff(0.00004), fmtDiff(-0.00004)]).toEqual(['+0.0123', '-0.0450', '0.0000', '0.0000', '0.0000']);
  });

  it('significant digits, with exponents below 1e-3 and whole numbers past the digits', () => {
    expect([fmtSig(0), fmtSig(2.5), fmtSig(-2.5), fmtSig(0.001), fmtSig(0.000999), fmtSig(-0.0001234), fmtSig(12345), fmtSig(123.456), fmtSig(0.5, 2)]).toEqual([
      '0', '2.50', '-2.50', '0.00100', '9.99e-4', '-1.23e-4', '12345', '123', '0.50',
    ]);
    expect(fmtSeconds(1.5)).toBe('1.50');
    expect([fmtVar(0), fmtVar(0.000267), fmtVar(0.001), fmtVar(9999), fmtVar(10000), fmtVar(-20000), fmtVar(0.5)]).toEqual(['0', '2.67e-4', '0.00100', '9999', '1.00e+4', '-2.00e+4', '0.500']);
    expect([fmtInt(2.5), fmtInt(20999.6)]).toEqual(['3', '21000']);
  });

  it('bytes in B, KiB, MiB, GiB at the powers of two', () => {
    expect([fmtBytes(1023), fmtBytes(1024), fmtBytes(1536), fmtBytes(2 ** 20 - 1), fmtBytes(2 ** 20), fmtBytes(48 * 2 ** 20), fmtBytes(2 ** 30), fmtBytes(1.5 * 2 ** 30)]).toEqual([
      '1023 B', '1.0 KiB', '1.5 KiB', '1024.0 KiB', '1.0 MiB', '48.0 MiB', '1.00 GiB', '1.50 GiB',
    ]);
  });

  it('durations: seconds below two minutes, then minutes, then hours', () => {
    expect([fmtDuration(0), fmtDuration(119.4), fmtDuration(120), fmtDuration(123.4), fmtDuration(3599.6), fmtDuration(3600), fmtDuration(3725)]).toEqual([
      '0 s', '119 s', '2 min 0 s', '2 min 3 s', '1 h 0 min 0 s', '1 h 0 min 0 s', '1 h 2 min 5 s',
    ]);
  });

  it('labels', () => {
    expect(modelKey('adam', 'L2')).toBe('adam_L2');
    expect([fileSafe('fashion-mnist'), fileSafe('a/b c'), fileSafe('***'), fileSafe('')]).toEqual(['fashion-mnist', 'a_b_c', '_', '_']);
    expect([plural(1, 'trial'), plural(0, 'trial'), plural(2, 'trial')]).toEqual(['1 trial', '0 trials', '2 trials']);
  });
});
