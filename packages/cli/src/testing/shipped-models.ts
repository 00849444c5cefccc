/**
 * The seeded samples that shipped-models.test.ts pins and scripts/pin-shipped-samples.ts prints: each
 * shipped model draws sample 0 with a fixed sampler, step count and seed (and class and guidance, or a
 * held-out clip to continue) on one backend, and the first PROBE_VALUES values of it are read (for the
 * video model, of its first sampled frame: the frames before it are the held-out clip's own).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getBackend, setBackend, type Tensor } from '@diffusion-ts/tensor';
import { release } from '@diffusion-ts/nn/internal';
import { generate, type SampleOptions } from '../run/samplers.ts';
import { loadSession } from '../run/session.ts';
import { shippedModelFile, type ShippedModelName } from '../run/shipped-models.ts';
import { conditionClips, generateClips, planVideo } from '../run/video-sampling.ts';

/** How many values of each sample are pinned. */
export const PROBE_VALUES = 8;

/** The backends every shipped model is pinned on. */
export const probeBackends = ['js', 'wasm'] as const;
export type ProbeBackend = (typeof probeBackends)[number];

type ProbeOptions = Omit<SampleOptions, 'n' | 'onStep'> & { continueHeldOut?: number };

/**
 * What each model draws, few steps so the js backend takes seconds: the conditional model with the
 * demo's sampler and classifier-free guidance (two networks' outputs mixed); the iDDPM model with its own strided ancestral sampler (fresh seeded
 * noise at every step); the video model continuing held-out clip 0 by reconstruction guidance, the
 * demo's hardest path (a gradient through the network at every step).
 */
export const probes: Record<ShippedModelName, ProbeOptions> = {
  'mnist-cfg': { sampler: 'dpm2m', steps: 4, seed: 0, classLabel: 7, guidance: 2 },
  'mnist-uncond': { sampler: 'iddpm', steps: 4, seed: 0 },
  'moving-mnist': { sampler: 'dpm2m', steps: 2, seed: 0, continueHeldOut: 0 },
};

export interface Probe {
  /** The first PROBE_VALUES values of the sample (of its first sampled frame, for the video model), float32. */
  values: number[];
  /** The training step of the weights. */
  step: number;
  /** The first 16 hex digits of the model file's SHA-256, to tell new weights from a changed sampler. */
  sha256: string;
}

/** The first 16 hex digits of a file's SHA-256. */
export const fileDigest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);

/** Draw model `name`'s probe sample on `backend` (the current backend is restored after). */
export async function probe(name: ShippedModelName, backend: ProbeBackend, dir?: string): Promise<Probe> {
  const file = shippedModelFile(name, dir);
  const before = getBackend();
  setBackend(backend);
  try {
    const session = await loadSession(file);
    const { continueHeldOut, ...o } = probes[name];
    let x: Tensor, offset = 0;
    if (continueHeldOut === undefined) {
      x = generate(session, { ...o, n: 1 });
    } else {
      const plan = planVideo(session, { condition: String(continueHeldOut) });
      if (plan?.kind !== 'continue') throw new Error(`probe: ${name} is not a video model`);
      const known = conditionClips(session, plan, 1);
      x = generateClips(session, { ...o, n: 1 }, plan, known);
      const [, , , H, W] = x.shape as [number, number, number, number, number];
      offset = plan.framesKnown * H * W; // channel 0, frame framesKnown
    }
    const data = await x.data();
    release(x);
    return { values: Array.from(data.subarray(offset, offset + PROBE_VALUES)), step: session.step, sha256: fileDigest(file) };
  } finally {
    setBackend(before);
  }
}

/** The shortest decimal that reads back as the same float32 (a pinned value, as written in the table). */
export function float32Text(v: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const text = String(Number(v.toPrecision(digits)));
    if (Math.fround(Number(text)) === v) return text;
  }
  return String(v);
}
