/**
 * `backward`: the reverse walk of the tape that autograd.ts records. Gradients are summed back to
 * each input's shape here, once (`sumToShape`), so no op has to un-broadcast by hand.
 */
import type { Tensor } from './tensor-core.ts';
import { isAnomalyEnabled, withGradMode } from './autograd.ts';
import { closeScope, openScope, tidy } from './tidy.ts';
import { fmt, OpError, shapesEqual } from './shape.ts';
import { sumToShape } from './ops/reduce.ts';
import { add } from './ops/arithmetic.ts';
import { onesLike } from './creation.ts';

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
  /**
   * Accumulate into `.grad` of these tensors only, as torch's `backward(inputs=…)`: every other leaf
   * (a model's weights, say) and every `retainGrad()` tensor is left as it was. Each must require grad.
   */
  inputs?: readonly Tensor[];
}

/**
 * Accumulate d(root)/d(leaf) into `.grad` of every leaf that requires grad (and of non-leaves that
 * called `retainGrad()`). `gradient` is d(loss)/d(root); it may be omitted only for scalars.
 */
export function backward(root: Tensor, gradient?: Tensor, { createGraph = false, inputs }: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new OpError('backward', 'this tensor does not require grad and has no grad_fn: nothing to differentiate (did you forget requiresGrad, or call it inside noGrad?)');
  }
  if (gradient === undefined && root.numel() !== 1) {
    throw new OpError('backward', `grad can be implicitly created only for scalar outputs, but the output has shape ${fmt(root.shape)}; pass a gradient of that shape`);
  }
  if (gradient !== undefined && !shapesEqual(gradient.shape, root.shape)) {
    throw new OpError('backward', `gradient shape ${fmt(gradient.shape)} does not match the output shape ${fmt(root.shape)}`);
  }
  inputs?.forEach((input, i) => {
    if (!input.requiresGrad) throw new OpError('backward', `inputs[${i}] (shape ${fmt(input.shape)}) does not require grad, so no gradient reaches it`);
  });
  const only = inputs === undefined ? null : new Set(inputs);
  const keepsGrad = (t: Tensor): boolean => (only === null ? t.node === null || t.retainsGrad : only.has(t));
  if (createGraph) withGradMode(true, () => walk(root, gradient, keepsGrad));
  else withGradMode(false, () => walkReleasing(root, gradient, keepsGrad));
}

/** The walk that records itself (createGraph): every gradient stays, as the new graph needs them. */
function walk(root: Tensor, gradient: Tensor | undefined, keepsGrad: (t: Tensor) => boolean): void {
  const grads = new Map<Tensor, Tensor>([[root, gradient ?? onesLike(root)]]);
  for (const t of reverseTopological(root)) {
    const dy = grads.get(t);
    if (dy === undefined) continue;
    grads.delete(t);
    if (keepsGrad(t)) t.grad = t.grad === null ? dy : add(t.grad, dy);
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
}

/**
 * The same walk, disposing each gradient of an intermediate as soon as it is consumed (on gpu
 * that frees device memory during the pass; on wasm the buffer goes to the engine's pool for the
 * next gradient of its size), and each node's own temporaries when its backward returns. Disposed:
 * only tensors this walk made (recorded by a scope around it) that are no longer waiting in the
 * map and were not stored in a `.grad`; the caller's `gradient` is never one of them. What is left
 * joins the caller's tidy scope, as before.
 *
 * Where a tensor's gradient arrives from several consumers, the sum is accumulated in place into the
 * gradient already waiting, as PyTorch's engine does, when that gradient is one only this walk can
 * see: made by this walk, held by exactly one entry of the map, in no `.grad`, and (checked by the
 * backend's `accumulate`, which may decline) sharing its storage with no other tensor. No closure
 * keeps it either: the walk records nothing (the recorded walk above always adds out of place).
 */
function walkReleasing(root: Tensor, gradient: Tensor | undefined, keepsGrad: (t: Tensor) => boolean): void {
  const made = openScope(true); // every tensor this walk makes, as it makes them
  try {
    const grads = new Map<Tensor, Tensor>();
    const waiting = new Map<Tensor, number>(); // how many entries of `grads` hold each tensor
    const hold = (input: Tensor, g: Tensor): void => {
      grads.set(input, g);
      waiting.set(g, (waiting.get(g) ?? 0) + 1);
    };
    const unhold = (g: Tensor): void => {
      const n = waiting.get(g)! - 1;
      if (n === 0) waiting.delete(g);
      else waiting.set(g, n);
    };
    const stored = new Set<Tensor>(); // tensors now in some `.grad`
    /** Whether only this entry of `grads` can see `g` (its storage is the backend's to check). */
    const ownsAlone = (g: Tensor): boolean => made.has(g) && waiting.get(g) === 1 && !stored.has(g) && !isAnomalyEnabled();
    hold(root, gradient ?? onesLike(root));
    for (const t of reverseTopological(root)) {
      const dy = grads.get(t);
      if (dy === undefined) continue;
      grads.delete(t);
      unhold(dy);
      if (keepsGrad(t)) {
        t.grad = t.grad === null ? dy : add(t.grad, dy);
        stored.add(t.grad);
      }
      if (t.node === null) {
        if (!waiting.has(dy) && !stored.has(dy) && made.has(dy)) dy.dispose(); // a leaf left out by `inputs`
        continue;
      }
      const { inputs, needsGrad, backward: fn, op } = t.node;
      // The node's temporaries (inside fn) are disposed when it returns, except its results.
      const inputGrads = tidy(() => fn(dy, needsGrad), { recycle: true });
      const done: Tensor[] = [dy];
      inputs.forEach((input, i) => {
        const g = inputGrads[i];
        if (!needsGrad[i] || g == null) return;
        const reduced = shapesEqual(g.shape, input.shape) ? g : sumToShape(g, input.shape, op);
        if (reduced !== g) done.push(g);
        const previous = grads.get(input);
        if (previous === undefined) hold(input, reduced);
        else if (ownsAlone(previous) && accumulated(previous, reduced)) done.push(reduced);
        else {
          unhold(previous);
          done.push(previous, reduced);
          hold(input, add(previous, reduced));
        }
      });
      for (const x of done) if (!waiting.has(x) && !stored.has(x) && made.has(x)) x.dispose();
    }
  } finally {
    closeScope();
  }
}

/** previous += reduced in place, where the backend can (same shape and dtype, storage held by `previous` alone). */
function accumulated(previous: Tensor, reduced: Tensor): boolean {
  const kernels = previous.backend;
  if (kernels.accumulate === undefined || previous === reduced || previous.dtype !== reduced.dtype || kernels !== reduced.backend) return false;
  return shapesEqual(previous.shape, reduced.shape) && kernels.accumulate(previous, reduced);
}
