// Every exported differentiable op must have a gradient property: a test with a literal title
// `gradient: <name>` somewhere in this package. Adding an op without one fails here, so the suite cannot silently
// fall behind the library.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from './index.ts';

/** Exported functions that are not differentiable ops, each with the reason. */
const notDifferentiable: Record<string, string> = {
  tensor: 'creation', zeros: 'creation', ones: 'creation', full: 'creation', fullLike: 'creation', zerosLike: 'creation', onesLike: 'creation',
  arange: 'creation', linspace: 'creation', eye: 'creation', rand: 'random draw', randn: 'random draw', randint: 'random draw', randLike: 'random draw', randnLike: 'random draw',
  eq: 'comparison mask', ne: 'comparison mask', lt: 'comparison mask', le: 'comparison mask', gt: 'comparison mask', ge: 'comparison mask',
  argmax: 'integer indices', argmin: 'integer indices',
  noGrad: 'autograd control', enableGrad: 'autograd control', isGradEnabled: 'autograd control', detectAnomaly: 'autograd control',
  manualSeed: 'randomness', philox4x32: 'randomness', Generator: 'class', Tensor: 'class', OpError: 'class', broadcastShapes: 'shape arithmetic',
  adamStep: 'optimizer update', setBackend: 'backend control', getBackend: 'backend control', registerBackend: 'backend control', availableBackends: 'backend control', startWasmEngine: 'backend control', wasmMaxThreads: 'backend control',
  initGpu: 'backend control', shutdownGpu: 'backend control', gpuMemory: 'backend control', tidy: 'memory scope', keep: 'memory scope', isRecycling: 'memory scope',
};

function testSources(dir: string): string {
  return readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testSources(path);
    return entry.name.endsWith('.test.ts') ? readFileSync(path, 'utf8') : '';
  }).join('\n');
}

describe('gradient coverage', () => {
  it('every exported differentiable op has a gradient property', () => {
    const sources = testSources(import.meta.dirname);
    // Titles are literal: `gradient: conv2d (…)`, or a list `gradient: sign and floor …`.
    const lists = [...sources.matchAll(/'gradient: (\w+(?:(?:, | and )\w+)*)/g)].map((m) => m[1]!);
    const titled = new Set(lists.flatMap((list) => list.split(/, | and /)));
    const ops = Object.entries(api).filter(([name, value]) => typeof value === 'function' && !(name in notDifferentiable)).map(([name]) => name);
    const missing = ops.filter((name) => !titled.has(name));
    assert.deepEqual(missing, [], `ops without a gradient property: ${missing.join(', ')}`);
  });

  it('the exemption list names only real exports', () => {
    const stale = Object.keys(notDifferentiable).filter((name) => !(name in api));
    assert.deepEqual(stale, []);
  });
});
