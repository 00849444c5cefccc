/**
 * Define-by-run reverse-mode autodiff. Each op that receives an input with `requiresGrad` records a
 * node (its name, inputs and a backward closure written with other ops); `backward` walks the nodes
 * in reverse topological order. Gradients are summed back to each input's shape here, once, so no
 * op has to un-broadcast by hand.
 */
import type { Tensor } from './tensor.ts';
import { fmt, OpError, shapesEqual } from './shape.ts';
import { sumToShape } from './ops/reduce.ts';
import { add } from './ops/arithmetic.ts';
import { onesLike } from './creation.ts';

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

function withGradMode<T>(enabled: boolean, fn: () => T): T {
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

/** Nodes reachable from `root`, ordered so that each tensor comes before every tensor it was made from. */
function reverseTopological(root: Tensor): Tensor[] {
  const order: Tensor[] = [], seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) { order.push(t); continue; }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const input of t.node?.inputs ?? []) if (input.requiresGrad && !seen.has(input)) stack.push([input, false]);
  }
  return order.reverse();
}

export interface BackwardOptions {
  /** Record the backward pass itself, so gradients can be differentiated again. */
  createGraph?: boolean;
}

/**
 * Accumulate d(root)/d(leaf) into `.grad` of every leaf that requires grad (and of non-leaves that
 * called `retainGrad()`). `gradient` is d(loss)/d(root); it may be omitted only for scalars.
 */
export function backward(root: Tensor, gradient?: Tensor, { createGraph = false }: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new OpError('backward', 'this tensor does not require grad and has no grad_fn: nothing to differentiate (did you forget requiresGrad, or call it inside noGrad?)');
  }
  if (gradient === undefined && root.numel() !== 1) {
    throw new OpError('backward', `grad can be implicitly created only for scalar outputs, but the output has shape ${fmt(root.shape)}; pass a gradient of that shape`);
  }
  if (gradient !== undefined && !shapesEqual(gradient.shape, root.shape)) {
    throw new OpError('backward', `gradient shape ${fmt(gradient.shape)} does not match the output shape ${fmt(root.shape)}`);
  }
  withGradMode(createGraph, () => {
    const grads = new Map<Tensor, Tensor>([[root, gradient ?? onesLike(root)]]);
    for (const t of reverseTopological(root)) {
      const dy = grads.get(t);
      if (dy === undefined) continue;
      grads.delete(t);
      if (t.node === null || t.retainsGrad) t.grad = t.grad === null ? dy : add(t.grad, dy);
      if (t.node === null) continue;
      const { inputs, needsGrad, backward: fn, op } = t.node;
      const inputGrads = fn(dy, needsGrad);
      inputs.forEach((input, i) => {
        const g = inputGrads[i];
        if (!needsGrad[i] || g == null) return;
        const reduced = shapesEqual(g.shape, input.shape) ? g : sumToShape(g, input.shape, op);
        const previous = grads.get(input);
        grads.set(input, previous === undefined ? reduced : add(previous, reduced));
      });
    }
  });
}
