/**
 * The checks every U-Net `forward` makes on what it is given, so a mistake throws at the model's
 * door naming the model and the value (`UNet: input 15×15 …`), not deep inside a block
 * (`cat: shapes [2,32,16,16], [2,16,15,15]`). Wrong types are `TypeError`s, wrong sizes `RangeError`s.
 */
import { Tensor, tensor, type DType } from '@diffusion-ts/tensor';
import { describeValue } from '../layers/arguments.ts';

/** Timesteps as a model takes them: a [B] tensor, an array of B numbers, or one number for the batch. */
export type TimestepsInput = Tensor | readonly number[] | Float32Array | Float64Array | Int32Array | number;
/** Class labels: an int32 [B] tensor or an array of B integers. */
export type LabelsInput = Tensor | readonly number[] | Int32Array;

const describeInput = (v: unknown): string => (v instanceof Tensor ? `${v.dtype} [${v.shape}]` : describeValue(v));

/**
 * x must be a floating tensor [B, inChannels, …spatial] whose spatial sizes the U-Net can halve
 * `levels − 1` times exactly (its skip connections concatenate each level's input with its output).
 * @param layout the expected shape, for messages (`[B, 3, H, W]`)
 */
export function checkImages(model: string, x: unknown, inChannels: number, levels: number, layout: readonly string[]): asserts x is Tensor {
  const want = `[B, ${inChannels}, ${layout.join(', ')}]`;
  if (!(x instanceof Tensor)) throw new TypeError(`${model}: x must be a Tensor ${want}, got ${describeInput(x)}`);
  if (x.dtype === 'int32') throw new TypeError(`${model}: x must be float32 or float64, got int32 [${x.shape}]`);
  if (x.ndim !== 2 + layout.length || x.shape[1] !== inChannels) throw new RangeError(`${model}: x must be ${want}, got [${x.shape}]`);
  const factor = 2 ** (levels - 1);
  const [height, width] = x.shape.slice(-2) as [number, number];
  if (height % factor !== 0 || width % factor !== 0 || height === 0 || width === 0) {
    throw new RangeError(`${model}: input ${height}×${width} cannot be halved ${levels - 1} times (${levels} levels): `
      + `height and width must be positive multiples of ${factor}`);
  }
}

/** The timesteps as a [batch] tensor of `dtype`; numbers and arrays are converted. */
export function timestepTensor(model: string, t: unknown, batch: number, dtype: DType): Tensor {
  if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw new RangeError(`${model}: timestep must be finite, got ${t}`);
    return tensor(new Float64Array(batch).fill(t), { dtype });
  }
  if (Array.isArray(t) || t instanceof Float32Array || t instanceof Float64Array || t instanceof Int32Array) {
    const values = Array.from(t as ArrayLike<unknown>);
    if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new TypeError(`${model}: timesteps must be finite numbers, got ${describeValue(values)}`);
    if (values.length !== batch) throw new RangeError(`${model}: ${values.length} timesteps for a batch of ${batch}`);
    return tensor(Float64Array.from(values as number[]), { dtype });
  }
  if (!(t instanceof Tensor)) throw new TypeError(`${model}: t must be a Tensor [${batch}], an array of ${batch} numbers or a number, got ${describeInput(t)}`);
  if (t.ndim !== 1 || t.shape[0] !== batch) throw new RangeError(`${model}: t must be [${batch}], got [${t.shape}]`);
  return t.dtype === dtype ? t : t.to(dtype);
}

/**
 * The class labels as an int32 [batch] tensor, or undefined for an unconditional model. Labels must be
 * given exactly when the model is class-conditional, and lie in [0, numClasses).
 */
export function labelTensor(model: string, y: unknown, batch: number, numClasses: number | null): Tensor | undefined {
  if ((y !== undefined) !== (numClasses !== null)) {
    throw new RangeError(numClasses === null
      ? `${model}: got labels y, but the model is unconditional (numClasses null)`
      : `${model}: missing labels y: the model is class-conditional (numClasses ${numClasses}), pass int32 labels [${batch}]`);
  }
  if (y === undefined || numClasses === null) return undefined;
  let labels: Tensor;
  if (Array.isArray(y) || y instanceof Int32Array) {
    const values = Array.from(y as ArrayLike<unknown>);
    const bad = values.find((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < numClasses));
    if (bad !== undefined) throw new RangeError(`${model}: label ${describeValue(bad)} is not a class index in [0, ${numClasses})`);
    labels = tensor(Int32Array.from(values as number[]));
  } else if (y instanceof Tensor) {
    if (y.dtype !== 'int32') throw new TypeError(`${model}: labels y must be int32 class indices, got ${y.dtype} [${y.shape}]`);
    labels = y;
  } else {
    throw new TypeError(`${model}: labels y must be an int32 Tensor or an array of integers, got ${describeInput(y)}`);
  }
  if (labels.ndim !== 1 || labels.shape[0] !== batch) throw new RangeError(`${model}: labels y must be [${batch}], got [${labels.shape}]`);
  return labels;
}
