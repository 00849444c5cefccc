import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUNetConfig, UNetConfigError } from './config.ts';

describe('resolveUNetConfig', () => {
  it("fills in guided-diffusion's defaults", () => {
    const c = resolveUNetConfig({ imageSize: 32, modelChannels: 32, numResBlocks: 1, channelMult: [1, 2] });
    assert.equal(c.numGroups, 32);
    assert.equal(c.numHeads, 1);
    assert.deepEqual(c.attentionResolutions, []);
    assert.equal(c.learnSigma, false);
  });

  it('reports every problem in one error', () => {
    assert.throws(
      () => resolveUNetConfig({ imageSize: 20, modelChannels: 48, numResBlocks: 0, channelMult: [1, 2, 2, 2], attentionResolutions: [16], dropout: 2 }),
      (e: unknown) => {
        assert.ok(e instanceof UNetConfigError);
        for (const part of [/numResBlocks must be a positive integer/, /level 0 has 48 channels, not a positive multiple of numGroups 32/,
          /imageSize 20 cannot be halved 3 times/, /attention resolution 16 is not one of the U-Net's resolutions/, /dropout must be in \[0, 1\]/]) {
          assert.match(e.message, part);
        }
        return true;
      });
  });

  it('checks that the attention widths split into the heads (the middle block always has attention)', () => {
    assert.throws(() => resolveUNetConfig({ imageSize: 8, modelChannels: 32, numResBlocks: 1, channelMult: [1, 3], numHeadChannels: 64 }), /96 channels at resolution 4/);
    assert.throws(() => resolveUNetConfig({ imageSize: 8, modelChannels: 32, numResBlocks: 1, channelMult: [1], numHeads: 3 }), /32 channels at resolution 8/);
  });
});
