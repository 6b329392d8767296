// Small DOM helpers and the page's one message box: every failure lands there as text, so the
// page is never left blank.

export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page lacks #${id}`);
  return e as T;
}

/** The page's state for the visitor's eye (CSS) and for tests: loading, ready, running, done,
 * error (nothing can run: no WebGPU). */
export function setState(state: 'loading' | 'ready' | 'running' | 'done' | 'error'): void {
  document.body.dataset.state = state;
}

/** Shows `text` in the message box: 'error' for what went wrong, 'note' for what to know. */
export function showMessage(text: string, kind: 'error' | 'note' = 'error'): void {
  const box = el('message');
  box.textContent = text;
  box.className = kind;
  box.hidden = false;
}

export function clearMessage(): void {
  const box = el('message');
  box.hidden = true;
  box.textContent = '';
}

/** An error as one line for the visitor: the engine's and the loader's errors already say what
 * to do; anything else says what it was. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const known = ['ConfigError', 'DataError', 'SpecError', 'HyperparameterError', 'GpuUnavailableError', 'ShaderCompileError', 'GpuValidationError', 'GpuDeviceLostError'];
    return known.includes(e.name) ? e.message : `${e.name}: ${e.message}`;
  }
  return String(e);
}
