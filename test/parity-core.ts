/**
 * The comparison at the heart of the backend parity suites, shared by the Node suite
 * (test/backend-parity.test.ts) and the browser one (packages/playground/parity.html): run a function
 * on float32 leaves on `js` and on another backend, with the gradients of Σ out·r, and find the first
 * element where they differ by more than the tolerance. Pure tensor code (no Node built-ins), so it
 * bundles for a page; the callers turn a mismatch into a failure.
 *
 * Tolerance: |got − want| ≤ tol · (max |want| + |want|) + atol, the scale of the whole tensor (see
 * test/backend-parity.test.ts for why); int32 results must agree exactly.
 */
import * as T from '@diffusion-ts/tensor';
import type { Tensor } from '@diffusion-ts/tensor';

export interface ParityOptions {
  /** Forward tolerance; gradients get 5 × tol. */
  tol?: number;
  /** Compare the gradients too (default true). */
  grad?: boolean;
  atol?: number;
}

/** The first element where `a` (the backend) and `b` (js) differ beyond the tolerance, described; null when none. */
export function mismatch(a: T.TypedArray, b: T.TypedArray, shape: readonly number[], tol: number, what: string, atol = 1e-35): string | null {
  if (a.length !== b.length) return `${what}: ${a.length} values, js has ${b.length}`;
  let scale = 0;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i]!)) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (tol === 0 || !(Math.abs(x - y) <= tol * (scale + Math.abs(y)) + atol)) return `${what}: [${i}] = ${x}, js says ${y} (shape [${shape}], scale ${scale})`;
  }
  return null;
}

/**
 * Run `f` on float32 leaves built from `inputs` on js and on `backend`; compare the outputs and, when
 * `grad` is set, the gradients of Σ out·r (r a fixed random tensor) with respect to every float input.
 * @returns every mismatch found (empty when the backend agrees)
 */
export async function parityMismatches(backend: T.BackendName, name: string, inputs: readonly Tensor[], f: (...xs: Tensor[]) => Tensor, { tol = 1e-4, grad = true, atol = 1e-35 }: ParityOptions = {}): Promise<string[]> {
  const run = (target: T.BackendName): { out: Tensor; grads: (Tensor | null)[] } => {
    const xs = inputs.map((x) => {
      const moved = x.detach().to(target);
      return grad && moved.dtype !== 'int32' ? moved.requiresGrad_() : moved;
    });
    const out = f(...xs);
    if (grad && out.requiresGrad) {
      const r = T.randn(out.shape, { generator: new T.Generator(7) }).to(target);
      T.sum(T.mul(out, r)).backward();
    }
    return { out, grads: xs.map((x) => x.grad) };
  };
  const want = run('js'), got = run(backend);
  const found: string[] = [];
  if (got.out.shape.join() !== want.out.shape.join()) return [`${name} on ${backend}: shape [${got.out.shape}], js [${want.out.shape}]`];
  if (got.out.dtype !== want.out.dtype) return [`${name} on ${backend}: dtype ${got.out.dtype}, js ${want.out.dtype}`];
  want.grads.forEach((g, i) => { if ((g === null) !== (got.grads[i] === null)) found.push(`${name}: grad ${i} on only one of ${backend} and js`); });
  if (found.length > 0) return found;
  // Every read at once: on an asynchronous backend each read is a round trip to the device.
  const [gotOut, wantOut, ...grads] = await Promise.all([got.out, want.out, ...want.grads.flatMap((g, i) => (g === null ? [] : [got.grads[i]!, g]))].map((t) => t.data()));
  const checks = [mismatch(gotOut!, wantOut!, want.out.shape, want.out.dtype === 'int32' ? 0 : tol, `${name} on ${backend}`)];
  want.grads.filter((g) => g !== null).forEach((g, j) => {
    checks.push(mismatch(grads[2 * j]!, grads[2 * j + 1]!, g!.shape, 5 * tol, `${name} on ${backend}: gradient of input ${want.grads.indexOf(g)}`, atol));
  });
  return checks.filter((m) => m !== null);
}
