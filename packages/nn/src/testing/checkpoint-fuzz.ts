/**
 * The checkpoint fuzzer, shared by checkpoint/checkpoint-fuzz.test.ts (a few hundred cases in every test run)
 * and `npm run fuzz` (scripts/fuzz-checkpoints.ts, ten thousand). It mutates a valid training
 * checkpoint (model, EMA, Adam state, generator) the ways files break and attackers write them, and
 * checks the one promise of `restoreCheckpoint`: a file is either loaded completely, or rejected
 * with a short, one-line `CheckpointError` naming the file, and then nothing was changed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { Generator, noGrad, randn, tensor } from '@diffusion-ts/tensor';
import { EMA } from '../ema.ts';
import { MLP } from '../mlp.ts';
import { Adam } from '../optim/adam.ts';
import { CheckpointError, encodeCheckpoint } from '../checkpoint/module-checkpoint.ts';
import { loadCheckpoint, restoreCheckpoint } from '../checkpoint/checkpoint-file.ts';

/** What a checkpoint is loaded into; rebuilt whenever a case is accepted. */
export interface Targets {
  model: MLP;
  ema: EMA;
  optimizer: Adam;
  generator: Generator;
}

export function makeTargets(hiddenDim = 8): Targets {
  const model = new MLP({ dataDim: 2, hiddenDim, numLayers: 2, timeEmbedDim: 4, generator: new Generator(1) });
  return { model, ema: new EMA(model, { decay: 0.9 }), optimizer: new Adam(model.parameters(), { lr: 0.01 }), generator: new Generator(5) };
}

/** A training checkpoint after `steps` Adam steps of a network `hiddenDim` wide. */
async function trainedCheckpoint(hiddenDim: number, steps: number): Promise<Uint8Array> {
  const t = makeTargets(hiddenDim);
  for (let s = 0; s < steps; s++) {
    t.optimizer.zeroGrad();
    t.model.forward(randn([4, 2], { generator: t.generator }), tensor([0.1, 0.5, 1, 2])).square().mean().backward();
    t.optimizer.step();
    noGrad(() => t.ema.update(t.model));
  }
  return encodeCheckpoint({ model: t.model, ema: t.ema, optimizer: t.optimizer, step: steps, config: { hiddenDim }, generatorState: t.generator.getState() });
}

/** The base file, and files of other architectures (wider, deeper, model only). */
export async function fuzzFiles(): Promise<{ base: Uint8Array; others: Uint8Array[] }> {
  const deeper = new MLP({ dataDim: 2, hiddenDim: 8, numLayers: 3, timeEmbedDim: 4, generator: new Generator(2) });
  return {
    base: await trainedCheckpoint(8, 2),
    others: [await trainedCheckpoint(16, 1), await trainedCheckpoint(8, 0), await encodeCheckpoint({ model: deeper, step: 0, config: null })],
  };
}

/** Everything loading can change, as plain values (NaN compares equal to NaN in deepStrictEqual). */
export function snapshot({ model, ema, optimizer, generator }: Targets): unknown {
  const values = (dict: Record<string, { dataSync(): ArrayLike<number> }>) => Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, Array.from(t.dataSync())]));
  const o = optimizer.stateDict();
  return {
    model: values(model.stateDict()),
    ema: { shadow: values(ema.stateDict().shadow), numUpdates: ema.numUpdates },
    optimizer: { groups: o.paramGroups, state: Object.entries(o.state).map(([i, s]) => [i, s.step, values(s.tensors)]) },
    generator: generator.getState(),
  };
}

// ---- mutations ---------------------------------------------------------------------------------

interface Parsed {
  header: Record<string, unknown>;
  data: Uint8Array;
}

function parse(file: Uint8Array): Parsed {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, unknown>, data: file.subarray(8 + n) };
}

function assemble(headerText: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A JSON value nested `depth` deep, as text (built iteratively: JSON.stringify would overflow). */
const deepText = (depth: number, object: boolean): string => (object ? `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`);

const PLACEHOLDER = '\u0000fuzz\u0000';

/** A replacement value: any JSON, hostile numbers, deep nesting, or prototype-ish strings. */
const valueArb: fc.Arbitrary<{ text: string }> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => ({ text: JSON.stringify(v) ?? 'null' })),
  fc.constantFrom(2 ** 53, -1, 0.5, 1e308, -0, 2 ** 64, '__proto__', 'constructor', 'F32', 'I32', 'F64').map((v) => ({ text: JSON.stringify(v) })),
  fc.constantFrom<unknown>([2 ** 53, 2 ** 53], [2 ** 31, 2 ** 31, 2 ** 31], [-1], [0.5], Array(70).fill(1), [2 ** 32], [0, 0], [1e308]).map((v) => ({ text: JSON.stringify(v) })),
  fc.tuple(fc.constantFrom(10, 1000, 20_000), fc.boolean()).map(([d, o]) => ({ text: deepText(d, o) })),
);

/** Replace the value at `path` in `root` (a JSON tree) by `text`, and serialize. */
function replaceAt(root: Record<string, unknown>, path: readonly string[], text: string): string {
  const copy = structuredClone(root);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]!] = PLACEHOLDER;
  return JSON.stringify(copy).replace(JSON.stringify(PLACEHOLDER), () => text);
}

/** A mutation of a JSON string held in `__metadata__` (config or training): a value inside it replaced. */
function metadataMutation(base: Parsed, key: 'config' | 'training'): fc.Arbitrary<Uint8Array> {
  const inner = JSON.parse((base.header['__metadata__'] as Record<string, string>)[key]!) as Record<string, unknown>;
  const paths: string[][] = [];
  const walk = (node: unknown, path: string[]) => {
    if (path.length > 0) paths.push(path);
    if (node !== null && typeof node === 'object' && path.length < 4) for (const k of Object.keys(node)) walk((node as Record<string, unknown>)[k], [...path, k]);
  };
  walk(inner, []);
  const innerArb = fc.oneof(
    fc.tuple(fc.constantFrom(...paths), valueArb).map(([path, v]) => replaceAt(inner, path, v.text)),
    fc.constantFrom(...paths).filter((p) => p.length === 1).map((p) => { const text = JSON.stringify(inner); return text.replace('{', `{${JSON.stringify(p[0])}:0,`); }), // a repeated key
    fc.constantFrom('__proto__', 'constructor', 'toString').map((k) => JSON.stringify(inner).replace('"steps":{', `"steps":{"${k}":1,`)),
  );
  return innerArb.map((text) => assemble(replaceAt(base.header, ['__metadata__', key], JSON.stringify(text)), base.data));
}

export interface Mutant {
  kind: string;
  bytes: Uint8Array;
}

/** Every kind of damage, each tagged with its kind for the fuzzer's figures. */
export function mutantArb(base: Uint8Array, others: readonly Uint8Array[]): fc.Arbitrary<Mutant> {
  const parsed = parse(base);
  const headerEnd = base.length - parsed.data.length;
  const names = Object.keys(parsed.header).filter((k) => k !== '__metadata__');
  const flips = (file: Uint8Array, end: number) =>
    fc.array(fc.tuple(fc.nat(end - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }).map((fs) => {
      const copy = file.slice();
      for (const [i, v] of fs) copy[i] = v;
      return copy;
    });
  // Printed by kind and size: a counterexample's bytes are reproduced from the seed, not read from the log.
  const tag = (kind: string, arb: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Mutant> =>
    arb.map((bytes) => ({ kind, bytes, [fc.toStringMethod]: () => `${kind} (${bytes.length} bytes)` }));
  const fieldPaths = names.flatMap((n) => [[n], [n, 'dtype'], [n, 'shape'], [n, 'data_offsets']]).concat([['__metadata__'], ['__metadata__', 'format'], ['__metadata__', 'config'], ['__metadata__', 'training']]);
  const entryOf = (n: string) => JSON.stringify(parsed.header[n]);
  return fc.oneof(
    tag('truncation', fc.nat(base.length - 1).map((n) => base.slice(0, n))),
    tag('byte flips', flips(base, base.length)),
    tag('header byte flips', flips(base, headerEnd)),
    tag('header length', fc.oneof(fc.bigInt(0n, 2n ** 64n - 1n), fc.integer({ min: -16, max: 16 }).map((d) => BigInt(Math.max(0, headerEnd - 8 + d)))).map((n) => {
      const copy = base.slice();
      new DataView(copy.buffer).setBigUint64(0, n, true);
      return copy;
    })),
    tag('header values', fc.tuple(fc.constantFrom(...fieldPaths), valueArb).map(([path, v]) => assemble(replaceAt(parsed.header, path, v.text), parsed.data))),
    tag('offsets', fc.tuple(fc.constantFrom(...names), fc.integer({ min: -2, max: parsed.data.length + 8 }), fc.integer({ min: -2, max: parsed.data.length + 8 }))
      .map(([n, a, b]) => assemble(replaceAt(parsed.header, [n, 'data_offsets'], JSON.stringify([a, b])), parsed.data))),
    tag('repeated tensor name', fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names)).map(([a, b]) => {
      const text = JSON.stringify(parsed.header);
      return assemble(text.replace(`${JSON.stringify(a)}:`, `${JSON.stringify(a)}:${entryOf(b)},${JSON.stringify(a)}:`), parsed.data);
    })),
    tag('renamed tensor', fc.tuple(fc.constantFrom(...names), fc.constantFrom('model.toString', 'model.__proto__', 'model.constructor', 'ema.valueOf', 'optim.0.__proto__', 'optim.0.hasOwnProperty', 'optim.99.expAvg', 'stray', '__metadata__'))
      .map(([from, to]) => assemble(JSON.stringify(parsed.header).replace(`${JSON.stringify(from)}:`, `${JSON.stringify(to)}:`), parsed.data))),
    tag('config JSON', metadataMutation(parsed, 'config')),
    tag('training JSON', metadataMutation(parsed, 'training')),
    tag('non-finite payload', fc.array(fc.tuple(fc.nat(parsed.data.length / 4 - 1), fc.constantFrom(NaN, Infinity, -Infinity)), { minLength: 1, maxLength: 3 }).map((ws) => {
      const data = parsed.data.slice();
      const view = new DataView(data.buffer);
      for (const [i, v] of ws) view.setFloat32(4 * i, v, true);
      return assemble(JSON.stringify(parsed.header), data);
    })),
    tag('other architecture', fc.constantFrom(...others)),
    tag('other architecture, flipped', fc.constantFrom(...others).chain((o) => flips(o, o.length))),
  );
}

/** The longest rejection message allowed. */
export const MAX_MESSAGE = 2000;

/**
 * Write `bytes` to `path`, restore it into `targets`, and check the promise. Returns whether it was
 * accepted; an accepted file leaves the targets loaded, so the caller makes fresh ones.
 */
export async function checkMutant(path: string, bytes: Uint8Array, targets: Targets): Promise<boolean> {
  writeFileSync(path, bytes);
  const before = snapshot(targets);
  try {
    await restoreCheckpoint(path, targets);
  } catch (e) {
    assert.ok(e instanceof CheckpointError, `not a CheckpointError: ${String(e)}`);
    assert.ok(e.message.includes(path), `the message does not name the file: ${e.message.slice(0, 300)}`);
    assert.ok(e.message.length <= MAX_MESSAGE && !e.message.includes('\n'), `a message of ${e.message.length} characters`);
    // A built-in error inside means a check is missing, even if the wrapper caught it.
    assert.doesNotMatch(e.message, /\b(TypeError|RangeError|ReferenceError|SyntaxError|Error): /, 'an unvalidated failure');
    assert.deepStrictEqual(snapshot(targets), before, 'a rejected file changed the targets');
    return false;
  }
  const loaded = await loadCheckpoint(path);
  const fresh = makeTargets();
  fresh.model.loadStateDict(loaded.model);
  assert.deepStrictEqual((snapshot(targets) as { model: unknown }).model, (snapshot(fresh) as { model: unknown }).model, 'accepted, but not loaded completely');
  return true;
}
