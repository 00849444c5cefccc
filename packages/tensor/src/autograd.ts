/**
 * The tape of define-by-run reverse-mode autodiff: each op that receives an input with
 * `requiresGrad` records a node (its name, inputs and a backward closure written with other ops);
 * `backward.ts` walks the nodes. Gradient mode and anomaly detection live here. This module imports
 * no op, so every op can import it.
 */
import type { Tensor } from './tensor-core.ts';
import { fmt, OpError } from './shape.ts';

/** Maps the gradient of an op's output to gradients of its inputs (null where not needed). */
export type BackwardFn = (dy: Tensor, needsGrad: readonly boolean[]) => readonly (Tensor | null | undefined)[];

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly needsGrad: readonly boolean[];
  readonly backward: BackwardFn;
}

let gradEnabled = true;
let anomalyMode = false;

export const isGradEnabled = (): boolean => gradEnabled;

/** Run `fn` with gradient recording `enabled` (noGrad, enableGrad, and backward's createGraph). */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Run `fn` without recording gradients, like `with torch.no_grad():`. */
export const noGrad = <T>(fn: () => T): T => withGradMode(false, fn);
/** Run `fn` with gradient recording on (inside a `noGrad`). */
export const enableGrad = <T>(fn: () => T): T => withGradMode(true, fn);

/** When on, the first op whose output holds NaN or ±Inf throws, naming the op. */
export function detectAnomaly(enabled: boolean): void {
  anomalyMode = enabled;
}

/** Whether anomaly detection is on (`backward` then sums gradients with `add`, which checks its output). */
export const isAnomalyEnabled = (): boolean => anomalyMode;

/**
 * Attach a gradient node to `out`, the result of `op` on `inputs`, when any input needs a gradient
 * and recording is on. Returns `out`. Every op ends with this call.
 */
export function record(op: string, inputs: readonly Tensor[], out: Tensor, backward: BackwardFn): Tensor {
  if (anomalyMode && out.dtype !== 'int32' && out.backend.synchronous) {
    const data = out.backend.readSync(out);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new OpError(op, `produced ${data[i]} at flat index ${i} of output ${fmt(out.shape)} (anomaly detection)`);
    }
  }
  if (!gradEnabled) return out;
  const needsGrad = inputs.map((t) => t.requiresGrad);
  if (!needsGrad.includes(true)) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, needsGrad, backward };
  return out;
}
