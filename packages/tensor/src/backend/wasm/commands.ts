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
}

/** run(list): execute records until opcode 0. Unknown opcodes trap (`unreachable`). */
export function addRunFunction(mod: ModuleBuilder, table: readonly CommandEntry[]): number {
  const c = new Code([i32]);
  const p = 0;
  const op = c.local(i32);
  c.loop(() => {
    c.localGet(p).i32Load().localTee(op).i32Eqz().if(() => c.return());
    c.block(() => {
      for (const { op: code, func, argc } of table) {
        if (argc > MAX_ARGS) throw new Error(`command ${code}: ${argc} arguments, at most ${MAX_ARGS}`);
        c.localGet(op).i32Const(code).i32Eq().if(() => {
          for (let a = 0; a < argc; a++) c.localGet(p).i32Load(4 + 4 * a);
          c.call(func).br(1); // done: leave the dispatch block
        });
      }
      c.unreachable();
    });
    c.localGet(p).i32Const(RECORD_BYTES).i32Add().localSet(p);
    c.br(0);
  });
  return mod.declare('run', c);
}

/** Writes records into one thread's list region (`capacity` records, the last kept for the end mark). */
export class CommandList {
  length = 0;
  constructor(
    /** The heap's i32 view, looked up at each write (it is replaced when the memory grows). */
    private readonly i32: () => Int32Array,
    readonly ptr: number,
    readonly capacity: number,
  ) {}

  get full(): boolean {
    return this.length >= this.capacity - 1;
  }

  push(op: number, args: readonly number[]): void {
    if (this.full) throw new Error('command list overflow');
    const view = this.i32();
    const base = (this.ptr + this.length * RECORD_BYTES) >> 2;
    view[base] = op;
    for (let a = 0; a < args.length; a++) view[base + 1 + a] = args[a]! | 0;
    this.length++;
    view[base + RECORD_BYTES / 4] = 0; // end mark after the last record
  }

  clear(): void {
    this.length = 0;
    this.i32()[this.ptr >> 2] = 0;
  }
}
