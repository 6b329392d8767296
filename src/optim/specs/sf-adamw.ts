import { lerp } from '../reference-math.ts';
import type { OptimizerSpec } from '../spec.ts';

/**
 * Schedule-Free AdamW (Defazio et al., "The Road Less Scheduled", 2024), as
 * facebookresearch/schedule_free's AdamWScheduleFree (schedulefree/adamw_schedulefree.py,
 * commit 70785b5): the memory-efficient form that stores y (where gradients are taken) as the
 * parameter and z as state, x (where the model is evaluated) being
 *   x = lerp(y, z, 1 - 1/beta1).
 * Step k (from 0; t = k + 1):
 *   lr_k = lr min(1, (k+1) / warmup_steps);  lr_max = max over steps of lr_k
 *   weight_k = (k+1)^r lr_max^weight_lr_power;  c = weight_k / sum of weights so far
 *   v = beta2 v + (1-beta2) g^2;  gn = g / (sqrt(v / (1 - beta2^t)) + eps)
 *     (inner_momentum > 0: m = im m + (1-im) g; gn = (m / (1 - im^t)) / (sqrt(..) + eps))
 *   gn += weight_decay y;  y = lerp(y, z, c) + lr_k (beta1 (1 - c) - 1) gn;  z -= lr_k gn
 * z starts as the parameter (the first step copies it). The host computes the per-step
 * scalars in float64 as the reference does in Python; the running sum of weights is cached,
 * so a step costs O(1), not O(t). Evaluation writes x over y in a copy of the parameters
 * (src/optim/evaluated.ts) instead of the reference's in-place eval()/train() lerps, so
 * training continues from y exactly.
 */

interface Averaging {
  /** The last step (from 0) accumulated, its scheduled lr and weight. */
  k: number;
  lr: number;
  weight: number;
  lrMax: number;
  weightSum: number;
}

/** The averaging state after step k of each setting (lr, warm-up, r, power), advanced step by
 * step as the reference accumulates it (the same float64 sums, in the same order). */
const averaging = new Map<string, Averaging>();

function averagingAt(h: Readonly<Record<string, number>>, k: number): Averaging {
  const key = `${h.lr}|${h.warmup_steps}|${h.r}|${h.weight_lr_power}`;
  let s = averaging.get(key);
  if (!s || s.k > k) s = { k: -1, lr: 0, weight: 0, lrMax: -1, weightSum: 0 };
  while (s.k < k) {
    const i = s.k + 1;
    s.lr = h.lr * (i < h.warmup_steps ? (i + 1) / h.warmup_steps : 1);
    s.lrMax = Math.max(s.lr, s.lrMax);
    s.weight = (i + 1) ** h.r * s.lrMax ** h.weight_lr_power;
    s.weightSum += s.weight;
    s.k = i;
  }
  if (averaging.size >= 256 && !averaging.has(key)) averaging.clear();
  averaging.set(key, s);
  return s;
}

export const sfAdamw: OptimizerSpec = {
  name: 'sf-adamw',
  description: 'Schedule-Free AdamW (Defazio et al. 2024): gradients at y, evaluated at x, warm-up, lr^2-weighted averaging',
  slots: [{ name: 'z' }, { name: 'v' }, { name: 'm', when: 'inner_momentum' }],
  hyper: {
    lr: { default: 0.0025, min: 0, max: 10, minExclusive: true, doc: 'learning rate (peak, after warm-up)' },
    beta1: { default: 0.9, min: 0, max: 1, minExclusive: true, maxExclusive: true, doc: 'interpolation of y between x and z (x = lerp(y, z, 1 - 1/beta1) needs beta1 > 0)' },
    beta2: { default: 0.999, min: 0, max: 1, maxExclusive: true, doc: 'second-moment decay' },
    eps: { default: 1e-8, min: 0, max: 1, minExclusive: true, doc: 'denominator offset' },
    weight_decay: { default: 0, min: 0, max: 1, doc: 'weight decay, computed at y' },
    warmup_steps: { default: 0, min: 0, max: 1e9, doc: 'linear learning-rate warm-up over this many steps' },
    r: { default: 0, min: 0, max: 10, doc: 'polynomial weighting power of the average' },
    weight_lr_power: { default: 2, min: 0, max: 10, doc: 'the average weights each step by lr_max^weight_lr_power' },
    inner_momentum: { default: 0, min: 0, max: 1, maxExclusive: true, doc: 'first-moment decay inside the AdamW step (0: none, no state)' },
  },
  perStep: (h, t) => {
    const { lr, weight, weightSum } = averagingAt(h, t - 1);
    const ckp1 = weightSum > 0 ? weight / weightSum : 0;
    return {
      sched_lr: lr,
      ckp1,
      y_coef: lr * (h.beta1 * (1 - ckp1) - 1),
      bc1: 1 - h.inner_momentum ** t,
      bc2: 1 - h.beta2 ** t,
      x_weight: 1 - 1 / h.beta1,
      first: t === 1 ? 1 : 0,
    };
  },
  wgsl: `
    if (first != 0.0) { z = p; }
    v = v * beta2 + (1.0 - beta2) * g * g;
    let denom = sqrt(v / bc2) + eps;
    var gn = g / denom;
    if (inner_momentum != 0.0) {
      m = m * inner_momentum + (1.0 - inner_momentum) * g;
      gn = (m / bc1) / denom;
    }
    gn = gn + weight_decay * p;
    p = select(p + ckp1 * (z - p), z - (z - p) * (1.0 - ckp1), ckp1 >= 0.5);
    p = p + y_coef * gn;
    z = z - sched_lr * gn;`,
  reference(p, g, s, h, d) {
    if (d.first) s.z = p;
    s.v = s.v * h.beta2 + (1 - h.beta2) * g * g;
    const denom = Math.sqrt(s.v / d.bc2) + h.eps;
    let gn = g / denom;
    if (h.inner_momentum) {
      s.m = s.m * h.inner_momentum + (1 - h.inner_momentum) * g;
      gn = s.m / d.bc1 / denom;
    }
    gn += h.weight_decay * p;
    const y = lerp(p, s.z, d.ckp1) + d.y_coef * gn;
    s.z -= d.sched_lr * gn;
    return y;
  },
  evaluate: {
    wgsl: 'p = p + x_weight * (z - p);',
    reference: (p, s, _h, d) => lerp(p, s.z, d.x_weight),
  },
};
