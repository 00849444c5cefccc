/**
 * The engine's memory: one shared `WebAssembly.Memory` that the main thread and every worker's
 * instance import, with a small first-fit allocator over it. Blocks are 64-byte aligned (a cache
 * line, and more than any f32x4 access needs). Freed blocks coalesce with their neighbours; when
 * nothing fits, the top grows, and the memory with it. Typed-array views are re-created after
 * every `memory.grow`, which detaches nothing for a shared buffer but leaves old views short.
 */

const PAGE = 65536;
const ALIGN = 64;

interface Block {
  ptr: number;
  size: number;
}

export class Heap {
  readonly memory: WebAssembly.Memory;
  f32!: Float32Array;
  f64!: Float64Array;
  i32!: Int32Array;
  u8!: Uint8Array;
  /** Free blocks, sorted by address, never adjacent (they coalesce). */
  private readonly free: Block[] = [];
  /** Sizes of live blocks by address. */
  private readonly live = new Map<number, number>();
  /** Everything at or above `top` is unused. */
  private top: number;

  /**
   * @param reserved bytes at the bottom kept out of the allocator (control words, command lists)
   * @param maximumPages the most the memory may grow to (a shared memory needs a maximum)
   */
  constructor(reserved: number, private readonly maximumPages = 65536) {
    const initial = Math.ceil((reserved + 16 * PAGE) / PAGE);
    this.memory = new WebAssembly.Memory({ initial, maximum: maximumPages, shared: true });
    this.top = roundUp(reserved, ALIGN);
    this.refreshViews();
  }

  /** Bytes in use by live blocks. */
  get liveBytes(): number {
    let total = 0;
    for (const size of this.live.values()) total += size;
    return total;
  }

  /** The size in bytes of the live block at `ptr` (its request rounded up to the alignment). */
  blockBytes(ptr: number): number {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`wasm heap: ${ptr} is not a live block`);
    return size;
  }

  /** Byte address of a new block of at least `bytes` bytes (contents unspecified). */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    // First fit in the free list; split off the remainder.
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.size < size) continue;
      const ptr = block.ptr;
      if (block.size === size) this.free.splice(i, 1);
      else {
        block.ptr += size;
        block.size -= size;
      }
      this.live.set(ptr, size);
      return ptr;
    }
    // Otherwise from the top, reusing a free block that ends there.
    const last = this.free[this.free.length - 1];
    let ptr = this.top;
    if (last && last.ptr + last.size === this.top) {
      ptr = last.ptr;
      this.free.pop();
    }
    this.ensure(ptr + size);
    this.top = ptr + size;
    this.live.set(ptr, size);
    return ptr;
  }

  /** Return a block from `alloc`. */
  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`wasm heap: ${ptr} is not a live block`);
    this.live.delete(ptr);
    // Insert in address order (binary search), then merge with the neighbours it touches.
    let lo = 0, hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid]!.ptr < ptr) lo = mid + 1;
      else hi = mid;
    }
    const block: Block = { ptr, size };
    const next = this.free[lo];
    if (next && block.ptr + block.size === next.ptr) {
      block.size += next.size;
      this.free.splice(lo, 1);
    }
    const prev = this.free[lo - 1];
    if (prev && prev.ptr + prev.size === block.ptr) prev.size += block.size;
    else this.free.splice(lo, 0, block);
  }

  /** Grow the memory until `end` bytes are addressable. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow at least by half again, to keep the number of grows (and view rebuilds) logarithmic.
    const pages = Math.max(Math.ceil((end - have) / PAGE), Math.ceil(have / PAGE / 2));
    const target = Math.min(have / PAGE + pages, this.maximumPages);
    if (target * PAGE < end) throw new RangeError(`wasm heap: cannot address ${end} bytes (limit ${this.maximumPages} pages)`);
    this.memory.grow(target - have / PAGE);
    this.refreshViews();
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
  }
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}
