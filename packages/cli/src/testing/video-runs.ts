/**
 * The fixture of the video `sample` tests: a folder holding two tiny one-step runs, `video` (the
 * video U-Net on clips16, ddpm with 25 timesteps) and `image` (a U-Net on shapes16, for the bad
 * command lines), made before the tests and removed after; and reading frames out of clips.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '@diffusion-ts/nn';
import { runCli } from './run-cli.ts';

/** Register the hooks; the returned `at(...)` is a path inside the fixture's folder. */
export function tinyVideoRuns(prefix: string): (...parts: string[]) => string {
  let dir = '';
  const at = (...parts: string[]) => join(dir, ...parts);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const video = await runCli('train', '--data', 'clips16', '--model', 'video-unet', '--objective', 'ddpm', '--timesteps', '25', '--batch', '1', '--train-size', '2', '--steps', '1', '--preview', '0', '--out', at('video'));
    assert.equal(video.code, 0, video.err);
    const image = await runCli('train', '--data', 'shapes16', '--model', 'unet', '--batch', '1', '--train-size', '2', '--steps', '1', '--preview', '0', '--out', at('image'));
    assert.equal(image.code, 0, image.err);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return at;
}

/** The tensors and metadata of a safetensors file. */
export const readSamples = (file: string) => decodeSafetensors(readFileSync(file));

/** Frames [from, from + count) of clip i of a [N, C, F, H, W] tensor, all channels. */
export function clipFrames(t: { shape: readonly number[]; data: ArrayLike<number> }, i: number, from: number, count = 1): number[] {
  const [, C, F, H, W] = t.shape as [number, number, number, number, number];
  const out: number[] = [];
  for (let c = 0; c < C; c++) for (let f = from; f < from + count; f++) for (let k = 0; k < H * W; k++) out.push(t.data[(((i * C + c) * F + f) * H * W) + k]!);
  return out;
}
