// The built-in optimizers, in the order the registry lists them: the reference study's four
// in its order, then the others by file name. A new spec file in this folder goes here too
// (one import and one entry); tests/engine-imports.test.ts fails, naming the file, when one
// is missing. A static list rather than a directory read, so the same registry loads in a
// browser, where there is no directory to read.
import type { OptimizerSpec } from '../spec.ts';
import { adam } from './adam.ts';
import { adamw } from './adamw.ts';
import { custom } from './custom.ts';
import { muon } from './muon.ts';
import { rmsprop } from './rmsprop.ts';
import { sfAdamw } from './sf-adamw.ts';
import { sgd } from './sgd.ts';

export const BUILTIN_SPECS: readonly OptimizerSpec[] = [sgd, adam, rmsprop, custom, adamw, muon, sfAdamw];
