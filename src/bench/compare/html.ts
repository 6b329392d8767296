// compare.html: the comparison as a self-contained page (inline CSS, no scripts), every
// text escaped.
import { escapeHtml, htmlPage, htmlTable } from '../report/html.ts';
import { OUTSIDE } from '../report/reference.ts';
import type { ComparisonReport } from './index.ts';

export function comparisonHtml(r: ComparisonReport): string {
  const parts = [
    `<h1>${escapeHtml(r.title)}</h1>`,
    `<ul>${r.runLines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
    `<p class="note">${escapeHtml(r.referenceLine)}</p>`,
    htmlTable(r.table, 2, OUTSIDE),
    '<h2>Which conclusions hold with correct optimizers</h2>',
    `<ul class="findings">${r.findings.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}</ul>`,
  ];
  return htmlPage(r.title, parts.join('\n'));
}
