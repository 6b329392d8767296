// The study form: its fields carry the CLI's flag names, so the page builds the CLI's flags
// from them and resolves them with the CLI's own configuration code (presets, sweeps,
// validation, the same messages). A field can be filled from the page's address
// (?optimizers=sgd,adam&seeds=1,2&epochs=3): a study is a link.
import { ConfigError, PRESETS, resolveConfig, type Flags, type StudyConfig } from '../../src/bench/study/config.ts';
import { getOptimizer, listOptimizers } from '../../src/optim/registry.ts';
import type { ManifestEntry } from './data.ts';

/** The data set name of the visitor's own files in results.json. */
export const OWN = 'own';

function checkbox(name: string, value: string, label: string, checked: boolean, title = ''): HTMLLabelElement {
  const l = document.createElement('label');
  l.className = 'choice';
  if (title) l.title = title;
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.name = name;
  input.value = value;
  input.checked = checked;
  l.append(input, ` ${label}`);
  return l;
}

/** One checkbox per served data set (the first checked). */
export function fillDatasets(box: HTMLElement, served: ManifestEntry[]): void {
  box.replaceChildren(...served.map((d, i) => checkbox('dataset', d.name, `${d.title} (${d.train} training, ${d.test} test images)`, i === 0, d.source)));
  if (!served.length) box.textContent = 'No data set is served beside this page (see the build log); use your own files.';
}

/** One checkbox per registered optimizer, keeping what was checked; `checked` adds to it. */
export function fillOptimizers(box: HTMLElement, checked: string[] = []): void {
  const was = new Set([...box.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value));
  const first = box.children.length === 0;
  box.replaceChildren(
    ...listOptimizers().map((name) => {
      const on = first ? name === 'sgd' || name === 'adam' : was.has(name) || checked.includes(name);
      return checkbox('optimizer', name, name, on, getOptimizer(name).description);
    }),
  );
}

export function fillPresets(select: HTMLSelectElement): void {
  select.replaceChildren(
    ...Object.keys(PRESETS).map((p) => {
      const o = document.createElement('option');
      o.value = p;
      o.textContent = p === 'seed-study' ? 'seed-study (the reference hyperparameters)' : p === 'seed-replica' ? "seed-replica (the reference notebook's behaviour)" : p;
      return o;
    }),
  );
}

/** Fields named in the address's query string take its values (checkbox groups: a comma
 * list of the values to check). */
export function prefill(form: HTMLFormElement, query: URLSearchParams): void {
  const groups: Record<string, string> = { datasets: 'dataset', optimizers: 'optimizer', regs: 'reg' };
  for (const [key, value] of query) {
    const group = groups[key];
    if (group) {
      const on = new Set(value.split(','));
      for (const input of form.querySelectorAll<HTMLInputElement>(`input[name="${group}"]`)) input.checked = on.has(input.value);
      continue;
    }
    const field = form.elements.namedItem(key);
    if (field instanceof HTMLInputElement && field.type === 'checkbox') field.checked = value !== '0' && value !== 'false';
    else if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement || field instanceof HTMLSelectElement) field.value = value;
  }
}

export interface PageStudy {
  config: StudyConfig;
  tune: boolean;
}

/** The study the form describes: the CLI's configuration, resolved and validated as the CLI
 * does (ConfigError for bad input). The visitor's own files are the data set 'own'. */
export function studyOf(form: HTMLFormElement): PageStudy {
  const data = new FormData(form);
  const all = (name: string) => data.getAll(name).map(String);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const datasets = all('dataset');
  for (const [what, chosen] of [['a data set', datasets], ['an optimizer', all('optimizer')], ['a regularization mode', all('reg')]] as const) {
    if (chosen.length === 0) throw new ConfigError(`choose ${what}`);
  }
  const served = datasets.filter((d) => d !== OWN);
  const flags: Flags = {
    preset: text('preset') || 'seed-study',
    // The configuration knows MNIST and Fashion-MNIST by name; own files stand in for one
    // while it is validated (nothing else in it depends on the name).
    datasets: (served.length ? served : ['mnist']).join(','),
    optimizers: all('optimizer').join(','),
    regs: all('reg').join(','),
    seeds: text('seeds'),
    epochs: text('epochs'),
    batch: text('batch'),
    'train-samples': text('train-samples'),
    validation: text('validation'),
    lambda: text('lambda'),
    dropout: text('dropout'),
    sizes: text('sizes'),
    // 0 in the form: as many as fit, which is the flag left out.
    'trials-at-once': text('trials-at-once') === '0' ? undefined : text('trials-at-once'),
    hyper: text('hyper').split('\n').map((l) => l.trim()).filter(Boolean),
    profile: data.has('profile') || undefined,
  };
  for (const [k, v] of Object.entries(flags)) if (v === '') throw new ConfigError(`fill in ${k}`);
  const config = resolveConfig(flags);
  if (datasets.includes(OWN)) config.datasets = [...(served as StudyConfig['datasets']), OWN as StudyConfig['datasets'][number]];
  return { config, tune: data.has('tune') };
}
