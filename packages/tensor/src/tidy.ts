/**
 * Scopes that release memory (TF.js's `tidy`/`keep`). Tensors on backends whose memory is not
 * garbage-collected (gpu) are recorded by the innermost open scope when they are created; when the
 * scope's function returns, every recorded tensor is disposed except those it returns (a tensor, or
 * tensors inside arrays and plain objects) and those marked with `keep`. Returned tensors join the
 * enclosing scope.
 *
 * Tensors on `js` and `wasm` are ordinary JavaScript memory, recorded only by a recycling scope,
 * `tidy(fn, { recycle: true })` (nested scopes inherit it): there they are disposed as a gpu
 * tensor would be, so the wasm engine hands their buffers to the next outputs of the same size
 * instead of asking the allocator for fresh memory (see backend/wasm/buffer-pool.ts). The library's
 * loops are written for gpu, so they work in a recycling scope; the CLI's trainer and samplers open one.
 *
 * Finalizers do not run inside a synchronous loop, so the library's own loops (trainer steps,
 * samplers, EMA, optimizers) use this: a user who calls them never needs `tidy`.
 */
import type { Tensor } from './tensor-core.ts';

interface Scope {
  readonly tensors: Set<Tensor>;
  /** Record garbage-collected tensors too (and dispose them). */
  readonly recycle: boolean;
}

const scopes: Scope[] = [];

/** Called by the Tensor constructor: device tensors join the innermost scope, garbage-collected ones a recycling scope. */
export function track(t: Tensor): void {
  const scope = scopes[scopes.length - 1];
  if (scope !== undefined && (scope.recycle || !t.backend.garbageCollected)) scope.tensors.add(t);
}

/** Whether the innermost open scope recycles (so `release` disposes garbage-collected tensors too). */
export const isRecycling = (): boolean => scopes[scopes.length - 1]?.recycle ?? false;

export interface TidyOptions {
  /**
   * Also dispose the `js`/`wasm` tensors made inside (not returned, not kept), so the wasm engine
   * reuses their buffers. Default: the enclosing scope's setting, else false.
   */
  readonly recycle?: boolean;
}

/**
 * Open a scope by hand (for `backward`, which disposes what it chooses and hands the rest on):
 * returns the set of tensors it records, live. `closeScope` moves every one not disposed to the
 * enclosing scope (by that scope's rule), as a tidy scope moves what it returns.
 */
export function openScope(recycle: boolean): ReadonlySet<Tensor> {
  const scope: Scope = { tensors: new Set(), recycle };
  scopes.push(scope);
  return scope.tensors;
}
export function closeScope(): void {
  const scope = scopes.pop()!;
  for (const t of scope.tensors) if (!t.isDisposed) track(t);
}

/** Run `fn`, then dispose every device tensor it created (every tensor, with `recycle`), except what it returns and what it `keep`s. */
export function tidy<T>(fn: () => T, { recycle = isRecycling() }: TidyOptions = {}): T {
  const scope: Scope = { tensors: new Set(), recycle };
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
  if (recycle && !scopes.some((s) => s.recycle)) {
    const backends = new Set<Tensor['backend']>();
    for (const t of scope.tensors) backends.add(t.backend);
    for (const b of backends) b.trimPool?.();
  }
  for (const t of scope.tensors) {
    if (returned.has(t)) track(t);
    else t.dispose();
  }
  return result;
}

/** Exempt `t` from disposal by the scopes it was created in (optimizer state, EMA weights); returns it. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.tensors.delete(t);
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
