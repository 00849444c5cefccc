/**
 * `diffusion-ts export`: a trained run's weights as one model file to ship, float16 by default. The
 * file is a checkpoint without EMA or optimizer state (its `model.*` tensors are the chosen weights,
 * its metadata the run's config and step), so `sample` and `eval` take it as `--ckpt`, and PyTorch's
 * `safetensors.torch.load_file` reads it.
 */
import { extname } from 'node:path';
import type { Tensor } from '@diffusion-ts/tensor';
import { toFloat16Bits } from '@diffusion-ts/nn';
import { saveCheckpoint } from '@diffusion-ts/nn/node';
import { defineCommand, UsageError, type OptionValues } from '../args.ts';
import { CliError } from '../errors.ts';
import { processIo, type Io } from '../io.ts';
import { checkOutputFile } from '../run/output-paths.ts';
import { resolveCheckpoint } from '../run/run-folder.ts';
import { loadSession } from '../run/session.ts';

export const exportDTypes = ['f16', 'f32'] as const;

export const exportCommand = defineCommand({
  summary: 'write a trained run\'s weights (the EMA\'s by default) as a float16 or float32 safetensors model file that sample and eval load',
  options: {
    ckpt: { type: 'string', placeholder: 'run-dir', description: 'the run folder written by train, or its checkpoint.safetensors (required)' },
    out: { type: 'string', placeholder: 'model.safetensors', description: 'the model file to write (required)' },
    dtype: { type: 'enum', choices: exportDTypes, default: 'f16', description: 'f16: IEEE half precision (rounded to nearest even; half the size), read back as float32; f32: as trained' },
    ema: { type: 'boolean', default: true, description: 'export the EMA weights, without the random initial weights\' share (--no-ema for the raw weights)' },
    force: { type: 'boolean', description: 'overwrite an existing output file' },
  },
});

/** The first float weight that F16 cannot hold (a finite value that would round to ±∞), if any. */
async function float16Overflow(weights: Record<string, Tensor>): Promise<string | undefined> {
  for (const [key, t] of Object.entries(weights)) {
    if (t.dtype === 'int32') continue;
    const values = await t.data();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v) && (toFloat16Bits(v) & 0x7fff) === 0x7c00) return `${key}[${i}] = ${v}`;
    }
  }
  return undefined;
}

export async function runExport(v: OptionValues<typeof exportCommand.options>, io: Io = processIo): Promise<void> {
  if (v.ckpt === undefined) throw new UsageError('export: --ckpt <run-dir> is required');
  if (v.out === undefined) throw new UsageError('export: --out <model.safetensors> is required');
  if (extname(v.out).toLowerCase() !== '.safetensors') throw new UsageError(`export: --out must end in .safetensors, got '${v.out}'`);
  checkOutputFile('--out', v.out, v.force);
  const session = await loadSession(resolveCheckpoint(v.ckpt).checkpoint, { useEma: v.ema });
  if (session.warning !== undefined) io.err.write(`diffusion-ts: ${session.warning}\n`);
  const float16 = v.dtype === 'f16';
  const weights = session.module.stateDict();
  const overflow = float16 ? await float16Overflow(weights) : undefined;
  if (overflow !== undefined) throw new CliError(`export: --dtype f16 cannot hold ${overflow} (float16 ends at ±65504); use --dtype f32`);
  await saveCheckpoint(v.out, { model: session.module, step: session.step, config: session.config }, { float16 });
  io.err.write(`wrote ${v.out}: the ${v.ema ? 'EMA' : 'raw'} weights at step ${session.step} as ${float16 ? 'float16' : 'float32'}\n`);
}
