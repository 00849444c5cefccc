// The EMA weights that sample, eval and export load: the run's average without its initial share.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.ts';
import { loadSession } from './session.ts';

const weightsOf = async (path: string, useEma: boolean): Promise<Float32Array> => {
  const s = await loadSession(path, { useEma });
  return Float32Array.from(s.module.parameters().flatMap((p) => [...p.dataSync()]));
};

describe('loadSession: EMA weights without the initial share', () => {
  it('after one step the EMA (β = 0.999) is the trained weights themselves, not 99.9% of the random initial ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ema-weights-'));
    try {
      const r = await runCli('train', '--data', 'swiss-roll', '--model', 'mlp', '--steps', '1', '--ema', '0.999', '--lr', '0.1', '--preview', '0', '--out', join(dir, 'run'));
      assert.equal(r.code, 0, r.err);
      const ckpt = join(dir, 'run', 'checkpoint.safetensors');
      const [ema, raw] = [await weightsOf(ckpt, true), await weightsOf(ckpt, false)];
      let worst = 0;
      for (let i = 0; i < raw.length; i++) worst = Math.max(worst, Math.abs(ema[i]! - raw[i]!));
      // Adam's first step moves every weight by about lr = 0.1, so the plain average (99.9% θ₀) would be
      // ~0.1 off; (θ̄ − 0.999 θ₀)/0.001 in float32 is off by about 1000 ulps of θ̄ (1e-4 for weights near 1).
      assert.ok(worst < 1e-3, `largest difference ${worst}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
