// Runs the update of one optimizer group whose spec has a tensor step (tensor-spec.ts):
// each claimed parameter's program (maps, products, norms), batched over the group's trials,
// then the spec's per-element rule over every range of the arena no program claims. All of
// it is recorded commands: a training step records it once and replays it, with nothing
// read back. Temporaries: one buffer per name, sized for its largest use, shared by the
// parameters (their programs run one after another).
import type { GBuf, Gpu, Kernel } from '../kernels/gpu.ts';
import { matmul } from '../kernels/matmul.ts';
import type { Operand } from '../kernels/operand.ts';
import { sumsq } from '../kernels/sumsq.ts';
import type { ParamArena, ParamSlot } from '../nn/params.ts';
import type { MapTensor } from './map-codegen.ts';
import { MapKernel, type GroupBindings, type Placement } from './map-kernel.ts';
import type { OptimizerSpec } from './spec.ts';
import { buildProgram, tempSpans, type MapOp, type TensorProgram } from './tensor-program.ts';
import type { ParamInfo } from './tensor-spec.ts';

export function paramInfo(s: ParamSlot): ParamInfo {
  return { name: s.name, shape: s.shape, kind: s.kind, ...(s.role ? { role: s.role } : {}) };
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** Arena ranges [start, end) (elements per trial) that no program claims, merged. */
export function unclaimedRanges(arena: Pick<ParamArena, 'slots' | 'perTrial'>, claimed: ReadonlySet<string>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (const s of [...arena.slots].sort((a, b) => a.offset - b.offset)) {
    if (!claimed.has(s.name)) continue;
    if (s.offset > start) out.push([start, s.offset]);
    start = align4(s.offset + s.size);
  }
  if (start < arena.perTrial) out.push([start, arena.perTrial]);
  return out;
}

export class TensorSteps {
  readonly programs: TensorProgram[];
  readonly kernels: Kernel[] = [];
  private readonly temps = new Map<string, { buf: GBuf; span: number }>();
  private readonly bindings: GroupBindings;
  private readonly records: Array<() => void> = [];
  private readonly maps = new Map<string, MapKernel>();

  constructor(
    private readonly gpu: Gpu,
    private readonly arena: ParamArena,
    readonly spec: OptimizerSpec,
    /** The group's state buffers of its stored slots, by slot name. */
    private readonly slots: ReadonlyMap<string, GBuf>,
    group: { hyper: GBuf; trialOf: GBuf },
    private readonly trials: number,
  ) {
    const step = spec.tensorStep!;
    const claimed = arena.slots.filter((s) => step.applies(paramInfo(s)));
    this.programs = claimed.map((s) => buildProgram(spec, paramInfo(s)));
    for (const [name, span] of tempSpans(this.programs)) this.temps.set(name, { buf: gpu.buffer(span * trials * 4, `${spec.name}.temp.${name}`), span });
    const scalars = step.scalars.length && this.programs.length ? gpu.buffer(step.scalars.length * trials * 4, `${spec.name}.scalars`) : null;
    this.bindings = { ...group, scalars };
    claimed.forEach((s, k) => this.compile(this.programs[k], s));
    this.compileRanges(unclaimedRanges(arena, new Set(claimed.map((s) => s.name))));
  }

  /** Records every program, then the per-element rule over the unclaimed ranges. */
  dispatch(): void {
    for (const r of this.records) r();
  }

  destroy(): void {
    for (const t of this.temps.values()) this.gpu.release(t.buf);
    this.gpu.release(this.bindings.scalars);
  }

  /** One generated kernel per distinct source (the same map over W1 and W2 is one pipeline). */
  private mapKernel(name: string, tensors: MapTensor[], body: string, consts: Record<string, number>, title: string, scalars: readonly string[]): MapKernel {
    const key = `${name}|${JSON.stringify(tensors)}|${body}|${JSON.stringify(consts)}`;
    let k = this.maps.get(key);
    if (!k) {
      k = new MapKernel(this.gpu, { spec: this.spec, title, tensors, body, consts, scalars, skipInactive: true, resetSlots: true }, name);
      this.maps.set(key, k);
      this.kernels.push(k.kernel);
    }
    return k;
  }

  private tensorKind(name: string): MapTensor['where'] {
    if (name === 'p' || name === 'g') return 'arena';
    return this.spec.slots.some((s) => s.name === name) ? 'slot' : 'temp';
  }

  /** Where tensor `name` of parameter `s` lives. */
  private placement(s: { offset: number }, name: string): Placement {
    const P = this.arena.perTrial;
    if (name === 'p') return { buf: this.arena.params, offset: s.offset, stride: P };
    if (name === 'g') return { buf: this.arena.grads, offset: s.offset, stride: P };
    const slot = this.slots.get(name);
    if (slot) return { buf: slot, offset: s.offset, stride: P };
    const t = this.temps.get(name);
    if (!t) throw new Error(`${this.spec.name}: slot '${name}' is not stored for these trials (its 'when' hyperparameter is 0), and a product or norm cannot read it`);
    return { buf: t.buf, offset: 0, stride: t.span };
  }

  private operand(s: ParamSlot, name: string): Operand {
    const p = this.placement(s, name);
    return { buf: p.buf, offset: p.offset, trialStride: p.stride };
  }

  private mapTensors(op: Pick<MapOp, 'reads' | 'writes'>): MapTensor[] {
    const names = [...new Set([...op.reads, ...op.writes, ...(op.reads.includes('g') ? ['p'] : [])])];
    return names.map((name) => {
      const where = this.tensorKind(name);
      return { name, where, read: op.reads.includes(name) || (name === 'p' && op.reads.includes('g')), write: op.writes.includes(name), present: where !== 'slot' || this.slots.has(name) };
    });
  }

  private compile(program: TensorProgram, s: ParamSlot): void {
    const { gpu, trials, spec } = this;
    const wc = this.arena.weightCount;
    const scalars = spec.tensorStep!.scalars;
    for (const op of program.ops) {
      const name = `${spec.name}.${op.label}`;
      if (op.kind === 'map') {
        const tensors = this.mapTensors(op);
        const k = this.mapKernel(name, tensors, op.wgsl, op.consts, `tensor step '${op.label}' (${[...op.reads].join(', ')} -> ${[...op.writes].join(', ')})`, scalars);
        const n = op.rows * op.cols;
        this.records.push(() => k.dispatch(this.bindings, n, op.cols, wc, (t) => this.placement(s, t), trials));
      } else if (op.kind === 'matmul') {
        const args = { form: op.form, M: op.M, N: op.N, K: op.K, trials, a: this.operand(s, op.a), b: this.operand(s, op.b), c: this.operand(s, op.out), label: name };
        this.records.push(() => matmul(gpu, args));
      } else {
        const x = this.operand(s, op.x);
        const out = { buf: this.bindings.scalars!, offset: scalars.indexOf(op.into), trialStride: scalars.length };
        this.records.push(() => sumsq(gpu, x, out, op.n, trials, name));
      }
    }
  }

  /** The per-element rule over the ranges no program claims (each range one dispatch of
   * one kernel), as shaders/optimizer.wgsl would run it, four bytes at a time. */
  private compileRanges(ranges: Array<[number, number]>): void {
    if (ranges.length === 0) return;
    const names = this.spec.slots.map((s) => s.name);
    const tensors = this.mapTensors({ reads: ['p', 'g', ...names], writes: ['p', ...names] });
    const k = this.mapKernel(`update_${this.spec.name}`, tensors, this.spec.wgsl, {}, 'the per-element rule, over the parameters no tensor step claims', []);
    for (const [start, end] of ranges) {
      this.records.push(() => k.dispatch(this.bindings, end - start, end - start, this.arena.weightCount, (t) => this.placement({ offset: start }, t), this.trials));
    }
  }
}
