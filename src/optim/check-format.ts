// The checker's report as text: what was checked, the largest relative error of the
// parameter and of each state slot, and PASS or FAIL with the reasons.
import type { CheckReport } from './check.ts';
import { placeOf } from './check-compile.ts';

const num = (x: number) => (x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(1) : Number.isNaN(x) ? '-' : String(x));

/** A report for people; `sha256`, of the spec's file, is shown beside its name. */
export function formatCheckReport(r: CheckReport, sha256?: string): string {
  const from = r.file ? ` (${r.file}${sha256 ? `, sha256 ${sha256.slice(0, 12)}` : ''})` : '';
  const out = [`${r.optimizer}${from}: fused kernel against its TypeScript reference, ${r.steps} steps, gradients with negatives, zeros, +-1e-30 and +-1e4`];
  if (r.cases.length) out.push(`  cases: ${r.cases.join('; ')}`);
  if (r.slots.length) {
    const w = Math.max(4, ...r.slots.map((s) => s.slot.length));
    out.push(`  ${'slot'.padEnd(w)}  largest relative error  error / tolerance (<= 1 passes)`);
    for (const s of r.slots) out.push(`  ${s.slot.padEnd(w)}  ${num(s.maxRelError).padEnd(22)}  ${num(s.worstRatio)}${s.failures ? `  (${s.failures} of ${s.values} values fail)` : ''}`);
  }
  for (const p of r.compile) {
    out.push(`  ${placeOf(p, r.file ?? undefined)}: ${p.message}`);
    if (p.text) out.push(`      ${p.text}`, `      ${' '.repeat(p.textColumn - 1)}^`);
  }
  out.push(r.passed ? `PASS ${r.optimizer}` : `FAIL ${r.optimizer}: ${r.problems.join('; ')}`);
  return out.join('\n');
}

