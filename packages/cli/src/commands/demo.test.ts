// The demo's promise, checked: it writes its three pictures and its samples are recognisably the
// data — the sliced Wasserstein distance from samples to held-out data is at most twice the distance
// between two held-out sets of the same size. (The full demo trains 3000 steps; this check trains
// 1000, so it guards the promise with margin to spare rather than exactly.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from './demo.ts';

describe('diffusion-ts demo', () => {
  it('learns the Swiss roll: samples within twice the held-out distance', async () => {
    const out = mkdtempSync(join(tmpdir(), 'diffusion-ts-demo-'));
    try {
      const lines: string[] = [];
      const sink = { write: (s: string) => lines.push(s) };
      const { samplesToHeldOut, heldOutHalves } = await runDemo({ out, steps: 1000, n: 1000 }, { out: sink, err: sink });
      for (const f of ['samples.png', 'trajectory.gif', 'loss.png']) assert.ok(existsSync(join(out, f)), f);
      assert.ok(samplesToHeldOut <= 2 * heldOutHalves, `samples are ${samplesToHeldOut} from held-out data, two held-out sets ${heldOutHalves}`);
      assert.match(lines.join(''), /samples to held-out data: \d\.\d{4}/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('writes into an --out folder that does not exist yet (npm start on a fresh checkout)', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'diffusion-ts-demo-'));
    try {
      const out = join(parent, 'out');
      const sink = { write: () => true };
      await runDemo({ out, steps: 1, n: 2 }, { out: sink, err: sink });
      for (const f of ['samples.png', 'trajectory.gif', 'loss.png']) assert.ok(existsSync(join(out, f)), f);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
