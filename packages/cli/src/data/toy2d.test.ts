import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import { checkerboard, ring, swissRoll, swissRollStats, twoMoons } from './toy2d.ts';
import type { Dataset } from './types.ts';

/** Per-coordinate mean and variance of an [n, 2] set. */
function moments(d: Dataset): { mean: [number, number]; variance: [number, number] } {
  const n = d.shape[0]!;
  let mx = 0, my = 0, vx = 0, vy = 0;
  for (let i = 0; i < n; i++) {
    mx += d.data[2 * i]! / n;
    my += d.data[2 * i + 1]! / n;
  }
  for (let i = 0; i < n; i++) {
    vx += (d.data[2 * i]! - mx) ** 2 / n;
    vy += (d.data[2 * i + 1]! - my) ** 2 / n;
  }
  return { mean: [mx, my], variance: [vx, vy] };
}

const makers = { swissRoll, twoMoons, checkerboard, ring };

describe('toy2d', () => {
  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: shape [n, 2], finite, deterministic from the seed`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 50 }), fc.nat(), (n, seed) => {
          const a = make(n, new Generator(seed)), b = make(n, new Generator(seed));
          assert.deepEqual(a.shape, [n, 2]);
          assert.equal(a.data.length, 2 * n);
          assert.ok(a.data.every(Number.isFinite));
          assert.deepEqual(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer));
          const c = make(n, new Generator(seed + 1));
          if (n > 0) assert.notDeepEqual(Buffer.from(a.data.buffer), Buffer.from(c.data.buffer));
        }),
        { seed: 42, numRuns: 20 },
      );
    });

    it(`${name}: centred with roughly unit variance per coordinate`, () => {
      const { mean, variance } = moments(make(20000, new Generator(7)));
      for (const c of [0, 1]) assert.ok(Math.abs(mean[c]!) < 0.05, `mean ${mean}`);
      assert.ok((variance[0] + variance[1]) / 2 > 0.9 && (variance[0] + variance[1]) / 2 < 1.1, `variance ${variance}`);
      for (const c of [0, 1]) assert.ok(variance[c]! > 0.4 && variance[c]! < 1.6, `variance ${variance}`);
    });
  }

  it('swissRoll: closed-form moments match the scaled, noiseless roll', () => {
    const { mean, variance } = moments(swissRoll(50000, new Generator(3), { noise: 0 }));
    assert.ok(Math.abs(mean[0]) < 0.02 && Math.abs(mean[1]) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs((variance[0] + variance[1]) / 2 - 1) < 0.03, `variance ${variance}`);
  });

  it('swissRoll: a spiral whose radius equals its angle (mod 2π) and grows with it', () => {
    const { data } = swissRoll(2000, new Generator(11), { noise: 0 });
    const { mean, scale } = swissRollStats;
    const points: { r: number; phi: number }[] = [];
    for (let i = 0; i < 2000; i++) {
      const x = data[2 * i]! * scale + mean[0], z = data[2 * i + 1]! * scale + mean[1];
      const r = Math.hypot(x, z);
      assert.ok(r >= 1.5 * Math.PI - 1e-3 && r <= 4.5 * Math.PI + 1e-3, `radius ${r}`);
      // angle ≡ radius (mod 2π): the roll is (t cos t, t sin t)
      const diff = (((Math.atan2(z, x) - r) % (2 * Math.PI)) + 3 * Math.PI) % (2 * Math.PI) - Math.PI;
      assert.ok(Math.abs(diff) < 1e-4, `angle off by ${diff} at r = ${r}`);
      points.push({ r, phi: Math.atan2(z, x) });
    }
    // Unwrapping the angle from the innermost point gives a monotone radius(angle) relation.
    points.sort((p, q) => p.r - q.r);
    let unwrapped = points[0]!.phi, previous = points[0]!.phi;
    for (const p of points.slice(1)) {
      let d = p.phi - previous;
      if (d < -Math.PI) d += 2 * Math.PI;
      if (d > Math.PI) d -= 2 * Math.PI;
      assert.ok(d >= -1e-4, 'angle decreases while radius grows');
      unwrapped += d;
      previous = p.phi;
    }
    assert.ok(unwrapped - points[0]!.phi > 2 * Math.PI * 1.4, 'the roll winds about 1.5 turns');
  });

  it('swissRoll: noise is in sklearn units (before scaling)', () => {
    const spread = moments(swissRoll(20000, new Generator(5), { noise: 3 }));
    const base = moments(swissRoll(20000, new Generator(5), { noise: 0 }));
    const added = (spread.variance[0] + spread.variance[1] - base.variance[0] - base.variance[1]) / 2;
    const expected = 9 / swissRollStats.scale ** 2;
    assert.ok(Math.abs(added - expected) < 0.05, `added variance ${added}, expected ${expected}`);
  });

  it('twoMoons: labels alternate between the two moons, which are separated', () => {
    const d = twoMoons(1000, new Generator(1), { noise: 0 });
    assert.equal(d.numClasses, 2);
    assert.ok(d.labels);
    for (let i = 0; i < 1000; i++) {
      assert.equal(d.labels[i], i % 2);
      // undo the scaling: the upper moon lies on the unit circle, the lower one on a circle around (1, 0.5)
      const x = d.data[2 * i]! * Math.SQRT1_2 + 0.5, y = d.data[2 * i + 1]! * Math.SQRT1_2 + 0.25;
      const r = i % 2 === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      assert.ok(Math.abs(r - 1) < 1e-5, `point ${i} off its moon`);
      assert.ok(i % 2 === 0 ? y >= -1e-6 : y <= 0.5 + 1e-6);
    }
  });

  it('checkerboard: every point on a dark square, each square hit about equally', () => {
    const cells = 4, n = 16000;
    const d = checkerboard(n, new Generator(2), { cells });
    const counts = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const u = d.data[2 * k]! / (2 * Math.sqrt(3)) + 0.5, v = d.data[2 * k + 1]! / (2 * Math.sqrt(3)) + 0.5;
      assert.ok(u >= 0 && u <= 1 && v >= 0 && v <= 1);
      const i = Math.min(cells - 1, Math.floor(u * cells)), j = Math.min(cells - 1, Math.floor(v * cells));
      assert.equal((i + j) % 2, 0, `point (${u}, ${v}) on a light square`);
      counts.set(`${i},${j}`, (counts.get(`${i},${j}`) ?? 0) + 1);
    }
    assert.equal(counts.size, (cells * cells) / 2);
    for (const c of counts.values()) assert.ok(Math.abs(c - n / 8) < 0.1 * (n / 8), `count ${c}`);
    assert.throws(() => checkerboard(1, new Generator(0), { cells: 3 }), /even/);
  });

  it('ring: radius concentrates at the requested value', () => {
    const d = ring(2000, new Generator(4), { radius: 2, noise: 0.01 });
    for (let i = 0; i < 2000; i++) {
      assert.ok(Math.abs(Math.hypot(d.data[2 * i]!, d.data[2 * i + 1]!) - 2) < 0.06);
    }
  });
});
