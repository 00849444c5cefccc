import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Heap } from './heap.ts';

describe('Heap', () => {
  it('never hands out overlapping blocks, and reuses what is freed', () => {
    const ops = fc.array(fc.oneof(
      fc.record({ alloc: fc.integer({ min: 0, max: 300_000 }) }),
      fc.record({ free: fc.nat() }),
    ), { maxLength: 60 });
    fc.assert(fc.property(ops, (program) => {
      const heap = new Heap(1024, 1024);
      const live: { ptr: number; bytes: number }[] = [];
      for (const op of program) {
        if ('alloc' in op) {
          const ptr = heap.alloc(op.alloc);
          assert.equal(ptr % 64, 0);
          assert.ok(ptr >= 1024 && ptr + op.alloc <= heap.memory.buffer.byteLength);
          for (const b of live) assert.ok(ptr + op.alloc <= b.ptr || b.ptr + b.bytes <= ptr || op.alloc === 0 || b.bytes === 0, 'overlap');
          live.push({ ptr, bytes: op.alloc });
        } else if (live.length > 0) {
          const [b] = live.splice(op.free % live.length, 1);
          heap.release(b!.ptr);
        }
      }
      for (const b of live.splice(0)) heap.release(b.ptr);
      assert.equal(heap.liveBytes, 0);
      // Everything coalesced: one block as large as all that was ever used fits without growing.
      const size = heap.memory.buffer.byteLength;
      heap.alloc(size - 1024 - 64);
      assert.equal(heap.memory.buffer.byteLength, size);
    }), { seed: 3, numRuns: 40 });
  });
  it('rejects a double release', () => {
    const heap = new Heap(64, 64);
    const p = heap.alloc(10);
    heap.release(p);
    assert.throws(() => heap.release(p), /not a live block/);
  });
});
