// The gradient tape: ops append a node with their backward; backward() replays them in
// reverse. Nothing here reads the GPU back: every backward only records kernels.
import type { Gpu } from '../kernels/gpu.ts';
import type { Tensor } from './tensor.ts';

export interface TapeNode {
  name: string;
  backward(): void;
}

export class Tape {
  private nodes: TapeNode[] = [];
  /** Buffers of intermediate tensors, returned to the pool by release(). */
  private owned: Tensor[] = [];

  /** `recording` false: a forward-only scope (evaluation) that still frees its buffers. */
  constructor(
    readonly gpu: Gpu,
    readonly recording = true,
  ) {}

  record(node: TapeNode): void {
    if (this.recording) this.nodes.push(node);
  }

  /** Marks a tensor (or gradient) whose buffer the tape frees at release(). */
  own<T extends Tensor>(t: T): T {
    this.owned.push(t);
    return t;
  }

  /** Runs every recorded backward, last op first. The loss op seeds the first gradient. */
  backward(): void {
    for (let i = this.nodes.length - 1; i >= 0; i--) this.nodes[i].backward();
    this.nodes = [];
  }

  /** Returns intermediate buffers to the pool (reused after the next submit). */
  release(): void {
    for (const t of this.owned) this.gpu.release(t.buf);
    this.owned = [];
    this.nodes = [];
  }
}
