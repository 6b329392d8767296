// The parameters a model is evaluated at, where a spec says they differ from those it trains
// (tensor-spec.ts, `evaluate`; Schedule-Free AdamW: gradients at y, evaluation at x). One
// generated kernel per group rewrites its trials' parameters in place as the evaluated ones;
// Optimizers (fused.ts) copies the arena aside first and back afterwards, so training resumes
// from exactly the parameters it left, bit for bit.
import type { GBuf, Gpu, Kernel } from '../kernels/gpu.ts';
import type { ParamArena } from '../nn/params.ts';
import { MapKernel, type GroupBindings } from './map-kernel.ts';
import type { OptimizerSpec } from './spec.ts';

export class EvaluatedParams {
  private readonly map: MapKernel;
  private readonly bindings: GroupBindings;

  constructor(
    gpu: Gpu,
    private readonly arena: ParamArena,
    spec: OptimizerSpec,
    /** The group's state buffers of its stored slots, by slot name. */
    private readonly slots: ReadonlyMap<string, GBuf>,
    group: { hyper: GBuf; trialOf: GBuf },
    private readonly trials: number,
  ) {
    // Every trial, diverged or not, and the state as stored (a reset applies at the next step).
    const tensors = [
      { name: 'p', where: 'arena' as const, read: true, write: true, present: true },
      ...spec.slots.map((s) => ({ name: s.name, where: 'slot' as const, read: true, write: false, present: slots.has(s.name) })),
    ];
    this.map = new MapKernel(gpu, { spec, title: 'the parameters to evaluate, written over the trained ones', tensors, body: spec.evaluate!.wgsl, skipInactive: false, resetSlots: false }, `evaluate_${spec.name}`);
    this.bindings = { ...group, scalars: null };
  }

  get kernel(): Kernel {
    return this.map.kernel;
  }

  /** Records the rewrite of every trial's parameters of the group. */
  dispatch(): void {
    const P = this.arena.perTrial;
    this.map.dispatch(this.bindings, P, P, this.arena.weightCount, (name) => (name === 'p' ? { buf: this.arena.params, offset: 0, stride: P } : { buf: this.slots.get(name)!, offset: 0, stride: P }), this.trials);
  }
}
