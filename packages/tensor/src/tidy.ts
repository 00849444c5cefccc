/**
 * Scopes that release device memory (TF.js's `tidy`/`keep`). Tensors on backends whose memory is not
 * garbage-collected (gpu) are recorded by the innermost open scope when they are created; when the
 * scope's function returns, every recorded tensor is disposed except those it returns (a tensor, or
 * tensors inside arrays and plain objects) and those marked with `keep`. Returned tensors join the
 * enclosing scope. Tensors on `js` and `wasm` are ordinary JavaScript memory and are never recorded.
 *
 * Finalizers do not run inside a synchronous loop, so the library's own loops (trainer steps,
 * samplers, EMA, optimizers) use this: a user who calls them never needs `tidy`.
 */
import type { Tensor } from './tensor-core.ts';

const scopes: Set<Tensor>[] = [];

/** Called by the Tensor constructor for tensors whose backend memory must be released explicitly. */
export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Run `fn`, then dispose every device tensor it created, except what it returns and what it `keep`s. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new TypeError('tidy: the function returned a Promise; tidy scopes are synchronous (await outside them)');
  const returned = new Set<Tensor>();
  collect(result, returned, 0);
  for (const t of scope) {
    if (returned.has(t)) track(t);
    else t.dispose();
  }
  return result;
}

/** Exempt `t` from disposal by the scopes it was created in (optimizer state, EMA weights); returns it. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  return t;
}

function collect(value: unknown, into: Set<Tensor>, depth: number): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    into.add(value);
    return;
  }
  const items = Array.isArray(value) ? value : Object.getPrototypeOf(value) === Object.prototype ? Object.values(value) : [];
  for (const item of items) collect(item, into, depth + 1);
}

const isTensor = (v: object): v is Tensor => 'shape' in v && 'backend' in v && typeof (v as Tensor).dispose === 'function';
