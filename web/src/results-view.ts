// The finished study: every file as a download (named as a CLI run names them) and the
// report's index.html in a frame.
import type { ReportFile } from '../../src/bench/report/render.ts';
import { el } from './ui.ts';

const TYPES: Record<string, string> = { json: 'application/json', csv: 'text/csv', md: 'text/markdown', html: 'text/html', svg: 'image/svg+xml' };

let urls: string[] = [];

export function showResults(files: ReportFile[]): void {
  for (const u of urls) URL.revokeObjectURL(u);
  urls = [];
  const list = el('downloads');
  list.replaceChildren(
    ...files.map((f) => {
      const type = TYPES[f.name.slice(f.name.lastIndexOf('.') + 1)] ?? 'text/plain';
      const url = URL.createObjectURL(new Blob([f.content], { type }));
      urls.push(url);
      const a = document.createElement('a');
      a.href = url;
      a.download = f.name;
      a.textContent = f.name;
      const li = document.createElement('li');
      li.append(a);
      return li;
    }),
  );
  const html = files.find((f) => f.name === 'index.html');
  const frame = el<HTMLIFrameElement>('report');
  frame.hidden = !html;
  if (html) frame.srcdoc = html.content;
  el('results').hidden = false;
}
