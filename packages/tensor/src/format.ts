/** PyTorch-style printing: `tensor([[1.0000, 2.0000], …], dtype=float64, requiresGrad=true)`. */
import type { DType, Shape, TypedArray } from './backend/kernels.ts';
import { sizeOf } from './shape.ts';

/** Past this many elements, each dim shows its first and last `EDGE` entries around `...`, as PyTorch does. */
const THRESHOLD = 1000;
const EDGE = 3;

function formatNumbers(values: readonly number[], dtype: DType): string[] {
  if (dtype === 'int32') return values.map(String);
  const finite = values.filter(Number.isFinite);
  const allIntegral = finite.every((v) => Number.isInteger(v));
  const maxAbs = Math.max(0, ...finite.map(Math.abs));
  const minAbs = Math.min(...finite.filter((v) => v !== 0).map(Math.abs));
  const scientific = finite.length > 0 && (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || maxAbs / minAbs > 1e6) && !allIntegral;
  return values.map((v) => {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    if (scientific) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
    return allIntegral ? `${v}.` : v.toFixed(4);
  });
}

export function formatTensor(data: TypedArray, shape: Shape, dtype: DType, op: string | undefined, requiresGrad: boolean): string {
  const summarize = sizeOf(shape) > THRESHOLD;
  const shown = (n: number): number[] => (summarize && n > 2 * EDGE
    ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
    : [...Array(n).keys()]);
  // Collect the visible numbers first so that they share one width and format.
  const visible: number[] = [];
  const collect = (dim: number, offset: number, stride: number): void => {
    if (dim === shape.length) { visible.push(data[offset]!); return; }
    const n = shape[dim]!, inner = stride / Math.max(n, 1);
    for (const i of shown(n)) if (i >= 0) collect(dim + 1, offset + i * inner, inner);
  };
  collect(0, 0, sizeOf(shape));
  const texts = formatNumbers(visible, dtype);
  const width = Math.max(0, ...texts.map((t) => t.length));
  let next = 0;
  const indent = 'tensor('.length;
  const render = (dim: number): string => {
    if (dim === shape.length) return texts[next++]!.padStart(width);
    const parts = shown(shape[dim]!).map((i) => (i < 0 ? '...' : render(dim + 1)));
    const sep = dim === shape.length - 1 ? ', ' : ',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(indent + dim + 1);
    return `[${parts.join(sep)}]`;
  };
  const extras = [
    dtype !== 'float32' ? `dtype=${dtype}` : '',
    op !== undefined ? `gradFn=${op}` : requiresGrad ? 'requiresGrad=true' : '',
  ].filter(Boolean);
  const body = shape.length > 0 && sizeOf(shape) === 0 ? `[], size=[${shape.join(', ')}]` : render(0);
  return `tensor(${[body, ...extras].join(', ')})`;
}
