/**
 * The loop every sampler runs, releasing device memory as it goes (gpu): each step's body runs in a
 * `tidy` scope, so everything it allocates is released when it returns except the state it returns
 * (the next x, and for a multistep solver the history it carries), and the state it replaces is
 * released as well, except the caller's tensors. So a sampler holds about one step's memory
 * however many steps it takes. On js and wasm nothing is released.
 *
 * `onStep` callbacks run inside the step, so on gpu the tensors they receive are released right
 * after it: read them there (`t.data()` takes hold of the values when it is called, so awaiting the
 * promise later is safe) or `keep(t.clone())` them.
 */
import { tidy, Tensor } from '@diffusion-ts/tensor';
import { release } from '@diffusion-ts/nn/internal';

/** A sampler's state between steps: x alone, or x with the history a multistep solver carries. */
export type StepState = Tensor | { readonly [name: string]: Tensor | null };

const tensorsOf = (state: StepState): Tensor[] =>
  state instanceof Tensor ? [state] : Object.values(state).filter((t): t is Tensor => t !== null);

/**
 * Run `step` for i = 0 … numSteps − 1, each time on the state the previous step returned, starting
 * from `initial`. `initial` belongs to the caller and is never released, unless `ownsInitial` says
 * the sampler made it (e.g. a scaled copy of the caller's x).
 */
export function runSteps<S extends StepState>(initial: S, numSteps: number, step: (state: S, i: number) => S, { ownsInitial = false } = {}): S {
  const callers = ownsInitial ? [] : tensorsOf(initial);
  let state = initial;
  for (let i = 0; i < numSteps; i++) {
    const current = state;
    const next = tidy(() => step(current, i));
    const kept = tensorsOf(next);
    release(...tensorsOf(current).filter((t) => !kept.includes(t) && !callers.includes(t)));
    state = next;
  }
  return state;
}
