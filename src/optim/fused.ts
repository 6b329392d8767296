// Runs the fused optimizer updates of a parameter arena: every trial names its optimizer
// and hyperparameters; trials sharing an optimizer (and the same stored slots) form a
// group that one dispatch updates. Hyperparameters, L2 coefficients and bias corrections
// travel in a small per-trial record written each step, so nothing recompiles when they
// change and every trial can differ. A spec with a tensor step (tensor-spec.ts) runs its
// per-parameter programs instead of the one fused kernel (tensor-steps.ts); a spec whose
// evaluated parameters differ from its trained ones gets an evaluation kernel (evaluated.ts).
import type { GBuf, Gpu, Kernel } from '../kernels/gpu.ts';
import { strideGroups } from '../kernels/grid.ts';
import { l2GradCoefficient } from '../nn/loss.ts';
import type { ParamArena } from '../nn/params.ts';
import { optimizerSource, recordLayout } from './codegen.ts';
import { EvaluatedParams } from './evaluated.ts';
import { getOptimizer } from './registry.ts';
import { activeSlots, perStepValues, resolveHyper, type OptimizerSpec, type SlotSpec } from './spec.ts';
import { TensorSteps } from './tensor-steps.ts';

const WG = 64;

export interface TrialOptimizerConfig {
  /** Registry name: sgd, adam, rmsprop, custom, adamw, or a registered one. */
  optimizer: string;
  hyper?: Readonly<Record<string, number>>;
  /** Zero the state before every update (and use step 1 for bias corrections), as the
   * reference notebook effectively did for its built-in optimizers. */
  resetEveryStep?: boolean;
  /** L2 lambda: loss + lambda / (2 n) * sum of squared weights (src/nn/loss.ts). */
  l2?: number;
}

class OptimizerGroup {
  /** The fused per-element kernel (specs without a tensor step). */
  readonly kernel: Kernel | null;
  /** The per-parameter programs and per-element ranges (specs with a tensor step). */
  readonly steps: TensorSteps | null;
  /** The evaluated parameters' kernel (specs with `evaluate`). */
  readonly evaluated: EvaluatedParams | null;
  readonly slotBufs: GBuf[];
  readonly hyperBuf: GBuf;
  readonly listBuf: GBuf;
  /** Each trial's resolved hyperparameters, frozen: the records cache what they hold. */
  readonly hyper: ReadonlyArray<Readonly<Record<string, number>>>;
  /** Whether a record was written since the group was made (the GPU copy holds one). */
  prepared = false;
  /** Whether each trial still updates; set only through setActive() (it is in the record). */
  private readonly active: boolean[];
  private readonly record: Float32Array;
  private readonly layout: string[];
  /** The record of every trial less its per-step values, for one batch size (rebuilt when
   * the rows or a trial's activity change): a step copies it and overlays perStep's values. */
  private base: { rows: number; values: Float32Array } | null = null;
  /** Trials with identical hyperparameters and reset flag share one perStep call a step
   * (a study's group holds many trials of few settings). */
  private readonly perStepGroups: Array<{ h: Readonly<Record<string, number>>; reset: boolean; trials: number[] }>;

  constructor(
    private readonly gpu: Gpu,
    private readonly arena: ParamArena,
    readonly spec: OptimizerSpec,
    readonly slots: SlotSpec[],
    /** Arena trial index of each list position. */
    readonly trials: number[],
    readonly configs: TrialOptimizerConfig[],
  ) {
    this.hyper = configs.map((c) => Object.freeze(resolveHyper(spec, c.hyper)));
    this.active = trials.map(() => true);
    this.layout = recordLayout(spec);
    const byKey = new Map<string, { h: Readonly<Record<string, number>>; reset: boolean; trials: number[] }>();
    this.hyper.forEach((h, j) => {
      const reset = !!configs[j].resetEveryStep;
      const key = `${reset}|${JSON.stringify(Object.entries(h).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
      let g = byKey.get(key);
      if (!g) byKey.set(key, (g = { h, reset, trials: [] }));
      g.trials.push(j);
    });
    this.perStepGroups = [...byKey.values()];
    this.record = new Float32Array(this.layout.length * trials.length);
    const span = arena.perTrial * trials.length;
    this.slotBufs = slots.map((s) => {
      const b = gpu.buffer(span * 4, `${spec.name}.${s.name}`);
      gpu.write(b, new Float32Array(span));
      return b;
    });
    this.hyperBuf = gpu.buffer(this.record.byteLength, `${spec.name}.hyper`);
    this.listBuf = gpu.upload(Uint32Array.from(trials), `${spec.name}.trials`);
    const bySlot = new Map(slots.map((s, k) => [s.name, this.slotBufs[k]]));
    const group = { hyper: this.hyperBuf, trialOf: this.listBuf };
    this.steps = spec.tensorStep ? new TensorSteps(gpu, arena, spec, bySlot, group, trials.length) : null;
    this.kernel = this.steps ? null : gpu.kernel({ name: `update_${spec.name}`, code: optimizerSource(spec, slots) });
    this.evaluated = spec.evaluate ? new EvaluatedParams(gpu, arena, spec, bySlot, group, trials.length) : null;
  }

  /** Every kernel the group runs. */
  get kernels(): Kernel[] {
    return [...(this.kernel ? [this.kernel] : []), ...(this.steps?.kernels ?? []), ...(this.evaluated ? [this.evaluated.kernel] : [])];
  }

  /** Writes the per-trial records of step t (from 1) for a batch of `rows` rows. A write
   * submits what was recorded before it, so a training step writes first, then records. */
  prepare(t: number, rows: number): void {
    this.prepared = true;
    // Per trial the record is { ...h, ...perStep(h, t), active, reset, l2 }: the parts that
    // do not change with t come from the base, so a step costs one perStep call per distinct
    // setting, not an object per trial (the host time of a step, at T = 120, on a GPU).
    const n = this.layout.length;
    this.record.set(this.baseRecord(rows));
    for (const g of this.perStepGroups) {
      const d = perStepValues(this.spec, g.h, g.reset ? 1 : t);
      this.layout.forEach((name, k) => {
        if (!(name in d) || name === 'active' || name === 'reset' || name === 'l2') return;
        for (const j of g.trials) this.record[j * n + k] = d[name];
      });
    }
    this.gpu.write(this.hyperBuf, this.record);
  }

  private baseRecord(rows: number): Float32Array {
    if (this.base?.rows === rows) return this.base.values;
    const n = this.layout.length;
    const values = new Float32Array(this.record.length);
    this.trials.forEach((_, j) => {
      const c = this.configs[j];
      const fixed: Record<string, number> = { ...this.hyper[j], active: this.active[j] ? 1 : 0, reset: c.resetEveryStep ? 1 : 0, l2: l2GradCoefficient(c.l2 ?? 0, rows) };
      this.layout.forEach((name, k) => (values[j * n + k] = fixed[name]));
    });
    this.base = { rows, values };
    return values;
  }

  setActive(pos: number, on: boolean): void {
    this.active[pos] = on;
    this.base = null;
  }

  isActive(pos: number): boolean {
    return this.active[pos];
  }

  /** Records the update with the records last prepared. */
  dispatch(): void {
    if (this.steps) {
      this.steps.dispatch();
      return;
    }
    // One invocation per vec4 (the shader reads four elements at a time): counting elements
    // here launched four times the invocations a GPU needs, three of four idle.
    const groups = strideGroups(this.gpu, this.arena.perTrial / 4, WG);
    this.gpu.dispatch(this.kernel!, {
      uniforms: new Uint32Array([this.arena.perTrial, this.arena.weightCount, groups, 0]),
      buffers: [this.arena.params, this.arena.grads, this.hyperBuf, this.listBuf, ...this.slotBufs],
      workgroups: [groups, 1, this.trials.length],
    });
  }

  destroy(): void {
    this.steps?.destroy();
    for (const b of [...this.slotBufs, this.hyperBuf, this.listBuf]) this.gpu.release(b);
  }
}

export class Optimizers {
  readonly groups: OptimizerGroup[] = [];
  /** Group and list position of each arena trial. */
  private readonly where: Array<{ group: OptimizerGroup; pos: number }> = [];
  /** The trained parameters while the arena holds the evaluated ones (beginEvaluation). */
  private trained: GBuf | null = null;
  private evaluating = false;

  constructor(
    readonly gpu: Gpu,
    readonly arena: ParamArena,
    configs: TrialOptimizerConfig[],
  ) {
    if (configs.length !== arena.trials) throw new RangeError(`optimizers: ${configs.length} configurations for ${arena.trials} trials`);
    const byKey = new Map<string, { spec: OptimizerSpec; slots: SlotSpec[]; trials: number[]; configs: TrialOptimizerConfig[] }>();
    configs.forEach((c, t) => {
      const spec = getOptimizer(c.optimizer);
      const slots = activeSlots(spec, resolveHyper(spec, c.hyper));
      if (c.l2 !== undefined && !(c.l2 >= 0 && Number.isFinite(c.l2))) throw new RangeError(`L2 lambda must be a finite number >= 0, got ${c.l2}`);
      const key = `${spec.name}|${slots.map((s) => s.name).join(',')}`;
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { spec, slots, trials: [], configs: [] }));
      e.trials.push(t);
      e.configs.push(c);
    });
    for (const e of byKey.values()) {
      const g = new OptimizerGroup(gpu, arena, e.spec, e.slots, e.trials, e.configs);
      this.groups.push(g);
      e.trials.forEach((t, pos) => (this.where[t] = { group: g, pos }));
    }
  }

  /** Waits until every generated kernel is known to compile. */
  async ready(): Promise<void> {
    await Promise.all(this.groups.flatMap((g) => g.kernels.map((k) => k.ready)));
  }

  /** Writes every trial's hyperparameter record for step t (from 1) and a batch of `rows`
   * rows. Call before recording the step's kernels: the write flushes recorded work. */
  prepare(t: number, rows: number): void {
    for (const g of this.groups) g.prepare(t, rows);
  }

  /** Records the update of every trial (with the records of the last prepare()). */
  dispatch(): void {
    for (const g of this.groups) g.dispatch();
  }

  /** prepare() then dispatch(): a complete update for step t. */
  step(t: number, rows: number): void {
    this.prepare(t, rows);
    this.dispatch();
  }

  /** Stops updating a trial (it diverged); its parameters stay as they are. */
  freeze(trial: number): void {
    const w = this.where[trial];
    w.group.setActive(w.pos, false);
  }

  isFrozen(trial: number): boolean {
    const w = this.where[trial];
    return !w.group.isActive(w.pos);
  }

  /** Every state buffer, read back in a fixed order (group, then slot): for checkpoints. */
  async saveState(): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const g of this.groups) for (const b of g.slotBufs) out.push(await this.gpu.readF32(b, 0, this.arena.perTrial * g.trials.length));
    return out;
  }

  /** Writes back what saveState() returned (same trials, same optimizers). */
  loadState(state: Float32Array[]): void {
    let k = 0;
    for (const g of this.groups) {
      for (const b of g.slotBufs) {
        const v = state[k++];
        if (!v || v.length !== this.arena.perTrial * g.trials.length) throw new RangeError('optimizer state does not fit these trials');
        this.gpu.write(b, v);
      }
    }
    if (k !== state.length) throw new RangeError('optimizer state does not fit these trials');
  }

  /** The state slots of one trial, read back (tests). */
  async readState(trial: number): Promise<Record<string, Float32Array>> {
    const { group, pos } = this.where[trial];
    const P = this.arena.perTrial;
    const out: Record<string, Float32Array> = {};
    for (const [k, s] of group.slots.entries()) out[s.name] = await this.gpu.readF32(group.slotBufs[k], pos * P, P);
    return out;
  }

  kernelName(trial: number): string {
    return `update_${this.where[trial].group.spec.name}`;
  }

  /** Whether some trial is evaluated at other parameters than it trains (spec.evaluate). */
  get evaluatesOtherParameters(): boolean {
    return this.groups.some((g) => g.evaluated);
  }

  /**
   * Records, before an evaluation: a copy of the trained parameters, then, for every trial
   * whose spec says so, its evaluated parameters written over them. `step`: optimizer steps
   * taken so far; before the first there is no state, and the trained parameters are the
   * evaluated ones. Pair with endEvaluation().
   */
  beginEvaluation(step: number): void {
    if (step === 0 || !this.evaluatesOtherParameters) return;
    for (const g of this.groups) if (g.evaluated && !g.prepared) g.prepare(step, 1); // the record the kernel reads (after a restore)
    this.trained ??= this.gpu.buffer(this.arena.perTrial * this.arena.trials * 4, 'trained-params');
    this.gpu.copy(this.arena.params, 0, this.trained, 0, this.arena.perTrial * this.arena.trials * 4);
    for (const g of this.groups) g.evaluated?.dispatch();
    this.evaluating = true;
  }

  /** Records the copy that puts the trained parameters back, exactly. */
  endEvaluation(): void {
    if (!this.evaluating) return;
    this.gpu.copy(this.trained!, 0, this.arena.params, 0, this.arena.perTrial * this.arena.trials * 4);
    this.evaluating = false;
  }

  /** Every trial's evaluated parameters, read back (one Float32Array per trial). */
  async readEvaluated(step: number): Promise<Float32Array[]> {
    this.beginEvaluation(step);
    try {
      return await this.arena.read();
    } finally {
      this.endEvaluation();
    }
  }

  destroy(): void {
    for (const g of this.groups) g.destroy();
    this.gpu.release(this.trained);
  }
}

