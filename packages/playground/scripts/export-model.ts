/**
 * Turn a run folder of `diffusion-ts train` into a model the playground ships: its EMA weights as a
 * weights-only diffusion-ts checkpoint (loadable by `diffusion-ts sample` too), plus a card (JSON)
 * with the command that trained it and a few held-out data examples for the forward-process view.
 *
 *   npx tsx packages/playground/scripts/export-model.ts <run dir> <name> '<train command>' '<title>'
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCheckpoint } from '@diffusion-ts/nn';
import { heldOut } from '../../cli/src/data/registry.ts';
import { shapeKinds } from '../../cli/src/data/shapes.ts';
import { loadSession } from '../../cli/src/run/session.ts';
import type { ModelCard } from '../src/model-card.ts';

const [runDir, name, command, title] = process.argv.slice(2);
if (!runDir || !name || !command || !title) throw new Error('usage: export-model.ts <run dir> <name> <command> <title>');
const session = await loadSession(join(runDir, 'checkpoint.safetensors'));
const losses = readFileSync(join(runDir, 'loss.csv'), 'utf8').trim().split('\n').slice(1);
const examples = heldOut(session.config.data, session.kind === '2d' ? 400 : 8, 5);
const out = join(import.meta.dirname, '..', 'public', 'models');
writeFileSync(join(out, `${name}.safetensors`), await encodeCheckpoint({ model: session.module, step: session.step, config: session.config }));
const card: ModelCard = {
  name, title, command, steps: session.step, finalLoss: Number(losses.at(-1)?.split(',').at(-1)),
  config: session.config,
  classes: session.config.cond ? [...shapeKinds] : [],
  examples: { shape: examples.shape, data: Array.from(examples.data, (v) => Math.round(v * 1e4) / 1e4), labels: examples.labels ? [...examples.labels] : [] },
};
writeFileSync(join(out, `${name}.json`), `${JSON.stringify(card)}\n`);
console.log(`wrote ${name}.safetensors and ${name}.json (step ${session.step})`);
