// Per-trial dropout settings on the GPU: each trial's seed, keep probability (1 - p) and the
// training step, which keys the masks. Written once per step (16 bytes a trial).
import { DROPOUT_PARAM_WORDS, dropoutParams } from '../kernels/dropout.ts';
import type { GBuf, Gpu } from '../kernels/gpu.ts';
import type { Operand } from '../kernels/operand.ts';

export class DropoutState {
  readonly buf: GBuf;
  private readonly words: Uint32Array;

  constructor(
    private readonly gpu: Gpu,
    readonly seeds: number[],
    /** Drop probability per trial, in [0, 1). */
    readonly rates: number[],
  ) {
    if (seeds.length !== rates.length) throw new RangeError('dropout: one rate per trial');
    for (const p of rates) if (!(p >= 0 && p < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${p}`);
    this.words = new Uint32Array(seeds.length * DROPOUT_PARAM_WORDS);
    this.buf = gpu.buffer(this.words.byteLength, 'dropout-params');
    this.setStep(0);
  }

  /** True when some trial drops anything (else the kernels can be skipped). */
  get active(): boolean {
    return this.rates.some((p) => p > 0);
  }

  get operand(): Operand {
    return { buf: this.buf, trialStride: DROPOUT_PARAM_WORDS };
  }

  setStep(step: number): void {
    this.seeds.forEach((s, t) => this.words.set(dropoutParams(s, 1 - this.rates[t], step), t * DROPOUT_PARAM_WORDS));
    this.gpu.write(this.buf, this.words);
  }

  destroy(): void {
    this.gpu.release(this.buf);
  }
}
