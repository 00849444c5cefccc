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
import { fileDigest, PROBE_VALUES, probe, probeBackends, probes, type ProbeBackend } from './shipped-models.test-support.ts';

type Pin = { sha256: string; step: number } & Record<ProbeBackend, number[]>;

const BACKEND_GAP = 1e-4;

const REFRESH = 'npx tsx scripts/pin-shipped-samples.ts, and paste its table between the PINNED SAMPLES marks of packages/cli/src/shipped-models.test.ts';

// ───── PINNED SAMPLES: printed by `npx tsx scripts/pin-shipped-samples.ts`; replace the whole table when the weights change ─────
const pins = {
  'mnist-cfg': { // step 2500; largest js–wasm difference 7.2e-7
    sha256: 'db625cc0ecd7e345', step: 2500,
    js: [-1.0393853, -1.1037337, -0.97310567, -1.1324289, -0.6687615, -1.0832528, -0.9263112, -1.094397],
    wasm: [-1.0393847, -1.1037337, -0.97310513, -1.1324286, -0.6687608, -1.0832521, -0.926311, -1.0943972],
  },
  'mnist-uncond': { // step 3000; largest js–wasm difference 1.2e-7
    sha256: '48e5bd466730dac0', step: 3000,
    js: [-0.9628605, -1, -0.7966729, -0.99811494, -1, -0.85539526, -0.96110475, -0.91219944],
    wasm: [-0.9628605, -1, -0.796673, -0.99811494, -1, -0.85539514, -0.96110475, -0.9121995],
  },
  'moving-mnist': { // step 750; largest js–wasm difference 3.0e-8
    sha256: 'b90ba74b86279bb7', step: 750,
    js: [-0.15199843, -0.28162172, -0.30188817, -0.29754582, -0.27330852, -0.24126165, -0.27687916, -0.25318354],
    wasm: [-0.15199845, -0.28162172, -0.3018882, -0.29754582, -0.27330855, -0.24126168, -0.27687916, -0.25318354],
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
