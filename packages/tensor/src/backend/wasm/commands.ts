/**
 * Command lists: how a thread is told what to do. The main thread writes, for each thread, a list
 * of fixed-size records (an opcode and up to 15 i32 arguments) into the shared memory; the
 * generated `run(list)` function walks a list and calls the kernel each record names. A worker's
 * whole job is therefore one call, `run(list)`, and the scheduling logic stays in TypeScript.
 */

import { Code, i32 } from './emit/code.ts';
import type { ModuleBuilder } from './emit/module.ts';
import type { GemmShape } from './gemm-kernel.ts';

/** What an emitter gets: the module being built, the GEMM's register shape, and a once-per-module cache. */
export interface EmitContext {
  readonly mod: ModuleBuilder;
  readonly shape: GemmShape;
  /** `make()` the first time `key` is asked for in this module, its result after that (kernels that share functions). */
  once<T>(key: string, make: () => T): T;
}

/**
 * One kernel of the engine, described once: its exported name, its named i32 parameters in call order
 * (the layout of its command records) and the emitter that adds its function to the module. The
 * engine numbers the kernels of its list, builds the dispatch table from the parameter counts, and
 * `push` takes the arguments by name, so a kernel's layout is written here and nowhere else.
 */
export interface KernelDescriptor<P extends string = string> {
  readonly name: string;
  readonly params: readonly P[];
  /** Add the function (and what it calls) to the module; returns its index. */
  readonly emit: (ctx: EmitContext) => number;
  /** The function returns one value, which `run` drops. */
  readonly returnsValue?: boolean;
}

/** A kernel's arguments, by parameter name. */
export type KernelArgs<K extends KernelDescriptor> = K extends KernelDescriptor<infer P> ? Readonly<Record<P, number>> : never;

/** Declare a kernel; `params` is inferred as a union of literal names. */
export const kernel = <const P extends string>(d: KernelDescriptor<P>): KernelDescriptor<P> => {
  if (d.params.length > MAX_ARGS) throw new Error(`kernel ${d.name}: ${d.params.length} parameters, at most ${MAX_ARGS}`);
  return d;
};

/**
 * A kernel's arguments in parameter order, checked: every parameter given, as a finite number, and
 * nothing else. Runs for every record (thousands per batch-1 U-Net evaluation), so the common case
 * takes one pass over the parameters and a count of the keys, with no intermediate arrays.
 */
export function orderedArgs<K extends KernelDescriptor>(k: K, args: KernelArgs<K>): number[] {
  const given = args as Readonly<Record<string, number>>;
  const params = k.params, values = new Array<number>(params.length);
  for (let i = 0; i < params.length; i++) {
    const name = params[i]!, v = given[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`wasm kernel ${k.name}: argument ${name} must be a finite number, got ${String(v)}`);
    values[i] = v;
  }
  let keys = 0;
  for (const _ in given) keys++;
  if (keys !== params.length) {
    const extra = Object.keys(given).filter((name) => !params.includes(name));
    throw new Error(`wasm kernel ${k.name}: unknown arguments ${extra.join(', ')} (parameters: ${params.join(', ')})`);
  }
  return values;
}

/** Where commands go: a thread's static list (`engine.push`) or a task (`engine.addTask`). */
export type Push = <K extends KernelDescriptor>(kernel: K, args: KernelArgs<K>) => void;

/**
 * What a command sees of the thread that runs it: that thread's scratch, and its entry of any
 * per-thread buffer list. For a thread's static list these are its addresses. Inside a task, which
 * any thread may run, they are placeholders (`LOCAL` + slot·`SLOT_SPAN` + offset, far above any
 * i32 or u32 argument) that `addTask` replaces in each thread's copy of the task.
 */
export interface ThreadView {
  /** Where this thread packs an A block, a B panel, and its edge tile (`ThreadScratch`). */
  readonly packA: number;
  readonly packB: number;
  readonly tile: number;
  /** This thread's entry of `perThread` (one address per thread); an offset may be added to it. */
  of(perThread: readonly number[]): number;
}

/** Placeholders of thread-local addresses: `LOCAL + slot·SLOT_SPAN + offset`, 0 ≤ offset < 2³². */
export const LOCAL = 2 ** 40, SLOT_SPAN = 2 ** 33;

/** Bytes per record: opcode + 15 arguments. */
export const RECORD_BYTES = 64;
export const MAX_ARGS = 15;

/** An entry of the dispatch table: opcode → function index and how many i32 arguments it takes. */
export interface CommandEntry {
  readonly op: number;
  readonly func: number;
  readonly argc: number;
  /** The function returns one value, which `run` drops. */
  readonly returnsValue?: boolean;
}

/** run(list): execute records until opcode 0. Unknown opcodes trap (`unreachable`). */
export function addRunFunction(mod: ModuleBuilder, table: readonly CommandEntry[]): number {
  const c = new Code([i32]);
  const p = 0;
  const op = c.local(i32);
  c.loop(() => {
    c.localGet(p).i32Load().localTee(op).i32Eqz().if(() => c.return());
    c.block(() => {
      for (const { op: code, func, argc, returnsValue } of table) {
        if (argc > MAX_ARGS) throw new Error(`command ${code}: ${argc} arguments, at most ${MAX_ARGS}`);
        c.localGet(op).i32Const(code).i32Eq().if(() => {
          for (let a = 0; a < argc; a++) c.localGet(p).i32Load(4 + 4 * a);
          c.call(func);
          if (returnsValue) c.drop();
          c.br(1); // done: leave the dispatch block
        });
      }
      c.unreachable();
    });
    c.localGet(p).i32Const(RECORD_BYTES).i32Add().localSet(p);
    c.br(0);
  });
  return mod.declare('run', c);
}

/**
 * Writes records into one thread's list region (`capacity` records). The region holds one list, or
 * several back to back (tasks), each ended by an opcode-0 record.
 */
export class CommandList {
  /** Records written, end marks of finished tasks included. */
  length = 0;
  constructor(
    /** The heap's i32 view, looked up at each write (it is replaced when the memory grows). */
    private readonly i32: () => Int32Array,
    readonly ptr: number,
    readonly capacity: number,
  ) {}

  /** Byte address where the next record (the next task, after `endTask`) starts. */
  get position(): number {
    return this.ptr + this.length * RECORD_BYTES;
  }

  /** Records still free, keeping one for the end mark. */
  get free(): number {
    return this.capacity - 1 - this.length;
  }

  /** Append a record: `op` and exactly `argc` arguments (the kernel's parameter count). */
  push(op: number, args: readonly number[], argc: number): void {
    if (args.length !== argc) throw new Error(`command ${op}: ${args.length} arguments for a kernel of ${argc}`);
    if (this.free <= 0) throw new Error(`command list overflow (${this.capacity} records)`);
    // Each an i32, or a u32 address (the module reads back the same bits); checked before anything
    // is written, since the record goes where the list's end mark is.
    for (let a = 0; a < args.length; a++) {
      const v = args[a]!;
      if (v < -(2 ** 31) || v >= 2 ** 32) throw new Error(`command ${op}: argument ${a} is ${v}, not a 32-bit value (a thread-local placeholder outside a task?)`);
    }
    const view = this.i32();
    const base = this.position >> 2;
    view[base] = op;
    for (let a = 0; a < args.length; a++) view[base + 1 + a] = args[a]! | 0;
    this.length++;
    view[base + RECORD_BYTES / 4] = 0; // end mark after the last record
  }

  /** Append `records` records (end marks included) copied from byte address `from`. */
  append(from: number, records: number): void {
    if (this.free < records) throw new Error(`command list overflow (${this.capacity} records)`);
    const at = this.position >> 2, words = (records * RECORD_BYTES) >> 2;
    this.i32().copyWithin(at, from >> 2, (from >> 2) + words);
    this.length += records;
  }

  /** Close the current task: keep its end mark, so the next record starts a new list. */
  endTask(): void {
    this.i32()[this.position >> 2] = 0;
    this.length++;
  }

  clear(): void {
    this.length = 0;
    this.i32()[this.ptr >> 2] = 0;
  }
}
