// The shipped diffusion models (models/*/model.safetensors, run/shipped-models.ts): each file is there,
// loads as the run it ships as, and draws its seeded probe sample (shipped-models.test-support.ts)
// exactly as pinned below, on js and on wasm.
//
// Each backend is pinned exactly: a backend's arithmetic is deterministic (the same kernels in the same
// order for every thread count: the wasm engine splits rows across threads, never a sum), so any change
// in a pinned value is a change in what the model draws. The two backends may differ in the last bits
// (float32 rounding of sums taken in another order, which the sampler's steps carry forward), so they are
// not pinned to each other; they are held within BACKEND_GAP, far above those rounding differences (the
// table's comments give the largest seen; ~1e-6) and far below the distance between two different
// samples (tenths), so both pins are the same sample.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadSession } from './run/session.ts';
import { shippedMismatch, shippedModelFile, shippedModelNames, shippedModels, type ShippedModelName } from './run/shipped-models.ts';
import { fileDigest, PROBE_VALUES, probe, probeBackends, probes, type ProbeBackend } from './testing/shipped-models.ts';

type Pin = { sha256: string; step: number } & Record<ProbeBackend, number[]>;

const BACKEND_GAP = 1e-4;

const REFRESH = 'npx tsx scripts/pin-shipped-samples.ts, and paste its table between the PINNED SAMPLES marks of packages/cli/src/shipped-models.test.ts';

// ───── PINNED SAMPLES: printed by `npx tsx scripts/pin-shipped-samples.ts`; replace the whole table when the weights change ─────
const pins = {
  'mnist-cfg': { // step 5500; largest js–wasm difference 3.6e-7
    sha256: 'd7774e689734921d', step: 5500,
    js: [-1.0517014, -1.0661381, -0.99849457, -1.0436547, -0.89759356, -1.0614172, -1.0166135, -1.0603796],
    wasm: [-1.0517011, -1.0661379, -0.9984944, -1.0436547, -0.89759386, -1.0614176, -1.0166135, -1.0603799],
  },
  'mnist-uncond': { // step 3000; largest js–wasm difference 1.2e-7
    sha256: 'd4d4ca542de1890a', step: 3000,
    js: [-0.96461296, -0.995662, -0.870372, -0.9971068, -1, -0.9140151, -0.9692914, -0.95896643],
    wasm: [-0.96461296, -0.995662, -0.8703721, -0.99710685, -1, -0.9140151, -0.9692914, -0.95896643],
  },
  'moving-mnist': { // step 10000; largest js–wasm difference 2.4e-7
    sha256: '22228cac72d7787b', step: 10000,
    js: [-0.72859126, -0.963908, -0.97739446, -0.9715393, -0.9749876, -0.9234138, -0.9753378, -0.91982937],
    wasm: [-0.7285913, -0.9639081, -0.9773943, -0.9715391, -0.97498757, -0.9234138, -0.9753378, -0.9198293],
  },
} satisfies Record<ShippedModelName, Pin>;
// ───── END PINNED SAMPLES ─────

for (const name of shippedModelNames) {
  const file = shippedModelFile(name);
  const pin: Pin = pins[name];
  describe(`models/${name}`, () => {
    it(`is there and loads as the ${shippedModels[name].summary}`, async () => {
      assert.ok(existsSync(file), `${file} is missing: the ${shippedModels[name].summary} ships in the repository (write it with diffusion-ts export --ckpt <run> --out ${file})`);
      const session = await loadSession(file);
      assert.equal(shippedMismatch(name, session.config), undefined, `${file} holds another kind of run`);
      assert.equal(session.warning, undefined);
    });

    it('the pins were taken from this file', () => {
      assert.ok(existsSync(file), `${file} is missing`);
      const sha256 = fileDigest(file);
      assert.equal(sha256, pin.sha256, `${file} is not the file the pins were taken from (sha256 ${sha256}…, pinned ${pin.sha256}…): new weights? Refresh the pins: ${REFRESH}`);
      for (const backend of probeBackends) assert.equal(pin[backend].length, PROBE_VALUES);
    });

    const drawn: Partial<Record<ProbeBackend, number[]>> = {};
    for (const backend of probeBackends) {
      const { sampler, steps, seed } = probes[name];
      it(`draws its pinned sample on ${backend} (${sampler}, ${steps} steps, seed ${seed}; first ${PROBE_VALUES} values)`, async () => {
        assert.ok(existsSync(file), `${file} is missing`);
        const { values, step } = await probe(name, backend);
        drawn[backend] = values;
        const why = fileDigest(file) === pin.sha256
          ? 'the weights are the pinned ones, so what changed is how they are sampled (samplers, the model code, or a backend\'s arithmetic)'
          : `the weights are not the pinned ones (step ${step}, pinned step ${pin.step}): refresh the pins: ${REFRESH}`;
        assert.deepEqual(values, pin[backend].map(Math.fround), `${backend} drew [${values.join(', ')}], not the pinned values: ${why}`);
      });
    }

    it(`js and wasm draw the same sample, within ${BACKEND_GAP} (float32 rounding)`, () => {
      for (const backend of probeBackends) assert.ok(drawn[backend], `no ${backend} sample (its test failed)`);
      const gap = Math.max(...drawn.js!.map((v, i) => Math.abs(v - drawn.wasm![i]!)));
      assert.ok(gap <= BACKEND_GAP, `js and wasm differ by ${gap}`);
    });
  });
}
