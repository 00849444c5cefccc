/**
 * Video sample metrics on clips [N, C, F, H, W] in [−1, 1] (plain arrays, so they run on any backend's
 * output and on data): per-frame quality as the Fréchet distance between frame features (Heusel et al.
 * 2017's formula, on pixel statistics by default; a learned feature network, e.g. an MNIST classifier's
 * penultimate layer on `centroidCrops` of the frames, plugs in as a `FrameFeatures`), and temporal coherence:
 * - warping error: the mean squared difference between the foreground of frame t + 1 and that of frame t
 *   moved by the best whole-pixel translation (a global-motion warp; Lai et al. 2018 use optical flow);
 * - centroid acceleration: |c_{t+1} − 2c_t + c_{t−1}| of the foreground's centroid, in pixels (zero for
 *   objects in uniform motion, large for jitter);
 * - mass and size variation: the coefficient of variation over a clip's frames of the foreground's total
 *   intensity and of its radius of gyration (objects that should keep their brightness and size).
 * The foreground of a frame is max(0, g − median(g)) with g the grey level in [0, 1].
 */
import { frechetDistance, RunningMoments, type MeanCovariance } from './frechet.ts';

export interface ClipBatch {
  data: ArrayLike<number>;
  /** [N, C, F, H, W] */
  shape: readonly number[];
}

/**
 * Features of M frames [M, C, H, W] (values in [−1, 1]) as M rows of `dim` numbers. `extract` returns a
 * promise so that a feature network fits on every backend (its values cross with `await t.data()`, the one
 * read that works everywhere); a pure function such as `pixelStatistics` simply resolves at once. It gets
 * all the frames of a set in one call, so a network can run them in batches of its choosing.
 */
export interface FrameFeatures {
  /** What the features are, for tables ("pixel statistics", "MNIST classifier, penultimate layer"). */
  readonly name: string;
  readonly dim: number;
  extract(frames: Float32Array, shape: readonly [number, number, number, number]): Promise<Float64Array>;
}

function checkClips(op: string, clips: ClipBatch): [number, number, number, number, number] {
  const s = clips.shape;
  if (s.length !== 5 || s.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`${op}: clips must be [N, C, F, H, W], got [${s}]`);
  if (clips.data.length !== s.reduce((a, b) => a * b, 1)) throw new RangeError(`${op}: ${clips.data.length} values for clips [${s}]`);
  return s as [number, number, number, number, number];
}

/** Grey level in [0, 1] (mean over channels of (x + 1)/2) of frame f of clip i. */
function grey(clips: ClipBatch, i: number, f: number): Float64Array {
  const [, C, F, H, W] = clips.shape as [number, number, number, number, number];
  const g = new Float64Array(H * W);
  for (let c = 0; c < C; c++) {
    const at = ((i * C + c) * F + f) * H * W;
    for (let k = 0; k < H * W; k++) g[k]! += (clips.data[at + k]! + 1) / 2 / C;
  }
  return g;
}

/** The foreground max(0, g − median(g)). */
function foreground(g: Float64Array): Float64Array {
  const sorted = Float64Array.from(g).sort();
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return g.map((v) => Math.max(0, v - median));
}

interface Blob { mass: number; cx: number; cy: number; radius: number }

function blobOf(w: Float64Array, H: number, W: number): Blob {
  let mass = 0, sx = 0, sy = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { const v = w[y * W + x]!; mass += v; sx += v * x; sy += v * y; }
  if (mass <= 1e-9) return { mass: 0, cx: NaN, cy: NaN, radius: NaN };
  const cx = sx / mass, cy = sy / mass;
  let r2 = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) r2 += w[y * W + x]! * ((x - cx) ** 2 + (y - cy) ** 2);
  return { mass, cx, cy, radius: Math.sqrt(r2 / mass) };
}

/**
 * Pixel statistics of a frame, 22 numbers: grey mean and standard deviation, foreground mass per pixel,
 * centroid (x, y) and radius of gyration as fractions of the side, and the grey means of a 4×4 grid.
 * Stands in for a learned feature network until one exists for the data.
 */
export const pixelStatistics: FrameFeatures = {
  name: 'pixel statistics',
  dim: 22,
  async extract(frames: Float32Array, [M, C, H, W]: readonly [number, number, number, number]): Promise<Float64Array> {
    const dim = 22, out = new Float64Array(M * dim);
    for (let m = 0; m < M; m++) {
      const g = grey({ data: frames, shape: [M, C, 1, H, W] }, m, 0);
      const mean = g.reduce((s, v) => s + v, 0) / g.length;
      const std = Math.sqrt(g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length);
      const b = blobOf(foreground(g), H, W);
      const row = [mean, std, b.mass / (H * W), b.mass > 0 ? b.cx / W : 0.5, b.mass > 0 ? b.cy / H : 0.5, b.mass > 0 ? b.radius / W : 0];
      for (let by = 0; by < 4; by++) for (let bx = 0; bx < 4; bx++) {
        let s = 0, count = 0;
        for (let y = Math.floor((by * H) / 4); y < Math.floor(((by + 1) * H) / 4); y++) for (let x = Math.floor((bx * W) / 4); x < Math.floor(((bx + 1) * W) / 4); x++) { s += g[y * W + x]!; count++; }
        row.push(count > 0 ? s / count : 0);
      }
      out.set(row, m * dim);
    }
    return out;
  },
};

/** All frames of the clips as [N·F, C, H, W] (frame-major within a clip). */
function framesOf(clips: ClipBatch): { frames: Float32Array; shape: [number, number, number, number] } {
  const [N, C, F, H, W] = checkClips('framesOf', clips);
  const frames = new Float32Array(N * F * C * H * W);
  for (let i = 0; i < N; i++) for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) {
    const from = ((i * C + c) * F + f) * H * W, to = ((i * F + f) * C + c) * H * W;
    for (let k = 0; k < H * W; k++) frames[to + k] = clips.data[from + k]!;
  }
  return { frames, shape: [N * F, C, H, W] };
}

/** The frame features of every frame of the clips, [N·F × dim] (frame-major within a clip), checked. */
async function frameFeatureRows(op: string, clips: ClipBatch, features: FrameFeatures): Promise<Float64Array> {
  const { frames, shape } = framesOf(clips);
  const values = await features.extract(frames, shape);
  if (values.length !== shape[0] * features.dim) throw new RangeError(`${op}: '${features.name}' gave ${values.length} numbers for ${shape[0]} frames of ${features.dim} features`);
  return values;
}

/**
 * Mean and covariance of the frame features of a set of clips (every frame is one sample), all frames
 * extracted in one call. Compute a reference set's once and compare many sets to it with `frechetDistance`.
 */
export async function frameMoments(clips: ClipBatch, features: FrameFeatures = pixelStatistics): Promise<MeanCovariance> {
  return new RunningMoments(features.dim).add(await frameFeatureRows('frameMoments', clips, features)).moments();
}

/** Fréchet distance between the frame features of two sets of clips (every frame is one sample). */
export async function frameFrechet(a: ClipBatch, b: ClipBatch, features: FrameFeatures = pixelStatistics): Promise<number> {
  return frechetDistance(await frameMoments(a, features), await frameMoments(b, features));
}

/**
 * The frame features of a set of clips kept per clip, as each clip's `RunningMoments`, so that the feature
 * moments of any resample of the clips (clip i counted w_i times: `moments(weights)`, for the bootstrap)
 * need no second extraction: they merge the clips' moments by the same pairwise update that streams
 * points. With every weight 1 these are `frameMoments`' moments.
 */
export class ClipFeatureMoments {
  private constructor(private readonly perClip: readonly RunningMoments[]) {}

  /** The number of clips. */
  get clips(): number { return this.perClip.length; }

  static async of(clips: ClipBatch, features: FrameFeatures = pixelStatistics): Promise<ClipFeatureMoments> {
    const [N, , F] = checkClips('ClipFeatureMoments.of', clips);
    const d = features.dim, values = await frameFeatureRows('ClipFeatureMoments.of', clips, features);
    return new ClipFeatureMoments(Array.from({ length: N }, (_, i) => new RunningMoments(d).add(values.subarray(i * F * d, (i + 1) * F * d))));
  }

  /** Mean and unbiased covariance of the frames of the clips, clip i counted `weights[i]` times (default once). */
  moments(weights?: ArrayLike<number>): MeanCovariance {
    if (weights !== undefined && weights.length !== this.clips) throw new RangeError(`ClipFeatureMoments.moments: ${weights.length} weights for ${this.clips} clips`);
    const all = new RunningMoments(this.perClip[0]!.d);
    this.perClip.forEach((m, i) => all.merge(m, weights === undefined ? 1 : weights[i]!));
    return all.moments();
  }
}

export interface CentroidCropOptions {
  /** Side of the square windows. */
  side: number;
  /** Average the frames over pool×pool blocks first (an integer dividing H and W; default 1). */
  pool?: number;
  /** The value read outside the frame (default −1, the background of data in [−1, 1]). */
  fill?: number;
}

/**
 * One side×side window per frame of frames [M, C, H, W], centred on the frame's foreground centroid:
 * the frames are first averaged over pool×pool blocks; then, with (c_x, c_y) the centroid of the
 * foreground (as above: max(0, g − median(g)) of the grey level g, over all channels) in pixel
 * coordinates, window pixel (i, j) is frame pixel (y₀ + i, x₀ + j) with x₀ = round(c_x − (side − 1)/2),
 * y₀ likewise, so the centroid lies within half a pixel of the window's centre, and `fill` where that
 * falls outside the frame. A frame without foreground (uniform) gets the window at the frame's centre.
 * On a uniform background equal to `fill`, a whole-pixel translation of an object that stays inside the
 * frame gives the same window (up to the rounding of a centroid that falls on a half pixel). This is how
 * MNIST itself is centred (on the centre of mass, LeCun et al. 1998), so a digit classifier can see a
 * frame's digit as it was trained to; with several objects the window sits at their joint centroid.
 * Returns the windows [M, C, side, side].
 */
export function centroidCrops(frames: Float32Array, shape: readonly [number, number, number, number], { side, pool = 1, fill = -1 }: CentroidCropOptions): { data: Float32Array; shape: [number, number, number, number] } {
  const [M, C, H0, W0] = shape;
  if (shape.length !== 4 || shape.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`centroidCrops: frames must be [M, C, H, W], got [${shape}]`);
  if (frames.length !== M * C * H0 * W0) throw new RangeError(`centroidCrops: ${frames.length} values for frames [${shape}]`);
  if (!Number.isInteger(side) || side < 1) throw new RangeError(`centroidCrops: side must be a positive integer, got ${side}`);
  if (!Number.isInteger(pool) || pool < 1 || H0 % pool !== 0 || W0 % pool !== 0) throw new RangeError(`centroidCrops: pool must be a positive integer dividing the frame's sides ${H0}×${W0}, got ${pool}`);
  const H = H0 / pool, W = W0 / pool, plane = H * W;
  const pooled = new Float32Array(M * C * plane);
  for (let mc = 0; mc < M * C; mc++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let s = 0;
    for (let dy = 0; dy < pool; dy++) for (let dx = 0; dx < pool; dx++) s += frames[mc * H0 * W0 + (y * pool + dy) * W0 + x * pool + dx]!;
    pooled[mc * plane + y * W + x] = s / (pool * pool);
  }
  const out = new Float32Array(M * C * side * side).fill(fill);
  for (let m = 0; m < M; m++) {
    const b = blobOf(foreground(grey({ data: pooled, shape: [M, C, 1, H, W] }, m, 0)), H, W);
    const cx = b.mass > 0 ? b.cx : (W - 1) / 2, cy = b.mass > 0 ? b.cy : (H - 1) / 2;
    const x0 = Math.round(cx - (side - 1) / 2), y0 = Math.round(cy - (side - 1) / 2);
    for (let c = 0; c < C; c++) {
      const from = (m * C + c) * plane, to = (m * C + c) * side * side;
      for (let i = 0; i < side; i++) {
        const y = y0 + i;
        if (y < 0 || y >= H) continue;
        for (let j = 0; j < side; j++) {
          const x = x0 + j;
          if (x >= 0 && x < W) out[to + i * side + j] = pooled[from + y * W + x]!;
        }
      }
    }
  }
  return { data: out, shape: [M, C, side, side] };
}

/** Mean squared difference of w1 and w0 moved by (dx, dy), zero outside the frame. */
function shiftedError(w0: Float64Array, w1: Float64Array, H: number, W: number, dx: number, dy: number): number {
  let s = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const sx = x - dx, sy = y - dy;
    const moved = sx >= 0 && sx < W && sy >= 0 && sy < H ? w0[sy * W + sx]! : 0;
    s += (w1[y * W + x]! - moved) ** 2;
  }
  return s / (H * W);
}

export interface TemporalCoherence {
  /** Mean over frame pairs of the foreground's squared error after the best whole-pixel translation (search ±⌈side/8⌉). */
  warpError: number;
  /** Mean |c_{t+1} − 2c_t + c_{t−1}| of the foreground centroid, in pixels. */
  centroidAcceleration: number;
  /** Mean over clips of std/mean over frames of the foreground mass. */
  massVariation: number;
  /** Mean over clips of std/mean over frames of the radius of gyration. */
  sizeVariation: number;
}

const cv = (xs: number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return m > 0 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) / m : 0;
};

/**
 * One clip's part of `TemporalCoherence`, as sums and counts, so that any set of clips (a bootstrap
 * resample among them, `pooledCoherence`) pools exactly as the whole set does.
 */
export interface ClipCoherence {
  /** Σ over the clip's F − 1 frame pairs of the best-translation squared error. */
  warpSum: number;
  warpCount: number;
  /** Σ over frame triples whose three frames have a foreground of |c_{t+1} − 2c_t + c_{t−1}|. */
  accelerationSum: number;
  accelerationCount: number;
  /** std/mean over the clip's frames of the foreground mass. */
  massVariation: number;
  /** std/mean over the frames with a foreground of the radius of gyration. */
  sizeVariation: number;
}

/** Each clip's part of the temporal coherence of clips [N, C, F, H, W] (F ≥ 3), definitions above. */
export function clipCoherences(clips: ClipBatch): ClipCoherence[] {
  const [N, , F, H, W] = checkClips('temporalCoherence', clips);
  if (F < 3) throw new RangeError(`temporalCoherence: needs at least 3 frames per clip, got ${F}`);
  const r = Math.ceil(Math.max(H, W) / 8);
  return Array.from({ length: N }, (_, i) => {
    const ws = Array.from({ length: F }, (_, f) => foreground(grey(clips, i, f)));
    const blobs = ws.map((w) => blobOf(w, H, W));
    let warpSum = 0, accelerationSum = 0, accelerationCount = 0;
    for (let f = 0; f + 1 < F; f++) {
      let best = Infinity;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) best = Math.min(best, shiftedError(ws[f]!, ws[f + 1]!, H, W, dx, dy));
      warpSum += best;
    }
    for (let f = 1; f + 1 < F; f++) {
      const [a, b, c] = [blobs[f - 1]!, blobs[f]!, blobs[f + 1]!];
      if (a.mass > 0 && b.mass > 0 && c.mass > 0) { accelerationSum += Math.hypot(c.cx - 2 * b.cx + a.cx, c.cy - 2 * b.cy + a.cy); accelerationCount++; }
    }
    return {
      warpSum, warpCount: F - 1, accelerationSum, accelerationCount,
      massVariation: cv(blobs.map((b) => b.mass)), sizeVariation: cv(blobs.filter((b) => b.mass > 0).map((b) => b.radius)),
    };
  });
}

/**
 * The temporal coherence of a set of clips from their parts, clip i counted `weights[i]` times (default
 * once each): warping error and centroid acceleration are means over all the set's frame pairs and
 * triples, mass and size variation means over its clips.
 */
export function pooledCoherence(parts: readonly ClipCoherence[], weights?: ArrayLike<number>): TemporalCoherence {
  if (weights !== undefined && weights.length !== parts.length) throw new RangeError(`pooledCoherence: ${weights.length} weights for ${parts.length} clips`);
  let warp = 0, warpCount = 0, accel = 0, accelCount = 0, mass = 0, size = 0, clips = 0;
  parts.forEach((p, i) => {
    const w = weights === undefined ? 1 : weights[i]!;
    if (w === 0) return;
    warp += w * p.warpSum; warpCount += w * p.warpCount;
    accel += w * p.accelerationSum; accelCount += w * p.accelerationCount;
    mass += w * p.massVariation; size += w * p.sizeVariation; clips += w;
  });
  if (clips === 0) throw new RangeError('pooledCoherence: no clips (every weight is 0)');
  return { warpError: warp / warpCount, centroidAcceleration: accelCount > 0 ? accel / accelCount : NaN, massVariation: mass / clips, sizeVariation: size / clips };
}

/** Temporal coherence of clips [N, C, F, H, W] (F ≥ 3), definitions above. */
export function temporalCoherence(clips: ClipBatch): TemporalCoherence {
  return pooledCoherence(clipCoherences(clips));
}
