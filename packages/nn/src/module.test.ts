import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor } from '@diffusion-ts/tensor';
import { buffer, Module, ModuleList, Sequential, StateDictError } from './module.ts';
import { Linear } from './layers/linear.ts';
import { SiLU } from './layers/silu.ts';

class Net extends Module {
  stats = buffer(tensor([0, 0], { dtype: 'float32' }));
  steps = buffer(tensor([3], { dtype: 'int32' }));
  body: Sequential;
  heads: ModuleList<Linear>;
  constructor(g: Generator) {
    super();
    this.body = new Sequential(new Linear({ inFeatures: 2, outFeatures: 3, generator: g }), new SiLU());
    this.heads = new ModuleList([new Linear({ inFeatures: 3, outFeatures: 1, bias: false, generator: g })]);
  }
}

describe('Module', () => {
  it('names parameters and buffers by dotted field paths, in field order', () => {
    const net = new Net(new Generator(0));
    assert.deepEqual(net.namedParameters().map(([n]) => n), ['body.0.weight', 'body.0.bias', 'heads.0.weight']);
    assert.deepEqual(Object.keys(net.stateDict()), ['body.0.weight', 'body.0.bias', 'heads.0.weight', 'stats', 'steps']);
    assert.equal(net.numParameters(), 6 + 3 + 3);
  });

  it('to(float64) converts floating parameters and buffers, keeps int buffers and trainability', () => {
    const net = new Net(new Generator(0)).to('float64');
    assert.ok(net.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad && p.isLeaf));
    assert.equal(net.stats.dtype, 'float64');
    assert.equal(net.steps.dtype, 'int32');
    assert.deepEqual(Object.keys(net.stateDict()), ['body.0.weight', 'body.0.bias', 'heads.0.weight', 'stats', 'steps']);
  });

  it('loadStateDict reports a dtype mismatch, and with strict = false loads the keys it has', () => {
    const a = new Net(new Generator(1)), b = new Net(new Generator(2));
    const bodyBefore = (b.body.at(0) as Linear).weight.dataSync();
    const wrongDtype = { ...a.stateDict(), stats: tensor([1, 1], { dtype: 'float64' }) };
    assert.throws(() => b.loadStateDict(wrongDtype), (e: unknown) => e instanceof StateDictError && /stats: checkpoint has float64\[2\], model has float32\[2\]/.test(e.message));
    b.loadStateDict({ 'heads.0.weight': a.heads.at(0).weight }, { strict: false });
    assert.deepEqual(b.heads.at(0).weight.dataSync(), a.heads.at(0).weight.dataSync());
    assert.deepEqual((b.body.at(0) as Linear).weight.dataSync(), bodyBefore, 'keys absent from the dict are left alone');
  });

  it('strict loadStateDict counts only own keys: names of Object.prototype members are unexpected keys', () => {
    const a = new Net(new Generator(1)), b = new Net(new Generator(2));
    const before = b.heads.at(0).weight.dataSync();
    for (const key of ['toString', 'constructor', '__proto__', 'valueOf', 'hasOwnProperty']) {
      const dict = { ...a.stateDict() };
      Object.defineProperty(dict, key, { value: a.stats, enumerable: true });
      assert.throws(() => b.loadStateDict(dict), (e: unknown) => e instanceof StateDictError && e.message.includes(`unexpected keys: ${key}`), key);
    }
    const missingOne: Record<string, unknown> = { ...a.stateDict() };
    delete missingOne['stats'];
    assert.throws(() => b.loadStateDict(Object.setPrototypeOf(missingOne, { stats: a.stats }) as never), /missing keys: stats/);
    assert.throws(() => b.loadStateDict({ ...a.stateDict(), stats: 'zero' as never }), /stats: expected a Tensor, got "zero"/);
    assert.deepEqual(b.heads.at(0).weight.dataSync(), before);
  });

  it('a rejection lists the first few problems and counts the rest, however many keys', () => {
    const b = new Net(new Generator(2));
    const dict: Record<string, unknown> = { ...b.stateDict() };
    for (let i = 0; i < 100_000; i++) dict[`extra.${'x'.repeat(i % 7 === 0 ? 5000 : 3)}.${i}`] = b.stats;
    const message = (() => { try { b.loadStateDict(dict as never); } catch (e) { return (e as Error).message; } return ''; })();
    assert.match(message, /unexpected keys: .* and 99995 more/);
    assert.ok(message.length < 1000, `message of ${message.length} characters`);
  });

  it('train()/eval() set the mode of every submodule', () => {
    const net = new Net(new Generator(0)).eval();
    assert.ok(net.namedModules().every(([, m]) => !m.training));
    assert.ok(net.train().namedModules().every(([, m]) => m.training));
  });
});

describe('Sequential', () => {
  it('runs a GroupNorm followed by a SiLU as the fused op, with the same values and gradients as layer by layer', async () => {
    const { GroupNorm } = await import('./layers/group-norm.ts');
    const { randn, sum, mul } = await import('@diffusion-ts/tensor');
    const g = new Generator(3);
    const seq = new Sequential(new GroupNorm({ numGroups: 2, numChannels: 4 }), new SiLU(), new GroupNorm({ numGroups: 1, numChannels: 4 })).to('float64');
    for (const p of seq.parameters()) p.assign(randn(p.shape, { dtype: 'float64', generator: g }));
    const x = randn([2, 4, 3, 3], { dtype: 'float64', generator: g }), u = randn([2, 4, 3, 3], { dtype: 'float64', generator: g });
    const run = (fused: boolean): number[][] => {
      for (const p of seq.parameters()) p.grad = null;
      let h = x;
      if (fused) h = seq.forward(x);
      else for (const m of seq) h = m.forward(h);
      sum(mul(h, u)).backward();
      return [[...h.dataSync()], ...seq.parameters().map((p) => [...p.grad!.dataSync()])];
    };
    assert.equal(new Sequential(seq.at(0), seq.at(1)).forward(x).node?.op, 'groupNormSilu');
    const [fused, plain] = [run(true), run(false)];
    fused.forEach((values, i) => values.forEach((v, j) => assert.ok(Math.abs(v - plain[i]![j]!) < 1e-12, `output ${i}[${j}]: ${v} vs ${plain[i]![j]}`)));
  });
});
