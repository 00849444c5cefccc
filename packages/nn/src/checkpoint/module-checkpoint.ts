/**
 * Training checkpoints on top of the safetensors module: one file holds the model, optionally its
 * EMA and the optimizer state, plus the model config and training metadata, so a run resumes exactly.
 *
 * Layout (tensor names are namespaced; everything else is JSON in `__metadata__`):
 *   model.<key>             the model's state dict (parameters and buffers, dotted names)
 *   ema.<key>               the EMA shadow, same keys as the model
 *   optim.<index>.<name>    optimizer state tensors by parameter index (e.g. optim.3.expAvgSq)
 *   __metadata__.format     CHECKPOINT_FORMAT
 *   __metadata__.config     JSON of the model config
 *   __metadata__.training   JSON of { step, generatorState?, ema?: { numUpdates },
 *                                     optimizer?: { kind, paramGroups, steps: { <index>: step } } }
 *
 * Saving is atomic (temp file + rename, `writeFileAtomic`): a failed save leaves the old file. Loading
 * validates the bytes (`decodeSafetensors`), then the layout and metadata, and `restoreCheckpoint`
 * checks every part against the model, EMA and optimizer before changing any of them.
 */
import { Generator, tensor, type GeneratorState, type Tensor } from '@diffusion-ts/tensor';
import type { Module } from '../module.ts';
import type { EMA, EmaStateDict } from '../ema.ts';
import type { OptimizerStateDict, ParamState, SavedParamGroup } from '../optim/optimizer.ts';
import { clip, excerpt } from '../bounded-text.ts';
import { findDuplicateKey } from './duplicate-keys.ts';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type DecodedSafetensors, type EncodeOptions, type StoredTensor } from './safetensors.ts';

/** The value of `__metadata__.format` in files written by `saveCheckpoint`. */
export const CHECKPOINT_FORMAT = 'diffusion-ts.checkpoint.v1';

/** Anything wrong with a checkpoint file or with what it is loaded into. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** What an optimizer must offer to be checkpointed (every `Optimizer` does). */
export interface CheckpointableOptimizer {
  stateDict(): OptimizerStateDict;
  validateStateDict(dict: OptimizerStateDict): void;
  loadStateDict(dict: OptimizerStateDict): void;
}

export interface CheckpointInput {
  model: Module;
  ema?: EMA;
  optimizer?: CheckpointableOptimizer;
  /** Training step (optimizer steps taken). */
  step: number;
  /** The model config (anything JSON-serializable), so the network can be rebuilt from the file. */
  config: unknown;
  /** The data/noise generator's position, to resume the random stream exactly. */
  generatorState?: GeneratorState;
}

/** A decoded checkpoint: state dicts as tensors, and the metadata. */
export interface Checkpoint {
  model: Record<string, Tensor>;
  ema?: EmaStateDict;
  optimizer?: OptimizerStateDict;
  step: number;
  config: unknown;
  generatorState?: GeneratorState;
}

interface TrainingMetadata {
  step: number;
  generatorState?: GeneratorState;
  ema?: { numUpdates: number };
  optimizer?: { kind: string; paramGroups: SavedParamGroup[]; steps: Record<string, number> };
}

/**
 * Module state dict → safetensors records (fresh copies of the values), each name prefixed with `prefix`.
 * Reads with `await t.data()`, so it works on every backend.
 */
export async function stateDictToRecords(dict: Record<string, Tensor>, prefix = ''): Promise<Record<string, StoredTensor>> {
  const records: Record<string, StoredTensor> = {};
  for (const [key, t] of Object.entries(dict)) {
    records[prefix + key] = { dtype: t.dtype, shape: [...t.shape], data: await t.data() };
  }
  return records;
}

/**
 * Safetensors records → tensors on the current backend. With a `prefix`, only the records whose
 * names start with it are taken, and the prefix is removed from their keys.
 */
export function recordsToStateDict(records: Record<string, StoredTensor>, prefix = ''): Record<string, Tensor> {
  const dict: Record<string, Tensor> = {};
  for (const [name, r] of Object.entries(records)) {
    if (!name.startsWith(prefix)) continue;
    Object.defineProperty(dict, name.slice(prefix.length), {
      value: tensor(r.data, { shape: r.shape, dtype: r.dtype }),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return dict;
}

/**
 * Checkpoint contents → safetensors bytes. Throws a `CheckpointError` for unserializable input.
 * `{ float16: true }` stores the float tensors as F16 (a model to ship, at half the size; see
 * `encodeSafetensors`); loading reads them back as float32.
 */
export async function encodeCheckpoint({ model, ema, optimizer, step, config, generatorState }: CheckpointInput, options: EncodeOptions = {}): Promise<Uint8Array> {
  if (!Number.isSafeInteger(step) || step < 0) throw new CheckpointError(`saveCheckpoint: step must be a non-negative integer, got ${step}`);
  let configJson: string | undefined;
  try {
    configJson = JSON.stringify(config);
  } catch (e) {
    throw new CheckpointError(`saveCheckpoint: config is not JSON-serializable: ${(e as Error).message}`, { cause: e });
  }
  if (configJson === undefined) throw new CheckpointError('saveCheckpoint: config is not JSON-serializable');
  if (generatorState !== undefined) new Generator().setState(generatorState); // validates it

  const training: TrainingMetadata = { step };
  if (generatorState !== undefined) training.generatorState = { seed: generatorState.seed, offset: generatorState.offset };
  const tensors = await stateDictToRecords(model.stateDict(), 'model.');
  if (ema !== undefined) {
    const { shadow, numUpdates } = ema.stateDict();
    Object.assign(tensors, await stateDictToRecords(shadow, 'ema.'));
    training.ema = { numUpdates };
  }
  if (optimizer !== undefined) {
    const { kind, state, paramGroups } = optimizer.stateDict();
    const steps: Record<string, number> = {};
    for (const [index, s] of Object.entries(state)) {
      steps[index] = s.step;
      Object.assign(tensors, await stateDictToRecords(s.tensors, `optim.${index}.`));
    }
    training.optimizer = { kind, paramGroups, steps };
  }
  try {
    return encodeSafetensors(tensors, { format: CHECKPOINT_FORMAT, config: configJson, training: JSON.stringify(training) }, options);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`saveCheckpoint: ${e.message}`, { cause: e });
    throw e;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Define an own data property (a key such as "__proto__" from a file must never reach a prototype). */
function put<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function parseJson(metadata: Record<string, string>, key: string): unknown {
  if (!Object.hasOwn(metadata, key)) throw new CheckpointError(`__metadata__ has no "${key}" entry`);
  const text = metadata[key]!;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (e) {
    throw new CheckpointError(`__metadata__.${key} is not valid JSON: ${clip((e as Error).message)}`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) throw new CheckpointError(`__metadata__.${key} repeats the key ${excerpt(duplicate.key)}`);
  return value;
}

/** Validate the training metadata's types and values before anything formats or uses them. */
function parseTraining(value: unknown): TrainingMetadata {
  if (!isObject(value)) throw new CheckpointError(`__metadata__.training must be a JSON object, got ${excerpt(value)}`);
  const field = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
  const step = field(value, 'step'), generatorState = field(value, 'generatorState'), ema = field(value, 'ema'), optimizer = field(value, 'optimizer');
  if (!isCount(step)) throw new CheckpointError(`training step must be a non-negative integer, got ${excerpt(step)}`);
  const out: TrainingMetadata = { step };
  if (generatorState !== undefined) {
    const seed = isObject(generatorState) ? field(generatorState, 'seed') : undefined, offset = isObject(generatorState) ? field(generatorState, 'offset') : undefined;
    if (!isCount(seed) || !isCount(offset)) {
      throw new CheckpointError(`generatorState must be { seed, offset } with non-negative integers, got ${excerpt(generatorState)}`);
    }
    out.generatorState = { seed, offset };
  }
  if (ema !== undefined) {
    const numUpdates = isObject(ema) ? field(ema, 'numUpdates') : undefined;
    if (!isCount(numUpdates)) throw new CheckpointError(`ema metadata must be { numUpdates }, got ${excerpt(ema)}`);
    out.ema = { numUpdates };
  }
  if (optimizer !== undefined) {
    const kind = isObject(optimizer) ? field(optimizer, 'kind') : undefined;
    const paramGroups = isObject(optimizer) ? field(optimizer, 'paramGroups') : undefined;
    const steps = isObject(optimizer) ? field(optimizer, 'steps') : undefined;
    if (typeof kind !== 'string' || !Array.isArray(paramGroups) || !isObject(steps)) {
      throw new CheckpointError(`optimizer metadata must be { kind, paramGroups, steps }, got ${excerpt(optimizer)}`);
    }
    const bad = paramGroups.findIndex((g) => !isObject(g) || !Array.isArray(field(g, 'params')) || !(field(g, 'params') as unknown[]).every(isCount));
    if (bad >= 0) throw new CheckpointError(`optimizer paramGroups must be objects with integer "params" lists; group ${bad} is ${excerpt(paramGroups[bad])}`);
    const ownSteps: Record<string, number> = {};
    for (const [index, s] of Object.entries(steps)) {
      if (!/^(0|[1-9]\d*)$/.test(index) || !isCount(s)) throw new CheckpointError(`optimizer step for parameter ${excerpt(index)} is ${excerpt(s)}`);
      put(ownSteps, index, s);
    }
    out.optimizer = { kind, paramGroups: paramGroups as SavedParamGroup[], steps: ownSteps };
  }
  return out;
}

/**
 * Interpret decoded safetensors as a checkpoint, checking the layout: the format tag, the metadata
 * JSON, and that every tensor belongs to a part the metadata declares. Throws `CheckpointError`.
 */
export function checkpointFromSafetensors({ tensors, metadata }: DecodedSafetensors): Checkpoint {
  const format = Object.hasOwn(metadata, 'format') ? metadata['format'] : undefined;
  if (format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`not a diffusion-ts checkpoint: __metadata__.format is ${excerpt(format)}, expected "${CHECKPOINT_FORMAT}"`);
  }
  const config = parseJson(metadata, 'config');
  const training = parseTraining(parseJson(metadata, 'training'));
  const optimizerTensors: Record<string, Record<string, StoredTensor>> = {};
  for (const [name, record] of Object.entries(tensors)) {
    if (name.startsWith('model.')) continue;
    if (name.startsWith('ema.')) {
      if (training.ema === undefined) throw new CheckpointError(`tensor ${excerpt(name)} but the metadata declares no EMA`);
      continue;
    }
    const m = /^optim\.(0|[1-9]\d*)\.([^.]+)$/.exec(name);
    if (m !== null) {
      const [, index, stateName] = m as unknown as [string, string, string];
      if (training.optimizer === undefined || !Object.hasOwn(training.optimizer.steps, index)) throw new CheckpointError(`tensor ${excerpt(name)} has no optimizer step in the metadata`);
      if (!Object.hasOwn(optimizerTensors, index)) put(optimizerTensors, index, {});
      put(optimizerTensors[index]!, stateName, record);
      continue;
    }
    throw new CheckpointError(`unexpected tensor ${excerpt(name)} (names must start with model., ema. or optim.<index>.)`);
  }
  const checkpoint: Checkpoint = { model: recordsToStateDict(tensors, 'model.'), step: training.step, config };
  if (training.generatorState !== undefined) checkpoint.generatorState = training.generatorState;
  if (training.ema !== undefined) checkpoint.ema = { shadow: recordsToStateDict(tensors, 'ema.'), numUpdates: training.ema.numUpdates };
  if (training.optimizer !== undefined) {
    const state: Record<number, ParamState> = {};
    for (const [index, step] of Object.entries(training.optimizer.steps)) {
      state[Number(index)] = { step, tensors: recordsToStateDict(Object.hasOwn(optimizerTensors, index) ? optimizerTensors[index]! : {}) };
    }
    checkpoint.optimizer = { kind: training.optimizer.kind, state, paramGroups: training.optimizer.paramGroups };
  }
  return checkpoint;
}

/**
 * Validate and decode checkpoint bytes; `source` names the file in error messages. Every failure,
 * whatever raised it, becomes one `CheckpointError` starting with `source`, its message bounded.
 */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  try {
    return checkpointFromSafetensors(decodeSafetensors(bytes));
  } catch (e) {
    throw new CheckpointError(`${source}: ${describeFailure(e)}`, { cause: e });
  }
}

const builtinErrors = [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

/** The message of a caught value, bounded; a built-in error (a bug, not a validation) keeps its class name. */
export function describeFailure(e: unknown): string {
  if (!(e instanceof Error)) return excerpt(e);
  const builtin = e.constructor === Error || builtinErrors.some((E) => e instanceof E);
  return clip(builtin ? `${e.name}: ${e.message}` : e.message, 1000);
}

export interface RestoreTargets {
  model: Module;
  ema?: EMA;
  optimizer?: CheckpointableOptimizer;
  /** Set to the saved generator position (the checkpoint must have one). */
  generator?: Generator;
}

/**
 * Load a decoded checkpoint into a model (and EMA, optimizer, generator when given). Every part is
 * checked against its target first; if anything does not fit, a `CheckpointError` (its message
 * starting with `where`) says what, and nothing is changed. Browser-safe; `restoreCheckpoint` in
 * `@diffusion-ts/nn/node` reads the file first.
 */
export function applyCheckpoint(checkpoint: Checkpoint, { model, ema, optimizer, generator }: RestoreTargets, where = 'applyCheckpoint'): Checkpoint {
  const check = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      throw new CheckpointError(`${where}: ${what}: ${describeFailure(e)}`, { cause: e });
    }
  };
  if (ema !== undefined && checkpoint.ema === undefined) throw new CheckpointError(`${where}: the checkpoint has no EMA`);
  if (optimizer !== undefined && checkpoint.optimizer === undefined) throw new CheckpointError(`${where}: the checkpoint has no optimizer state`);
  if (generator !== undefined && checkpoint.generatorState === undefined) throw new CheckpointError(`${where}: the checkpoint has no generator state`);
  if (ema !== undefined) check('EMA', () => ema.validateStateDict(checkpoint.ema!));
  if (optimizer !== undefined) check('optimizer', () => optimizer.validateStateDict(checkpoint.optimizer!));
  if (generator !== undefined) check('generator', () => new Generator().setState(checkpoint.generatorState!));
  // loadStateDict checks keys, shapes and dtypes before it copies anything; it goes first, the rest cannot fail.
  check('model', () => model.loadStateDict(checkpoint.model));
  ema?.loadStateDict(checkpoint.ema!);
  optimizer?.loadStateDict(checkpoint.optimizer!);
  generator?.setState(checkpoint.generatorState!);
  return checkpoint;
}
