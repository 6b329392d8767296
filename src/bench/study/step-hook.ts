// Where a hook waits before each training step: empty unless the CLI's test hooks
// (test-hooks.ts, Node only, OPTBENCH_TEST_HOOK=step:<n>:hold) put one here. Node-free, as
// the trainer that asks it also runs in the web page.

let hook: (() => Promise<void> | null) | null = null;

/** Installs the hook asked before every step (test-hooks.ts). */
export function setStepHook(h: () => Promise<void> | null): void {
  hook = h;
}

/** Before every training step: a promise to wait for, or null (no hook, or not this step). */
export function stepHook(): Promise<void> | null {
  return hook ? hook() : null;
}
