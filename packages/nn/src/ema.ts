/**
 * An exponential moving average of a model's parameters, the weights diffusion models are sampled
 * with. The shadow is a copy of the parameters (updated each step) and of the buffers (copied as
 * they are, like EDM's deep-copied `ema` network, whose buffers the update loop never touches).
 *
 * Each update is θ̄ ← lerp(θ, θ̄, β) = β·θ̄ + (1 − β)·θ, computed as torch.lerp does (EDM's
 * `p_ema.copy_(p_net.detach().lerp(p_ema, ema_beta))`), so a parameter that stays constant keeps
 * its shadow exactly constant. β comes from an `EmaSchedule`:
 * - `fixedDecay(0.9999)`: DDPM (Ho et al. 2020 average with decay 0.9999; diffusion_tf uses
 *   `tf.train.ExponentialMovingAverage`), and guided-diffusion's `ema_rate`.
 * - `fixedDecay(0.9999, { warmup: true })`: β = min(decay, (1 + n)/(10 + n)), where n counts updates
 *   including this one, as latent-diffusion's `LitEma` and TensorFlow's `num_updates` argument do.
 * - `edmHalflife({ batchSize })`: EDM's half-life in images with ramp-up (Karras et al. 2022;
 *   NVlabs/edm `training/training_loop.py`: ema_halflife_kimg = 500, ema_rampup_ratio = 0.05).
 *
 * Device memory (gpu): each update runs in a `tidy` scope and keeps only the new shadow tensors; the
 * ones they replace are disposed. So `stateDict()` and `get()` share tensors that stay valid until
 * the next `update` or `loadStateDict` (read or clone them before then). On js and wasm nothing is disposed.
 */
import { keep, noGrad, tidy, Tensor } from '@diffusion-ts/tensor';
import { excerpt, keyList, problemList } from './bounded-text.ts';
import type { Module } from './module.ts';
import { release } from './release.ts';

/** β for the update that follows `numUpdates` earlier updates (0 for the first). */
export type EmaSchedule = (numUpdates: number) => number;

/** A constant β = decay; with `warmup`, β = min(decay, (1 + n)/(10 + n)) with n = numUpdates + 1. */
export function fixedDecay(decay: number, { warmup = false }: { warmup?: boolean } = {}): EmaSchedule {
  if (!(decay >= 0 && decay <= 1)) throw new RangeError(`fixedDecay: decay must be in [0, 1], got ${decay}`);
  return (numUpdates) => (warmup ? Math.min(decay, (1 + (numUpdates + 1)) / (10 + (numUpdates + 1))) : decay);
}

export interface EdmEmaOptions {
  /** Images in the batch of this step. */
  batchSize: number;
  /** Images seen before this step (EDM's `cur_nimg`, read before it is incremented). */
  curNimg: number;
  /** Half-life of the average in thousands of images (EDM: 500). */
  halflifeKimg?: number;
  /** Cap the half-life at this fraction of the images seen so far; null for no ramp-up (EDM: 0.05). */
  rampupRatio?: number | null;
}

/**
 * EDM's β (NVlabs/edm training/training_loop.py):
 *   halflife_nimg = halflife_kimg·1000, capped at cur_nimg·rampup_ratio when ramping up;
 *   β = 0.5 ^ (batch_size / max(halflife_nimg, 1e-8)).
 * The weight of an image decays by half every `halflife_nimg` images. At cur_nimg = 0 with ramp-up,
 * β = 0: the first update copies the network.
 */
export function edmEmaBeta({ batchSize, curNimg, halflifeKimg = 500, rampupRatio = 0.05 }: EdmEmaOptions): number {
  let halflifeNimg = halflifeKimg * 1000;
  if (rampupRatio !== null) halflifeNimg = Math.min(halflifeNimg, curNimg * rampupRatio);
  return 0.5 ** (batchSize / Math.max(halflifeNimg, 1e-8));
}

/** `edmEmaBeta` for a fixed batch size, with cur_nimg = numUpdates · batchSize (training from scratch). */
export function edmHalflife({ batchSize, halflifeKimg = 500, rampupRatio = 0.05 }: Omit<EdmEmaOptions, 'curNimg'>): EmaSchedule {
  if (!(batchSize > 0)) throw new RangeError(`edmHalflife: batchSize must be positive, got ${batchSize}`);
  return (numUpdates) => edmEmaBeta({ batchSize, curNimg: numUpdates * batchSize, halflifeKimg, rampupRatio });
}

/** The weight ∏_{k<n} β_k that the initial parameters θ₀ still carry in the shadow after `numUpdates` updates of `schedule`. */
export function initialShare(schedule: EmaSchedule, numUpdates: number): number {
  let w = 1;
  for (let k = 0; k < numUpdates; k++) w *= schedule(k);
  return w;
}

/**
 * The average of the trained iterates alone. After n updates an EMA started at θ₀ is
 * θ̄ = w·θ₀ + (1 − w)·θ̃, where θ̃ = Σ_k (1 − β_k)∏_{j>k} β_j · θ_k / (1 − w) averages θ₁ … θₙ and
 * w = ∏ β_k (`initialShare`), so θ̃ = (θ̄ − w·θ₀)/(1 − w): Adam's bias correction (Kingma & Ba 2015,
 * Sec. 3) for an average started at θ₀ rather than at 0. It matters for runs not much longer than
 * 1/(1 − β) steps: at β = 0.999, θ₀ (random initial weights) is still 37% of θ̄ after 1,000 steps and 5%
 * after 3,000. `keys` are the averaged entries (the parameters); the others (buffers) are returned as
 * they are. With w = 1 (no update yet) θ̄ is θ₀ and is returned unchanged.
 */
export function withoutInitialShare(shadow: Record<string, Tensor>, initial: Record<string, Tensor>, share: number, keys: readonly string[]): Record<string, Tensor> {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`withoutInitialShare: share must be in [0, 1], got ${share}`);
  if (share === 1 || share === 0) return { ...shadow };
  const out: Record<string, Tensor> = { ...shadow };
  noGrad(() => {
    for (const k of keys) {
      const avg = shadow[k], start = initial[k];
      if (avg === undefined || start === undefined) throw new EmaError(`withoutInitialShare: no ${avg === undefined ? 'shadow' : 'initial'} tensor for '${k}'`);
      out[k] = avg.sub(start.mul(share)).div(1 - share);
    }
  });
  return out;
}

/** The EMA's state: shadow tensors by the model's state-dict keys, and the update count. */
export interface EmaStateDict {
  shadow: Record<string, Tensor>;
  numUpdates: number;
}

export class EmaError extends Error {
  override name = 'EmaError';
}

/** torch.lerp(start, end, weight): start + w·(end − start) for |w| < 0.5, else end − (end − start)·(1 − w). */
const lerp = (start: Tensor, end: Tensor, weight: number): Tensor =>
  Math.abs(weight) < 0.5 ? start.add(end.sub(start).mul(weight)) : end.sub(end.sub(start).mul(1 - weight));

export class EMA {
  readonly schedule: EmaSchedule;
  /** Updates applied so far. */
  numUpdates = 0;
  private shadow: Record<string, Tensor>;
  private readonly parameterKeys: string[];
  private readonly bufferKeys: string[];

  /**
   * @param model the network to average; the shadow starts as a copy of its parameters and buffers
   * @param decay a fixed β or a schedule (`fixedDecay`, `edmHalflife`); default 0.9999, guided-diffusion's `ema_rate`
   */
  constructor(model: Module, { decay = 0.9999 }: { decay?: number | EmaSchedule } = {}) {
    this.schedule = typeof decay === 'number' ? fixedDecay(decay) : decay;
    this.parameterKeys = model.namedParameters().map(([k]) => k);
    this.bufferKeys = model.namedBuffers().map(([k]) => k);
    this.shadow = noGrad(() => tidy(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, keep(t.detach().clone())]))));
  }

  /** The β the next `update` will use. */
  nextBeta(): number {
    return this.schedule(this.numUpdates);
  }

  /**
   * Move the shadow towards the model's current parameters and copy its buffers. `beta` overrides
   * the schedule for this update (e.g. EDM's formula with a varying batch size).
   */
  update(model: Module, beta: number = this.nextBeta()): void {
    if (!(beta >= 0 && beta <= 1)) throw new EmaError(`EMA.update: beta must be in [0, 1], got ${beta}`);
    const params = this.matching(model.namedParameters(), this.parameterKeys, 'parameters');
    const buffers = this.matching(model.namedBuffers(), this.bufferKeys, 'buffers');
    const next: Record<string, Tensor> = { ...this.shadow };
    noGrad(() => tidy(() => {
      for (const [k, p] of params) next[k] = keep(lerp(p.detach(), this.shadow[k]!, beta));
      for (const [k, b] of buffers) next[k] = keep(b.detach().clone());
    }));
    this.replaceShadow(next);
    this.numUpdates += 1;
  }

  /** Load the averaged weights (and buffers) into `model`, e.g. an evaluation copy of the network. */
  copyTo(model: Module): void {
    model.loadStateDict(this.shadow);
  }

  /** The shadow tensor for a state-dict key. */
  get(key: string): Tensor | undefined {
    return this.shadow[key];
  }

  stateDict(): EmaStateDict {
    return { shadow: { ...this.shadow }, numUpdates: this.numUpdates };
  }

  /** Restore a state from `stateDict()`; keys, shapes and dtypes must match, or nothing changes. */
  loadStateDict(dict: EmaStateDict): void {
    this.validateStateDict(dict);
    this.replaceShadow(noGrad(() => tidy(() => Object.fromEntries(Object.entries(this.shadow).map(([k, own]) => [k, keep(dict.shadow[k]!.to(own.backend).clone())])))));
    this.numUpdates = dict.numUpdates;
  }

  /** Install a new shadow and release the tensors of the old one that it no longer holds. */
  private replaceShadow(next: Record<string, Tensor>): void {
    const old = this.shadow;
    this.shadow = next;
    release(...Object.entries(old).filter(([k, t]) => next[k] !== t).map(([, t]) => t));
  }

  /** Throw an `EmaError` listing every problem if `dict` does not fit this EMA. */
  validateStateDict(dict: EmaStateDict): void {
    const problems: string[] = [];
    if (dict === null || typeof dict !== 'object' || dict.shadow === null || typeof dict.shadow !== 'object') {
      throw new EmaError('EMA.loadStateDict: state dict must be { shadow, numUpdates }');
    }
    if (!Number.isSafeInteger(dict.numUpdates) || dict.numUpdates < 0) problems.push(`numUpdates must be a non-negative integer, got ${excerpt(dict.numUpdates)}`);
    const missing = Object.keys(this.shadow).filter((k) => !Object.hasOwn(dict.shadow, k));
    const unexpected = Object.keys(dict.shadow).filter((k) => !Object.hasOwn(this.shadow, k));
    if (missing.length > 0) problems.push(`missing keys: ${keyList(missing)}`);
    if (unexpected.length > 0) problems.push(`unexpected keys: ${keyList(unexpected)}`);
    for (const [k, own] of Object.entries(this.shadow)) {
      if (!Object.hasOwn(dict.shadow, k)) continue;
      const t: unknown = dict.shadow[k];
      if (!(t instanceof Tensor)) problems.push(`${k}: expected a Tensor, got ${excerpt(t)}`);
      else if (t.shape.join() !== own.shape.join() || t.dtype !== own.dtype) {
        problems.push(`${k}: state dict has ${t.dtype}${excerpt(t.shape)}, EMA has ${own.dtype}[${own.shape}]`);
      }
    }
    if (problems.length > 0) throw new EmaError(`EMA.loadStateDict: ${problemList(problems)}`);
  }

  private matching(named: [string, Tensor][], keys: readonly string[], what: string): [string, Tensor][] {
    const got = named.map(([k]) => k);
    if (got.join('\n') !== keys.join('\n')) {
      throw new EmaError(`EMA.update: the model's ${what} [${got.join(', ')}] differ from the averaged ones [${keys.join(', ')}]`);
    }
    for (const [k, t] of named) {
      const own = this.shadow[k]!;
      if (t.shape.join() !== own.shape.join() || t.dtype !== own.dtype) throw new EmaError(`EMA.update: ${k} is ${t.dtype}[${t.shape}], the average is ${own.dtype}[${own.shape}]`);
    }
    return named;
  }
}
