import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import { bounce, movingShapesClips, positionAt, randomMovingShape, renderClip, type MovingShape } from './clips.ts';
import { shapeKinds, unitShapeArea } from './shapes.ts';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('bounce', () => {
  it('stays in [lo, hi], moves at speed |v| between walls, reflects at them', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, min: 0, max: 1 }),
        fc.double({ noNaN: true, min: -3, max: 3 }),
        fc.integer({ min: 0, max: 40 }),
        (u, v, t) => {
          const lo = 2, hi = 11, p0 = lo + (hi - lo) * u;
          const p = bounce(p0, v, t, lo, hi), q = bounce(p0, v, t + 0.01, lo, hi);
          assert.ok(p >= lo - 1e-9 && p <= hi + 1e-9);
          assert.ok(Math.abs(Math.abs(q - p) - 0.01 * Math.abs(v)) < 1e-6 || p - lo < 0.04 || hi - p < 0.04);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
    assert.equal(bounce(5, 1, 3, 0, 6), 4); // 5 → 6 (wall) → 4
    assert.equal(bounce(1, -1, 3, 0, 6), 2); // 1 → 0 (wall) → 2
    assert.equal(bounce(3, 1, 12, 0, 6), 3); // a full period 2·6 later
  });
});

describe('movingShapesClips', () => {
  it('has layout [n, 3, F, H, W] in [-1, 1] and is deterministic from the seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 8, max: 16 }), fc.nat(), (n, frames, seed) => {
        const a = movingShapesClips(n, new Generator(seed), { frames, size: 16 });
        assert.deepEqual(a.shape, [n, 3, frames, 16, 16]);
        assert.equal(a.data.length, n * 3 * frames * 256);
        assert.ok(a.data.every((x) => x >= -1 && x <= 1));
        assert.deepEqual(bytes(a.data), bytes(movingShapesClips(n, new Generator(seed), { frames, size: 16 }).data));
        assert.notDeepEqual(bytes(a.data), bytes(movingShapesClips(n, new Generator(seed + 1), { frames, size: 16 }).data));
      }),
      { seed: 42, numRuns: 8 },
    );
    assert.throws(() => movingShapesClips(1, new Generator(0), { frames: 4, size: 16 }), /frames/);
  });

  it('shapes move: consecutive frames differ and the foreground centroid travels', () => {
    const frames = 8, size = 16, pixels = size * size, n = 20;
    const { data } = movingShapesClips(n, new Generator(8), { frames, size, maxShapes: 1 });
    for (let i = 0; i < n; i++) {
      const clip = i * 3 * frames * pixels;
      // summed RGB of pixel p at frame t, minus the frame's darkest pixel (the background)
      const intensity = (t: number, p: number): number =>
        data[clip + t * pixels + p]! + data[clip + (frames + t) * pixels + p]! + data[clip + (2 * frames + t) * pixels + p]!;
      const centroid = (t: number): [number, number] => {
        let bg = Infinity;
        for (let p = 0; p < pixels; p++) bg = Math.min(bg, intensity(t, p));
        let m = 0, mx = 0, my = 0;
        for (let p = 0; p < pixels; p++) {
          const w = intensity(t, p) - bg;
          m += w;
          mx += w * (p % size);
          my += w * Math.floor(p / size);
        }
        return [mx / m, my / m];
      };
      for (let t = 0; t + 1 < frames; t++) {
        const a = data.subarray(clip + t * pixels, clip + (t + 1) * pixels);
        const b = data.subarray(clip + (t + 1) * pixels, clip + (t + 2) * pixels);
        assert.notDeepEqual(bytes(a), bytes(b), `clip ${i}: frames ${t} and ${t + 1} are equal`);
      }
      const [x0, y0] = centroid(0), [x1, y1] = centroid(1);
      assert.ok(Math.hypot(x1 - x0, y1 - y0) > 0.2, `clip ${i}: centroid did not move`);
    }
  });

  it('a shape with integer velocity is shifted by exactly that many pixels per frame', () => {
    const size = 16, frames = 3, pixels = size * size;
    const shape: MovingShape = { kind: 'cross', color: [1, 0.5, 0.25], r: 3, x0: 5.5, y0: 6.25, vx: 2, vy: -1 };
    const out = new Float32Array(3 * frames * pixels);
    renderClip(out, 0, [shape], [0, 0, 0], frames, size);
    for (let c = 0; c < 3; c++) {
      for (let t = 0; t + 1 < frames; t++) {
        const a = out.subarray((c * frames + t) * pixels), b = out.subarray((c * frames + t + 1) * pixels);
        for (let y = 1; y < size; y++) {
          for (let x = 0; x + 2 < size; x++) assert.equal(b[(y - 1) * size + x + 2], a[y * size + x], `c${c} t${t} (${x}, ${y})`);
        }
      }
    }
  });

  it('shapes never leave the frame: the full area is drawn at every frame', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom<16 | 32>(16, 32), (seed, size) => {
        const gen = new Generator(seed);
        const shape = randomMovingShape(gen, size);
        assert.ok(shapeKinds.includes(shape.kind));
        const frames = 16, pixels = size * size, out = new Float32Array(3 * frames * pixels);
        renderClip(out, 0, [{ ...shape, color: [1, 1, 1] }], [0, 0, 0], frames, size);
        const area = unitShapeArea[shape.kind] * shape.r ** 2;
        for (let t = 0; t < frames; t++) {
          const { x, y } = positionAt(shape, t, size);
          assert.ok(x - shape.r >= -1e-9 && x + shape.r <= size + 1e-9 && y - shape.r >= -1e-9 && y + shape.r <= size + 1e-9);
          let mass = 0;
          for (let p = 0; p < pixels; p++) mass += out[t * pixels + p]!;
          // equal up to the supersampling error bound of shapes.test.ts; a shape cut by a wall loses more
          assert.ok(Math.abs(mass - area) <= shape.r, `frame ${t}: drawn area ${mass}, shape area ${area}`);
        }
      }),
      { seed: 42, numRuns: 20 },
    );
  });
});
