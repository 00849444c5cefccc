/**
 * Module: the base of every layer and network, after torch.nn.Module. Parameters, buffers and
 * child modules are discovered from the module's own fields, in the order they were assigned, so
 * state-dict keys are the dotted field names: `inputBlocks.3.0.inLayers.2.weight`.
 */
import { noGrad, Tensor, type DType } from '@diffusion-ts/tensor';
import { excerpt, keyList, problemList } from './bounded-text.ts';
import { release } from './release.ts';

const parameterTensors = new WeakSet<Tensor>();
const bufferTensors = new WeakSet<Tensor>();

/** Mark a tensor as a trainable parameter (a leaf that requires grad). */
export function parameter(t: Tensor): Tensor {
  const leaf = t.isLeaf ? t : t.detach();
  leaf.requiresGrad_(true);
  parameterTensors.add(leaf);
  return leaf;
}

/** Mark a tensor as a buffer: saved in the state dict, never trained (e.g. running statistics). */
export function buffer(t: Tensor): Tensor {
  bufferTensors.add(t);
  return t;
}

export class StateDictError extends Error {
  override name = 'StateDictError';
}

export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). */
  strict?: boolean;
}

export abstract class Module {
  /** Training mode switches dropout on; `eval()` turns it off. */
  training = true;

  /** Direct children, in field order; a `ModuleList` or `Sequential` names them 0, 1, … */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** This module and every descendant, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    return [[prefix, this], ...this.namedChildren().flatMap(([name, child]) => child.namedModules(join(prefix, name)))];
  }

  private ownTensors(kind: WeakSet<Tensor>): [string, Tensor][] {
    return Object.entries(this).filter((e): e is [string, Tensor] => e[1] instanceof Tensor && kind.has(e[1]));
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    return this.namedModules(prefix).flatMap(([name, m]) => m.ownTensors(parameterTensors).map(([p, t]): [string, Tensor] => [join(name, p), t]));
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    return this.namedModules(prefix).flatMap(([name, m]) => m.ownTensors(bufferTensors).map(([b, t]): [string, Tensor] => [join(name, b), t]));
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** The number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel(), 0);
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copy values from `dict` into this module's parameters and buffers. Missing keys, unexpected
   * keys (when strict), entries that are not tensors, and shape or dtype mismatches are all
   * reported together in one error (the first few of each, and the count), and then nothing is
   * loaded. Only `dict`'s own keys count: `toString` or `__proto__` in a file is a key like any other.
   */
  loadStateDict(dict: Record<string, Tensor>, { strict = true }: LoadStateDictOptions = {}): void {
    if (dict === null || typeof dict !== 'object') throw new StateDictError(`loadStateDict(${this.constructor.name}): expected a record of tensors, got ${excerpt(dict)}`);
    const own = this.stateDict();
    const problems: string[] = [];
    const missing = Object.keys(own).filter((k) => !Object.hasOwn(dict, k));
    const unexpected = Object.keys(dict).filter((k) => !Object.hasOwn(own, k));
    if (strict && missing.length > 0) problems.push(`missing keys: ${keyList(missing)}`);
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${keyList(unexpected)}`);
    const sources = new Map<Tensor, Tensor>();
    for (const [key, target] of Object.entries(own)) {
      if (!Object.hasOwn(dict, key)) continue;
      const source: unknown = dict[key];
      if (!(source instanceof Tensor)) problems.push(`${key}: expected a Tensor, got ${excerpt(source)}`);
      else if (source.shape.join() !== target.shape.join() || source.dtype !== target.dtype) {
        problems.push(`${key}: checkpoint has ${source.dtype}${excerpt(source.shape)}, model has ${target.dtype}[${target.shape}]`);
      } else sources.set(target, source);
    }
    if (problems.length > 0) throw new StateDictError(`loadStateDict(${this.constructor.name}): ${problemList(problems)}`);
    noGrad(() => {
      for (const [target, source] of sources) target.assign(source.to(target.backend));
    });
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Convert every floating parameter and buffer to `dtype`, like PyTorch's `module.double()`:
   * e.g. float64 for gradient checks. Parameters are replaced by new leaves (int32 buffers are kept),
   * so build optimizers after converting.
   */
  to(dtype: DType): this {
    noGrad(() => {
      for (const [, m] of this.namedModules()) {
        const fields = m as unknown as Record<string, Tensor>;
        for (const [key, t] of m.ownTensors(parameterTensors)) fields[key] = parameter(t.to(dtype)).requiresGrad_(t.requiresGrad);
        for (const [key, t] of m.ownTensors(bufferTensors)) if (t.dtype !== 'int32') fields[key] = buffer(t.to(dtype));
      }
    });
    return this;
  }

  /** Drop every gradient (set `.grad` to null); on gpu their device memory is released now. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      release(p.grad);
      p.grad = null;
    }
  }

  /** Extra text inside this module's parentheses in `toString()`, like PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }

  /** A readable tree like PyTorch's module repr. */
  toString(): string {
    const children = this.namedChildren();
    const name = this.constructor.name;
    if (children.length === 0) return `${name}(${this.extraRepr()})`;
    const lines = children.map(([key, child]) => `  (${key}): ${child.toString().replace(/\n/g, '\n  ')}`);
    const extra = this.extraRepr();
    return `${name}(${extra ? `\n  ${extra}` : ''}\n${lines.join('\n')}\n)`;
  }
}

const join = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}.${name}`);

/** An indexed list of modules (torch.nn.ModuleList): children are named 0, 1, … */
export class ModuleList<M extends Module = Module> extends Module {
  [index: number]: M;
  length = 0;

  constructor(modules: readonly M[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: M): this {
    this[this.length++] = m;
    return this;
  }

  *[Symbol.iterator](): IterableIterator<M> {
    for (let i = 0; i < this.length; i++) yield this[i]!;
  }

  at(i: number): M {
    const m = this[i < 0 ? i + this.length : i];
    if (m === undefined) throw new RangeError(`ModuleList.at: index ${i} out of range for ${this.length} modules`);
    return m;
  }
}

/** A module that maps one tensor to one tensor. */
export interface UnaryModule extends Module {
  forward(x: Tensor): Tensor;
  /**
   * When this module followed by `next` can run as one fused op (the same function, fewer
   * passes), run both on x and return the result; else null. Sequential asks before each layer.
   */
  forwardFusedWith?(next: UnaryModule, x: Tensor): Tensor | null;
}

/** Modules applied in order (torch.nn.Sequential); a pair that fuses (`forwardFusedWith`) runs as one op. */
export class Sequential extends ModuleList<UnaryModule> {
  constructor(...modules: UnaryModule[]) {
    super(modules);
  }

  forward(x: Tensor): Tensor {
    for (let i = 0; i < this.length; i++) {
      const m = this[i]!, next = this[i + 1];
      const fused = next === undefined ? null : m.forwardFusedWith?.(next, x) ?? null;
      if (fused === null) x = m.forward(x);
      else { x = fused; i++; }
    }
    return x;
  }
}
