// The package's public API (`import { ... } from 'webgpu-optbench'`): what an optimizer
// spec needs, the checker that `--check-optimizer` and the test suite run, the registry, and
// the training API beneath `optbench` (the GPU runtime, data sets, trial groups, studies).
// docs/extending.md shows them at work; everything else in src/ is internal.
// The GPU types (GPUDevice, ...) in these declarations are @webgpu/types' globals.
/// <reference types="@webgpu/types" preserve="true" />
// The engine's Node side (Dawn, files, the environment): the package runs in Node.
import './platform/node.ts';

// Optimizer specs and their registry.
export type { HyperSpec, OptimizerSpec, SlotSpec } from './optim/spec.ts';
export { activeSlots, checkSpec, defaults, HyperparameterError, perStepValues, resolveHyper } from './optim/spec.ts';
export { getOptimizer, listOptimizers, registerOptimizer } from './optim/registry.ts';
export { validateSpec } from './optim/validate.ts';
export { loadOptimizerFiles, readOptimizerFiles, OptimizerFileError, type LoadedFile, type OptimizerSource } from './bench/optimizer-loader.ts';

// The checker.
export { checkOptimizer, defaultCases, SPEC_CHECKS, type CheckCase, type CheckOptions, type CheckReport, type SpecCheck } from './optim/check.ts';
export { formatCheckReport } from './optim/check-format.ts';
export { CHECK_STEPS, checkGradients, compareWithReference, type CaseOutcome, type ReferenceCase, type SlotStats } from './optim/check-reference.ts';
export { Optimizers, type TrialOptimizerConfig } from './optim/fused.ts';

// Training.
export { Gpu, type GpuOptions } from './kernels/gpu.ts';
export { BACKENDS, type BackendName } from './kernels/device.ts';
export { GpuDeviceLostError, GpuUnavailableError, GpuValidationError, ShaderCompileError } from './kernels/errors.ts';
export { DATASETS, loadDataset, type Dataset, type DatasetName, type LoadOptions } from './bench/data/datasets.ts';
export { releaseDataset, uploadDataset, type GpuDataset } from './bench/data/gpu-data.ts';
export { TrainingGroup, type EpochResult, type EvalResult, type GroupConfig, type TrialSetup } from './bench/study/trainer.ts';

// Whole studies, as `optbench` runs them.
export { PRESETS, resolveConfig, ConfigError, type StudyConfig } from './bench/study/config.ts';
export { runStudy, type RunOptions, type RunOutcome } from './bench/study/study.ts';
export type { ResultsFile, TrialRecord } from './bench/results/types.ts';
