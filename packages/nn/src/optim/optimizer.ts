/**
 * The optimizer base, after torch.optim.Optimizer: parameter groups with their own
 * hyperparameters, `step()`, `zeroGrad()`, a settable learning rate, and a state dict that
 * captures everything needed to resume training exactly (per-parameter state plus the groups'
 * hyperparameters, the learning rate included, as `torch.optim.Optimizer.state_dict` does).
 *
 * Parameters are updated in place with `Tensor.assign` inside `noGrad`, so the model keeps its
 * tensors. State tensors are immutable: each step replaces them with new ones, so a state dict
 * can share them without copying.
 *
 * Device memory (gpu): a step runs in a `tidy` scope, so its intermediates are released when it
 * returns; the new state tensors are kept and the ones they replace are disposed. So a state dict
 * shares tensors that stay valid until the next `step()` (read or copy it before then, as a
 * checkpoint does); `zeroGrad()` releases the gradients. On js and wasm nothing is disposed.
 */
import { keep, noGrad, tidy, Tensor } from '@diffusion-ts/tensor';
import { clip, excerpt, keyList, problemList } from '../bounded-text.ts';
import { release } from '../release.ts';

/** A hyperparameter value: JSON-serializable, so groups travel in a checkpoint's metadata. */
export type Hyperparameter = number | boolean | readonly number[];

/** Every optimizer's hyperparameters include a learning rate. */
export interface BaseHyperparameters {
  lr: number;
}

/** A parameter group: tensors and the hyperparameters that apply to them. */
export type ParamGroup<H extends BaseHyperparameters> = H & { params: Tensor[] };

/** What a constructor accepts per group: any hyperparameter left out takes the optimizer's default. */
export type ParamGroupInput<H extends BaseHyperparameters> = Partial<H> & { params: readonly Tensor[] };

/** The state one parameter carries between steps. */
export interface ParamState {
  /** Number of updates applied to this parameter (Adam's t). */
  step: number;
  /** Named state tensors (e.g. `expAvg`, `momentumBuffer`), of the parameter's shape and dtype. */
  tensors: Record<string, Tensor>;
}

/** A group as saved: its hyperparameters and the indices of its parameters. */
export interface SavedParamGroup {
  [name: string]: Hyperparameter;
  params: number[];
}

/**
 * An optimizer's state, as `torch.optim.Optimizer.state_dict()`: parameters are identified by their
 * position, counted across groups in order; parameters that were never updated have no entry.
 */
export interface OptimizerStateDict {
  /** The optimizer class (`'SGD'`, `'Adam'`, `'AdamW'`); loading into another kind is an error. */
  kind: string;
  state: Record<number, ParamState>;
  paramGroups: SavedParamGroup[];
}

export class OptimizerError extends Error {
  override name = 'OptimizerError';
}

const isHyperparameter = (v: unknown): v is Hyperparameter =>
  typeof v === 'number' || typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));

const sameKind = (a: Hyperparameter, b: unknown): boolean =>
  Array.isArray(a) ? Array.isArray(b) && b.length === a.length && b.every((x) => typeof x === 'number') : typeof a === typeof b;

export abstract class Optimizer<H extends BaseHyperparameters> {
  /** The optimizer class, recorded in the state dict. */
  abstract readonly kind: string;
  readonly paramGroups: ParamGroup<H>[];
  /** Per-parameter state, keyed by the parameter tensor itself (`assign` keeps its identity). */
  protected readonly state = new Map<Tensor, ParamState>();

  /**
   * @param params the tensors to optimize, or groups of them with their own hyperparameters
   * @param defaults hyperparameters for every group that does not set its own
   */
  protected constructor(params: readonly Tensor[] | readonly ParamGroupInput<H>[], defaults: H) {
    const inputs: readonly ParamGroupInput<H>[] = params.length > 0 && !isGroupInput(params[0]) ? [{ params: params as readonly Tensor[] } as ParamGroupInput<H>] : (params as readonly ParamGroupInput<H>[]);
    if (inputs.length === 0 || inputs.every((g) => g.params.length === 0)) throw new OptimizerError(`${new.target.name}: got an empty parameter list`);
    const seen = new Set<Tensor>();
    this.paramGroups = inputs.map((input, i) => {
      for (const p of input.params) {
        if (seen.has(p)) throw new OptimizerError(`${new.target.name}: a parameter appears more than once (group ${i})`);
        if (!p.requiresGrad) throw new OptimizerError(`${new.target.name}: group ${i} has a tensor of shape [${p.shape}] that does not require grad`);
        seen.add(p);
      }
      const group = { ...defaults, ...input, params: [...input.params] } as ParamGroup<H>;
      this.validateHyperparameters(group);
      return group;
    });
  }

  /** Throw an `OptimizerError` for an invalid hyperparameter (as torch's constructors check them). */
  protected abstract validateHyperparameters(h: H): void;

  /** The state tensors a parameter of this group carries after its first update. */
  protected abstract stateNames(h: H): string[];

  /**
   * Update one parameter from its gradient. Runs under `noGrad`; `state.step` has already been
   * incremented. Returns the new value of the parameter (the caller assigns it in place).
   */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, h: H): Tensor;

  /** One optimization step over every parameter that has a gradient (others are skipped, as in torch). */
  step(): void {
    noGrad(() => tidy(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.grad === null) continue;
          const previous = this.state.get(p);
          // A fresh record, installed only once the update has succeeded.
          const state: ParamState = { step: (previous?.step ?? 0) + 1, tensors: { ...previous?.tensors } };
          p.assign(this.update(p, p.grad, state, group));
          const current = Object.values(state.tensors).map((t) => keep(t));
          this.state.set(p, state);
          release(...Object.values(previous?.tensors ?? {}).filter((t) => !current.includes(t)));
        }
      }
    }));
  }

  /** Drop every gradient (torch's `zero_grad(set_to_none=True)`, its default); on gpu their memory is released now. */
  zeroGrad(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        release(p.grad);
        p.grad = null;
      }
    }
  }

  /** The learning rate of the first group. */
  get lr(): number {
    return this.paramGroups[0]!.lr;
  }

  /** Set the learning rate of every group (what a schedule does each step). */
  set lr(value: number) {
    if (!(value >= 0)) throw new OptimizerError(`${this.kind}: invalid learning rate ${value}`);
    for (const group of this.paramGroups) group.lr = value;
  }

  /** The state of parameter `p`, if it has been updated (for inspection and tests). */
  stateOf(p: Tensor): Readonly<ParamState> | undefined {
    return this.state.get(p);
  }

  /**
   * Everything needed to resume: per-parameter state by index, and each group's hyperparameters.
   * The state tensors are shared, not copied; on gpu they are released by the next `step()` or
   * `loadStateDict`, so read them (`await t.data()`) or clone them before then.
   */
  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    const paramGroups: SavedParamGroup[] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const params: number[] = [];
      for (const p of group.params) {
        const s = this.state.get(p);
        if (s !== undefined) state[index] = { step: s.step, tensors: { ...s.tensors } };
        params.push(index++);
      }
      const { params: _, ...hyper } = group;
      paramGroups.push({ ...structuredClone(hyper as Record<string, Hyperparameter>), params });
    }
    return { kind: this.kind, state, paramGroups };
  }

  /**
   * Restore a state dict from `stateDict()`. Everything is checked first (kind, group sizes,
   * hyperparameter names and types, state names, shapes); on any problem an `OptimizerError` lists
   * them all and nothing changes. Floating state is cast to the parameter's dtype, as torch does.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const plan = this.planLoad(dict);
    // Own copies, in the parameter's dtype and backend, so later edits to `dict` cannot reach us.
    const states = noGrad(() => tidy(() => plan.states.map(([p, s]): [Tensor, ParamState] =>
      [p, { step: s.step, tensors: Object.fromEntries(Object.entries(s.tensors).map(([k, t]) => [k, keep(t.to(p.dtype).to(p.backend).clone())])) }])));
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        release(...Object.values(this.state.get(p)?.tensors ?? {}));
        this.state.delete(p);
      }
    }
    plan.groups.forEach((h, i) => Object.assign(this.paramGroups[i]!, h));
    for (const [p, s] of states) this.state.set(p, s);
  }

  /** Check a state dict without loading it; throws the same `OptimizerError` as `loadStateDict`. */
  validateStateDict(dict: OptimizerStateDict): void {
    this.planLoad(dict);
  }

  /**
   * Check `dict` against this optimizer and pair its state with this optimizer's parameters (the
   * caller copies the tensors). As in torch, the saved groups' `params` ids are matched to this
   * optimizer's parameters by position, and the state is looked up through those ids.
   */
  private planLoad(dict: OptimizerStateDict): { groups: H[]; states: [Tensor, ParamState][] } {
    const problems: string[] = [];
    const fail = (): never => {
      throw new OptimizerError(`${this.kind}.loadStateDict: ${problemList(problems)}`);
    };
    if (dict === null || typeof dict !== 'object' || dict.state === null || typeof dict.state !== 'object' || !Array.isArray(dict.paramGroups)) {
      problems.push('state dict must be { kind, state, paramGroups }');
      fail();
    }
    if (dict.kind !== this.kind) problems.push(`state dict is for ${typeof dict.kind === 'string' ? clip(dict.kind) : excerpt(dict.kind)}, not ${this.kind}`);
    if (dict.paramGroups.length !== this.paramGroups.length) {
      problems.push(`state dict has ${dict.paramGroups.length} parameter groups, optimizer has ${this.paramGroups.length}`);
      fail();
    }

    const groups: H[] = [];
    const byId = new Map<string, { p: Tensor; h: H }>(); // saved id → (parameter, its group's hyperparameters)
    this.paramGroups.forEach((group, g) => {
      const saved: unknown = dict.paramGroups[g];
      if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) {
        problems.push(`group ${g} must be an object, got ${excerpt(saved)}`);
        return;
      }
      const field = (name: string): unknown => (Object.hasOwn(saved, name) ? (saved as Record<string, unknown>)[name] : undefined);
      const { params: _, ...own } = group;
      const hyper: Record<string, Hyperparameter> = {};
      for (const [name, value] of Object.entries(own as Record<string, Hyperparameter>)) {
        const s = field(name);
        if (!isHyperparameter(s) || !sameKind(value, s)) problems.push(`group ${g}: hyperparameter "${name}" is ${s === undefined ? 'missing' : excerpt(s)}, expected a value like ${excerpt(value)}`);
        else hyper[name] = Array.isArray(s) ? [...s] : s;
      }
      for (const name of Object.keys(saved)) {
        if (name !== 'params' && !Object.hasOwn(own, name)) problems.push(`group ${g}: unexpected hyperparameter ${excerpt(name)}`);
      }
      const h = hyper as unknown as H;
      if (problems.length === 0) {
        try {
          this.validateHyperparameters(h);
        } catch (e) {
          problems.push(`group ${g}: ${(e as Error).message}`);
        }
      }
      groups.push(h);
      const ids = field('params');
      if (!Array.isArray(ids) || ids.length !== group.params.length) {
        problems.push(`group ${g} has ${Array.isArray(ids) ? ids.length : 'no'} parameters in the state dict, ${group.params.length} in the optimizer`);
        return;
      }
      ids.forEach((id: unknown, j) => {
        if (!Number.isSafeInteger(id) || (id as number) < 0 || byId.has(String(id))) problems.push(`group ${g}: parameter id ${excerpt(id)} is not a new non-negative integer`);
        else byId.set(String(id), { p: group.params[j]!, h });
      });
    });
    if (problems.length > 0) fail();

    const states: [Tensor, ParamState][] = [];
    for (const [id, s] of Object.entries(dict.state as Record<string, unknown>)) {
      const target = byId.get(id);
      if (target === undefined) {
        problems.push(`state for parameter ${clip(id)}, which no group lists`);
        continue;
      }
      const { p, h } = target;
      const { step, tensors } = (s ?? {}) as { step?: unknown; tensors?: unknown };
      if (s === null || typeof s !== 'object' || !Number.isSafeInteger(step) || (step as number) < 0 || tensors === null || typeof tensors !== 'object') {
        problems.push(`parameter ${id}: state must be { step: non-negative integer, tensors }, got ${excerpt(s)}`);
        continue;
      }
      const named = tensors as Record<string, unknown>;
      const expected = this.stateNames(h).sort();
      const names = Object.keys(named).sort();
      if (expected.join() !== names.join()) {
        problems.push(`parameter ${id}: state tensors are [${keyList(names)}], expected [${expected.join(', ')}]`);
        continue;
      }
      const own: Record<string, Tensor> = {};
      for (const name of names) {
        const t = named[name];
        if (!(t instanceof Tensor)) problems.push(`parameter ${id}: ${name} is ${excerpt(t)}, not a Tensor`);
        else if (t.shape.join() !== p.shape.join() || t.dtype === 'int32') problems.push(`parameter ${id}: ${name} is ${t.dtype}${excerpt(t.shape)}, parameter is ${p.dtype}[${p.shape}]`);
        else own[name] = t;
      }
      states.push([p, { step: step as number, tensors: own }]);
    }
    if (problems.length > 0) fail();
    return { groups, states };
  }
}

function isGroupInput(x: unknown): boolean {
  return x !== null && typeof x === 'object' && 'params' in x && Array.isArray((x as { params: unknown }).params);
}
