/**
 * The engine: one generated module, one shared memory (the heap), one instance on this thread and
 * one per worker, and per-thread scratch (packed panels, command lists). `getEngine()` builds it on
 * first use, synchronously: `new WebAssembly.Module(bytes)` is allowed on Node's main thread for any size.
 */

import { availableParallelism } from 'node:os';
import { CommandList, RECORD_BYTES } from './commands.ts';
import { buildEngineModule } from './engine-module.ts';
import type { EngineExports } from './engine-module.ts';
import { defaultGemmShape } from './gemm-kernel.ts';
import type { GemmShape } from './gemm-kernel.ts';
import { Heap } from './heap.ts';
import { CONTROL_WORDS, Pool } from './pool.ts';

/** Cache blocking (BLIS's MC, KC, NC): an A block MC×KC stays in L2, a B panel KC×NR in L1. */
export interface Blocking {
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
}

export interface EngineOptions {
  /** Threads including the calling one; default: the machine's available parallelism, at most 8. */
  readonly threads?: number;
  readonly shape?: GemmShape;
  readonly blocking?: Blocking;
  /** Records per thread's command list. */
  readonly listCapacity?: number;
}

export const defaultBlocking: Blocking = { mc: 128, kc: 256, nc: 2048 };

/** Per-thread scratch: where that thread packs its A block and B panel, and its edge tile. */
export interface ThreadScratch {
  readonly packA: number;
  readonly packB: number;
  readonly tile: number;
}

export class Engine {
  readonly heap: Heap;
  readonly exports: EngineExports;
  readonly pool: Pool;
  readonly threads: number;
  readonly shape: GemmShape;
  readonly blocking: Blocking;
  readonly scratch: readonly ThreadScratch[];
  readonly lists: readonly CommandList[];

  constructor(options: EngineOptions = {}) {
    this.threads = Math.max(1, options.threads ?? Math.min(availableParallelism(), 8));
    this.shape = options.shape ?? defaultGemmShape;
    const { mr, nr } = this.shape;
    const b = options.blocking ?? defaultBlocking;
    // MC a multiple of MR and NC of NR, so only a matrix's last panel is ever partial.
    this.blocking = { mc: Math.ceil(b.mc / mr) * mr, kc: b.kc, nc: Math.ceil(b.nc / nr) * nr };
    const capacity = options.listCapacity ?? 1024;

    // Low memory: 64 bytes left unused (so address 0 is never a block), then control words, then lists.
    const controlPtr = 64;
    const listsPtr = controlPtr + this.threads * CONTROL_WORDS * 4;
    const reserved = listsPtr + this.threads * capacity * RECORD_BYTES;
    this.heap = new Heap(reserved);

    const { module, instantiate } = buildEngineModule(this.shape, this.heap.memory);
    this.exports = instantiate();
    this.pool = new Pool(module, this.heap.memory, controlPtr, this.threads);
    this.lists = Array.from({ length: this.threads }, (_, t) => {
      const list = new CommandList(() => this.heap.i32, listsPtr + t * capacity * RECORD_BYTES, capacity);
      list.clear();
      return list;
    });
    const { mc, kc, nc } = this.blocking;
    this.scratch = Array.from({ length: this.threads }, () => ({
      packA: this.heap.alloc(mc * kc * 4),
      packB: this.heap.alloc(nc * kc * 4),
      tile: this.heap.alloc(mr * nr * 4),
    }));
  }

  /** Queue a command on thread t's list, running everything queued first if that list is full. */
  push(t: number, op: number, args: readonly number[]): void {
    const list = this.lists[t]!;
    if (list.full) this.flush();
    list.push(op, args);
  }

  /** Run every thread's queued commands (in parallel across threads) and clear the lists. */
  flush(): void {
    const lists = this.lists.map((l) => (l.length > 0 ? l.ptr : null));
    if (lists.every((l) => l === null)) return;
    try {
      this.pool.run(lists, (ptr) => this.exports.run(ptr));
    } finally {
      for (const l of this.lists) l.clear();
    }
  }
}

let shared: Engine | undefined;

/** The process-wide engine, built on first use. */
export function getEngine(): Engine {
  shared ??= new Engine();
  return shared;
}
