/**
 * The engine: one generated module, one shared memory (the heap), one instance on this thread and
 * one per worker, and per-thread scratch (packed panels, command lists). `getEngine()` builds it on
 * first use, synchronously (`new WebAssembly.Module(bytes)` is allowed on Node's main thread for any
 * size, and Chromium's main thread compiles our 11 KB module too): on Node with worker threads, in a
 * browser on one thread. `startWasmEngine()` replaces it with one whose threads have started, which
 * a browser page awaits to run on Web Workers.
 */

import { CommandList, LOCAL, orderedArgs, RECORD_BYTES, SLOT_SPAN, type KernelArgs, type KernelDescriptor, type Push, type ThreadView } from './commands.ts';
import { buildEngineModule, engineKernels } from './engine-module.ts';
import type { EngineExports } from './engine-module.ts';
import { defaultGemmShape } from './gemm-kernel.ts';
import type { GemmShape } from './gemm-kernel.ts';
import { Heap } from './heap.ts';
import { availableParallelism, workerThreads } from './platform.ts';
import { CONTROL_WORDS, Pool } from './pool.ts';
import type { ThreadWork } from './pool.ts';

/** Cache blocking (BLIS's MC, KC, NC): an A block MC×KC stays in L2, a B panel KC×NR in L1. */
export interface Blocking {
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
}

export interface EngineOptions {
  /**
   * Threads including the calling one; default: on Node the machine's available parallelism, at
   * most 8; elsewhere 1 (a browser starts Web Workers asynchronously: see `startWasmEngine`).
   */
  readonly threads?: number;
  readonly shape?: GemmShape;
  readonly blocking?: Blocking;
  /** Records per thread's command list. */
  readonly listCapacity?: number;
  /** The kernels to build the module from; default `engineKernels` (a benchmark adds its probe). */
  readonly kernels?: readonly KernelDescriptor[];
  /** How long (µs) an idle worker spins before it sleeps, and the caller before it sleeps on a worker; default `defaultSpin` (50 and 50; 0 and 0 where other work shares the cores). */
  readonly spin?: { readonly worker: number; readonly caller: number };
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
  /** Thread t as its static list sees it: its scratch, and entry t of per-thread lists. */
  readonly views: readonly ThreadView[];
  /** A packed B block (KC × NC) that all threads read when they split one product's rows. */
  readonly sharedPackB: number;
  readonly lists: readonly CommandList[];
  /** Byte address of thread t's table of list addresses. */
  private readonly tables: readonly number[];
  /** Resolves when every thread runs (at once on Node); kernels may run only after it. */
  readonly ready: Promise<void>;
  /** Tasks queued with `addTask` (their lists start at the recorded table entries). */
  private taskCount = 0;
  /** Each kernel's opcode: its position in the list the module was built from, plus one. */
  private readonly opcodes: ReadonlyMap<KernelDescriptor, number>;

  constructor(options: EngineOptions = {}) {
    this.threads = Math.max(1, options.threads ?? (workerThreads() !== null ? Math.min(availableParallelism(), 8) : 1));
    this.shape = options.shape ?? defaultGemmShape;
    const { mr, nr } = this.shape;
    const b = options.blocking ?? defaultBlocking;
    // MC a multiple of MR and NC of NR, so only a matrix's last panel is ever partial.
    this.blocking = { mc: Math.ceil(b.mc / mr) * mr, kc: b.kc, nc: Math.ceil(b.nc / nr) * nr };
    const capacity = options.listCapacity ?? 4096;

    // Low memory, never moved: 64 bytes left unused (so address 0 is never a block), then the
    // pool's control words, each thread's table of list addresses, and each thread's list region.
    const controlPtr = 64;
    const tablesPtr = controlPtr + (this.threads + 1) * CONTROL_WORDS * 4;
    const listsPtr = tablesPtr + this.threads * capacity * 4;
    const reserved = listsPtr + this.threads * capacity * RECORD_BYTES;
    this.heap = new Heap(reserved);
    this.tables = Array.from({ length: this.threads }, (_, t) => tablesPtr + t * capacity * 4);

    const kernels = options.kernels ?? engineKernels;
    this.opcodes = new Map(kernels.map((k, i) => [k, i + 1]));
    const { module, instantiate } = buildEngineModule(this.shape, this.heap.memory, kernels);
    this.exports = instantiate();
    this.pool = new Pool(module, this.heap.memory, controlPtr, this.threads, options.spin);
    this.ready = this.pool.ready;
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
    this.sharedPackB = this.heap.alloc(nc * kc * 4);
    this.views = this.scratch.map((s, t) => ({ ...s, of: (perThread: readonly number[]) => perThread[t]! }));
    this.slots = [this.scratch.map((s) => s.packA), this.scratch.map((s) => s.packB), this.scratch.map((s) => s.tile)];
  }

  /**
   * Static split: queue a command on thread t's list. When a list fills up, everything queued so far
   * runs first (commands on one thread keep their order; there are no cross-thread dependencies
   * within one `flush`).
   */
  push<K extends KernelDescriptor>(t: number, kernel: K, args: KernelArgs<K>): void {
    if (this.taskCount > 0) throw new Error('wasm engine: push during addTask; call runTasks first');
    if (this.lists[t]!.free <= 0) this.flush();
    this.record(this.lists[t]!, kernel, args);
  }

  /** Write one record: the kernel's opcode and its arguments in parameter order (checked by name and count). */
  private record<K extends KernelDescriptor>(list: CommandList, kernel: K, args: KernelArgs<K>): void {
    list.push(this.opcode(kernel), orderedArgs(kernel, args), kernel.params.length);
  }

  private opcode(kernel: KernelDescriptor): number {
    const op = this.opcodes.get(kernel);
    if (op === undefined) throw new Error(`wasm engine: kernel ${kernel.name} is not in this engine's module`);
    return op;
  }

  /** Run every thread's queued commands (in parallel across threads) and clear the lists. */
  flush(): void {
    const work = this.lists.map((list, t) => {
      if (list.length === 0) return null;
      this.heap.i32[this.tables[t]! >> 2] = list.ptr;
      return { table: this.tables[t]!, count: 1, claim: this.pool.ownClaim(t) };
    });
    this.execute(work);
  }

  /**
   * The per-thread lists that a task's placeholders name: packA, packB and tile of every thread
   * (slots 0–2), then those its `of` calls named.
   */
  private readonly slots: (readonly number[])[];
  private slotCount = 3;
  /** Words of the task being recorded that hold thread-local addresses: (word index, slot, offset) triples. */
  private readonly patches: number[] = [];
  private patchCount = 0;
  /** A task's view of the thread that will run it: placeholders for what differs between threads. */
  private readonly taskView: ThreadView = {
    packA: LOCAL, packB: LOCAL + SLOT_SPAN, tile: LOCAL + 2 * SLOT_SPAN,
    of: (perThread) => {
      this.slots[this.slotCount] = perThread;
      return LOCAL + this.slotCount++ * SLOT_SPAN;
    },
  };
  /** Records a task's command in thread 0's list with thread 0's addresses, noting where those were. */
  private readonly taskPush: Push = (kernel, args) => {
    const values = orderedArgs(kernel, args), list = this.lists[0]!;
    for (let a = 0; a < values.length; a++) {
      const v = values[a]!;
      if (v < LOCAL) continue;
      const slot = Math.floor((v - LOCAL) / SLOT_SPAN), offset = v - LOCAL - slot * SLOT_SPAN;
      if (slot >= this.slotCount) throw new Error(`wasm kernel ${kernel.name}: argument ${kernel.params[a]} = ${v} is no thread-local address of this task`);
      values[a] = this.slots[slot]![0]! + offset;
      const patches = this.patches, at = this.patchCount;
      patches[at] = (list.position >> 2) + 1 + a;
      patches[at + 1] = slot;
      patches[at + 2] = offset;
      this.patchCount += 3;
    }
    list.push(this.opcode(kernel), values, kernel.params.length);
  };

  /**
   * Dynamic split: add a task that whichever thread is free next will run (pool.ts). `build(push,
   * here)` queues the task's commands once, naming the running thread's scratch and buffers through
   * `here`. Every thread's list gets a copy (the records copied, its own addresses patched in), so
   * that any thread can run any task.
   */
  addTask(build: (push: Push, here: ThreadView) => void): void {
    if (this.taskCount === 0 && this.lists.some((l) => l.length > 0)) throw new Error('wasm engine: addTask after push; call flush first');
    if (this.lists.some((l) => l.free < 256)) this.runTasks();
    const first = this.lists[0]!, start = first.position, length0 = first.length;
    this.slotCount = 3;
    this.patchCount = 0;
    try {
      build(this.taskPush, this.taskView);
    } catch (error) {
      first.length = length0; // drop the half-recorded task
      throw error;
    }
    first.endTask();
    const records = first.length - length0, words = this.heap.i32, patches = this.patches;
    words[(this.tables[0]! >> 2) + this.taskCount] = start;
    for (let t = 1; t < this.threads; t++) {
      const list = this.lists[t]!, at = list.position, shift = (at - start) >> 2;
      words[(this.tables[t]! >> 2) + this.taskCount] = at;
      list.append(start, records);
      for (let p = 0; p < this.patchCount; p += 3) words[patches[p]! + shift] = (this.slots[patches[p + 1]!]![t]! + patches[p + 2]!) | 0;
    }
    this.taskCount++;
  }

  /** Run the tasks added so far, each once, on whichever threads are free; then clear them. */
  runTasks(): void {
    const count = this.taskCount;
    this.taskCount = 0;
    if (count === 0) return;
    const work = this.tables.map((table) => ({ table, count, claim: this.pool.sharedClaim }));
    this.execute(work);
  }

  private execute(work: readonly (ThreadWork | null)[]): void {
    if (work.every((w) => w === null)) return;
    try {
      this.pool.run(work, (ptr) => this.exports.run(ptr));
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

/**
 * Make a new engine from `options` the process-wide one, once its threads run, and stop the old
 * one's. Node needs no call (its engine starts on first use with every thread); a browser page
 * awaits it to run on Web Workers, e.g. `await startWasmEngine({ threads: wasmMaxThreads() })`.
 * Tensors keep their data across the swap: those in the old engine's heap are still valid arrays (they
 * keep that memory alive), which the new engine copies in as it would any array.
 * @returns the number of threads the engine runs on
 */
export async function startWasmEngine(options: EngineOptions = {}): Promise<{ readonly threads: number }> {
  const engine = new Engine(options);
  await engine.ready;
  const old = shared;
  shared = engine;
  await old?.pool.close();
  return { threads: engine.threads };
}
