import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import { metaInit } from '../init.ts';
import { EncoderUNet } from '../unet/encoder-unet.ts';
import { classifierPresets } from '../unet/classifier-presets.ts';
import { presets } from '../unet/presets.ts';
import { UNet } from '../unet/unet.ts';
import { fromPyTorchKey, fromPyTorchStateDict, snakeToCamel, toPyTorchKey, toPyTorchStateDict } from './pytorch-key.ts';

describe('fromPyTorchKey', () => {
  it('maps the reference implementations’ keys onto ours', () => {
    const cases: [string, string][] = [
      // guided-diffusion (ADM / iDDPM) UNetModel
      ['input_blocks.1.0.in_layers.2.weight', 'inputBlocks.1.0.inLayers.2.weight'],
      ['input_blocks.0.0.weight', 'inputBlocks.0.0.weight'],
      ['time_embed.0.weight', 'timeEmbed.0.weight'],
      ['label_emb.weight', 'labelEmb.weight'],
      ['middle_block.1.qkv.weight', 'middleBlock.1.qkv.weight'],
      ['output_blocks.5.2.op.weight', 'outputBlocks.5.2.op.weight'],
      ['input_blocks.4.0.emb_layers.1.bias', 'inputBlocks.4.0.embLayers.1.bias'],
      ['output_blocks.3.1.proj_out.weight', 'outputBlocks.3.1.projOut.weight'],
      ['input_blocks.1.0.skip_connection.weight', 'inputBlocks.1.0.skipConnection.weight'],
      ['out.2.weight', 'out.2.weight'],
      // torch.nn buffers
      ['norm.running_mean', 'norm.runningMean'],
      ['norm.num_batches_tracked', 'norm.numBatchesTracked'],
      // EDM (NVlabs/edm networks.py): already camelCase-ish segments pass through
      ['enc.32x32_block0.conv0.weight', 'enc.32x32Block0.conv0.weight'],
      ['map_noise.freqs', 'mapNoise.freqs'],
      // leading underscores (torch.compile's prefix) are kept, not mangled
      ['_orig_mod.out.weight', '_origMod.out.weight'],
    ];
    for (const [torchKey, ours] of cases) assert.equal(fromPyTorchKey(torchKey), ours, torchKey);
  });

  it('keeps the number of segments and every numeric index, and is idempotent', () => {
    const segment = fc.oneof(fc.nat(20).map(String), fc.stringMatching(/^[a-z][a-z0-9]{0,5}(_[a-z0-9]{1,5}){0,3}$/));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const key = segments.join('.');
        const mapped = fromPyTorchKey(key).split('.');
        assert.equal(mapped.length, segments.length);
        segments.forEach((s, i) => {
          if (/^\d+$/.test(s)) assert.equal(mapped[i], s);
          else assert.ok(!mapped[i]!.includes('_'), mapped[i]);
        });
        assert.equal(fromPyTorchKey(fromPyTorchKey(key)), fromPyTorchKey(key));
      }),
    );
    assert.equal(snakeToCamel('in_layers'), 'inLayers');
  });

  it('fromPyTorchStateDict renames every key and refuses collisions', () => {
    assert.deepEqual(fromPyTorchStateDict({ 'in_layers.0.weight': 1, 'out.bias': 2 }), { 'inLayers.0.weight': 1, 'out.bias': 2 });
    assert.throws(() => fromPyTorchStateDict({ in_layers: 1, inLayers: 2 }), /"in_layers" and "inLayers" both map to "inLayers"/);
  });

  it("toPyTorchKey is fromPyTorchKey's inverse on every key of the U-Nets (the round trip to guided-diffusion and back)", () => {
    const models = [
      metaInit(() => new UNet(presets.admImageNet64, { generator: new Generator(0) })),
      metaInit(() => new UNet(presets.iddpmCifar10, { generator: new Generator(0) })),
      metaInit(() => new EncoderUNet(classifierPresets.tiny16, { generator: new Generator(0) })),
    ];
    for (const model of models) {
      for (const [key] of [...model.namedParameters(), ...model.namedBuffers()]) {
        const theirs = toPyTorchKey(key);
        assert.match(theirs, /^[a-z0-9_.]+$/, theirs);
        assert.equal(fromPyTorchKey(theirs), key);
      }
    }
    assert.equal(toPyTorchKey('inputBlocks.1.0.inLayers.2.weight'), 'input_blocks.1.0.in_layers.2.weight');
    assert.equal(toPyTorchKey('out.2.cProj.weight'), 'out.2.c_proj.weight');
    assert.deepEqual(toPyTorchStateDict({ 'labelEmb.weight': 1 }), { 'label_emb.weight': 1 });
    assert.throws(() => toPyTorchStateDict({ 'snake_case.weight': 1 }), /toPyTorchStateDict: "snake_case.weight" → "snake_case.weight" does not map back \(it comes back as "snakeCase.weight"\)/);
  });
});
