// Number and label formatting shared by the Markdown, HTML and plot outputs.

/** Shown where a value is missing or not finite. */
export const DASH = '—';

export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Column label of an optimizer x regularization cell, e.g. `adam_L2`. */
export function modelKey(optimizer: string, reg: string): string {
  return `${optimizer}_${reg}`;
}

/** Accuracy: 4 decimals. */
export function fmtAcc(x: number | null | undefined): string {
  return isNum(x) ? x.toFixed(4) : DASH;
}

/** A signed difference of accuracies, 4 decimals (`+0.0123`, `-0.0450`, `0.0000`). */
export function fmtDiff(x: number | null | undefined): string {
  if (!isNum(x)) return DASH;
  const s = Math.abs(x).toFixed(4);
  if (Number(s) === 0) return s;
  return `${x > 0 ? '+' : '-'}${s}`;
}

/** A spread of accuracies (a std): 4 decimals, and an exact zero (seeds that agree) as 0. */
export function fmtAccSpread(x: number | null | undefined): string {
  return x === 0 ? '0' : fmtAcc(x);
}

/** A 95% confidence interval of an accuracy: `[0.9200, 0.9400]`. */
export function fmtCi(ci: readonly [number, number] | null | undefined): string {
  return ci && isNum(ci[0]) && isNum(ci[1]) ? `[${fmtAcc(ci[0])}, ${fmtAcc(ci[1])}]` : DASH;
}

/** `digits` significant digits; integers from 10^digits up; exponent form below 1e-3. */
export function fmtSig(x: number | null | undefined, digits = 3): string {
  if (!isNum(x)) return DASH;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3) return x.toExponential(digits - 1);
  const s = x.toPrecision(digits);
  return s.includes('e') ? x.toFixed(0) : s;
}

/** Seconds: 3 significant digits. */
export const fmtSeconds = (x: number | null | undefined): string => fmtSig(x, 3);

/** Variances: 3 significant digits, exponent form when very small or large. */
export function fmtVar(x: number | null | undefined): string {
  if (!isNum(x)) return DASH;
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(2) : fmtSig(x, 3);
}

export function fmtInt(x: number | null | undefined): string {
  return isNum(x) ? String(Math.round(x)) : DASH;
}

export function fmtBytes(x: number | null | undefined): string {
  if (!isNum(x)) return DASH;
  if (x >= 2 ** 30) return `${(x / 2 ** 30).toFixed(2)} GiB`;
  if (x >= 2 ** 20) return `${(x / 2 ** 20).toFixed(1)} MiB`;
  if (x >= 2 ** 10) return `${(x / 2 ** 10).toFixed(1)} KiB`;
  return `${Math.round(x)} B`;
}

/** Wall time: seconds below 2 minutes, else h/min/s. */
export function fmtDuration(s: number | null | undefined): string {
  if (!isNum(s)) return DASH;
  if (s < 120) return `${fmtSig(s, 3)} s`;
  const t = Math.round(s); // whole seconds first: 3599.6 s is 1 h, not 59 min 60 s
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h} h ${m} min ${sec} s` : `${m} min ${sec} s`;
}

/** A name safe in a file name. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_') || '_';
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
