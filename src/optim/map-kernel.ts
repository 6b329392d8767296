// Typed launcher of a generated map kernel (map-codegen.ts): compiles it once, then records
// one dispatch per call over n elements of each of a group's trials.
import type { GBuf, Gpu, Kernel } from '../kernels/gpu.ts';
import { strideGroups } from '../kernels/grid.ts';
import { boundTensors, mapBindings, mapSource, mapUniform, type MapKernelSpec } from './map-codegen.ts';

const WG = 64;

/** Where a bound tensor lives: its buffer, its offset and its stride between trials
 * (elements). Parameters and gradients are strided by the arena's trial span and indexed
 * through the group's trial list; slots and temporaries by the group's own position. */
export interface Placement {
  buf: GBuf;
  offset: number;
  stride: number;
}

/** The buffers of a group every map kernel may bind. */
export interface GroupBindings {
  hyper: GBuf;
  trialOf: GBuf;
  scalars: GBuf | null;
}

export class MapKernel {
  readonly kernel: Kernel;
  private readonly uses: { trialOf: boolean; scalars: boolean };
  private readonly bound: string[];

  constructor(
    private readonly gpu: Gpu,
    readonly spec: MapKernelSpec,
    name: string,
  ) {
    this.uses = mapBindings(spec);
    this.bound = boundTensors(spec).map((t) => t.name);
    // The records, then trial_of and the scalars where used, then one per tensor.
    const storage = 1 + Number(this.uses.trialOf) + Number(this.uses.scalars) + this.bound.length;
    const limit = gpu.limits.maxStorageBuffersPerShaderStage;
    if (storage > limit) throw new RangeError(`${name}: ${storage} storage buffers in one kernel, more than this adapter binds (${limit}); name fewer tensors in one map, or split it`);
    this.kernel = gpu.kernel({ name, code: mapSource(spec) });
  }

  /** Records the map over elements [0, n) of each tensor (from its placement's offset), as
   * a [n / cols, cols] matrix, for `trials` trials. `place` gives every bound tensor. */
  dispatch(group: GroupBindings, n: number, cols: number, weightCount: number, place: (name: string) => Placement, trials: number): void {
    const placed = this.bound.map(place);
    const groups = strideGroups(this.gpu, n, WG);
    const buffers = [group.hyper];
    if (this.uses.trialOf) buffers.push(group.trialOf);
    if (this.uses.scalars) {
      if (!group.scalars) throw new Error(`${this.kernel.name}: the kernel reads per-trial scalars the group has none of`);
      buffers.push(group.scalars);
    }
    this.gpu.dispatch(this.kernel, {
      uniforms: mapUniform(n, cols, groups, weightCount, placed),
      buffers: [...buffers, ...placed.map((p) => p.buf)],
      workgroups: [groups, 1, trials],
    });
  }
}
