/**
 * Print the table of pinned samples of packages/cli/src/shipped-models.test.ts from the model files in
 * models/: for each shipped model, its file's digest and training step, and the first values of its
 * probe sample (testing/shipped-models.ts) on each backend, with the largest js–wasm difference.
 * After new weights land, run it and paste its output over the table between the PINNED SAMPLES marks:
 *
 *   npx tsx scripts/pin-shipped-samples.ts
 */
import { shippedModelNames } from '../packages/cli/src/run/shipped-models.ts';
import { float32Text, probe, probeBackends, type Probe, type ProbeBackend } from '../packages/cli/src/testing/shipped-models.ts';

const lines = ['const pins = {'];
for (const name of shippedModelNames) {
  const drawn: (Probe & { backend: ProbeBackend })[] = [];
  for (const backend of probeBackends) drawn.push({ backend, ...(await probe(name, backend)) });
  const { sha256, step } = drawn[0]!;
  const gap = Math.max(...drawn[0]!.values.map((v, i) => Math.max(...drawn.map((d) => Math.abs(d.values[i]! - v)))));
  lines.push(`  '${name}': { // step ${step}; largest ${probeBackends.join('–')} difference ${gap.toExponential(1)}`);
  lines.push(`    sha256: '${sha256}', step: ${step},`);
  for (const d of drawn) lines.push(`    ${d.backend}: [${d.values.map(float32Text).join(', ')}],`);
  lines.push('  },');
}
lines.push('} satisfies Record<ShippedModelName, Pin>;');
process.stdout.write(`${lines.join('\n')}\n`);
