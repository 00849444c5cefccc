/**
 * Command lists: how a thread is told what to do. The main thread writes, for each thread, a list
 * of fixed-size records (an opcode and up to 15 i32 arguments) into the shared memory; the
 * generated `run(list)` function walks a list and calls the kernel each record names. A worker's
 * whole job is therefore one call, `run(list)`, and the scheduling logic stays in TypeScript.
 */

import { Code, i32 } from './emit/code.ts';
import type { ModuleBuilder } from './emit/module.ts';

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

  push(op: number, args: readonly number[]): void {
    if (this.free <= 0) throw new Error(`command list overflow (${this.capacity} records)`);
    const view = this.i32();
    const base = this.position >> 2;
    view[base] = op;
    for (let a = 0; a < args.length; a++) view[base + 1 + a] = args[a]! | 0;
    this.length++;
    view[base + RECORD_BYTES / 4] = 0; // end mark after the last record
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
