// The reference study's published numbers (DESIGN.md, "The reference study"), kept as data
// so every report can set a run against them. They come from a TensorFlow/Keras notebook
// that rebuilt its sgd, adam and rmsprop optimizers on every step (empty state each step;
// `custom` kept its state): preset `seed-replica` replays that, `seed-study` corrects it.

export const REFERENCE_DATASETS = ['fashion-mnist', 'mnist'] as const;
export const REFERENCE_OPTIMIZERS = ['sgd', 'adam', 'rmsprop', 'custom'] as const;
export const REFERENCE_REGS = ['default', 'L2', 'dropout'] as const;

export type ReferenceDataset = (typeof REFERENCE_DATASETS)[number];
export type ReferenceOptimizer = (typeof REFERENCE_OPTIMIZERS)[number];
export type ReferenceReg = (typeof REFERENCE_REGS)[number];

/** Mean final test accuracy over the reference study's 10 seeds, as published (3 decimals). */
export const REFERENCE_ACCURACY: Record<ReferenceDataset, Record<ReferenceOptimizer, Record<ReferenceReg, number>>> = {
  'fashion-mnist': {
    sgd: { default: 0.858, L2: 0.859, dropout: 0.858 },
    adam: { default: 0.833, L2: 0.84, dropout: 0.836 },
    rmsprop: { default: 0.714, L2: 0.747, dropout: 0.314 },
    custom: { default: 0.873, L2: 0.874, dropout: 0.876 },
  },
  mnist: {
    sgd: { default: 0.956, L2: 0.956, dropout: 0.957 },
    adam: { default: 0.963, L2: 0.963, dropout: 0.964 },
    rmsprop: { default: 0.951, L2: 0.956, dropout: 0.95 },
    custom: { default: 0.969, L2: 0.969, dropout: 0.971 },
  },
};

/** Where the numbers come from and how they were obtained. */
export const REFERENCE_PROVENANCE = {
  source: 'TensorFlow/Keras notebook of the original study (DESIGN.md, "The reference study")',
  statistic: 'mean final test accuracy over seeds',
  seeds: 10,
  epochs: 10,
  /** Published rounded to this many decimals: differences below 0.0005 are rounding. */
  decimals: 3,
  /** Wall seconds per 10-epoch trial on a hosted notebook GPU. */
  secondsPerTrial: [76, 111] as [number, number],
  /** Optimizers the notebook re-created on every step (state empty at each step). */
  resetEveryStep: ['sgd', 'adam', 'rmsprop'] as string[],
} as const;

/** One line describing the reference, for report notes. */
export function referenceDescription(): string {
  const p = REFERENCE_PROVENANCE;
  return `Reference: ${p.statistic} (${p.seeds} seeds, ${p.epochs} epochs, ${p.secondsPerTrial[0]}–${p.secondsPerTrial[1]} s per trial) from the original TensorFlow/Keras notebook, published to ${p.decimals} decimals; its ${p.resetEveryStep.join(', ')} restarted from empty state at every step (preset seed-replica replays that), only custom kept its state.`;
}

/** The reference's mean test accuracy of a cell, or undefined where the study has none. */
export function referenceAccuracy(dataset: string, optimizer: string, reg: string): number | undefined {
  const d = (REFERENCE_ACCURACY as Record<string, Record<string, Record<string, number>>>)[dataset];
  return Object.hasOwn(REFERENCE_ACCURACY, dataset) && Object.hasOwn(d, optimizer) && Object.hasOwn(d[optimizer], reg) ? d[optimizer][reg] : undefined;
}
