/**
 * The safetensors format (https://github.com/huggingface/safetensors), written from its spec:
 *
 *   [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *   [N bytes]  UTF-8 JSON: { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, …,
 *                            "__metadata__": { "<key>": "<string>" } }
 *   [rest]     the data section; each tensor's bytes are data[begin, end), little-endian, row-major
 *
 * Browser-safe: no `fs`, no `Buffer`. Decoding trusts nothing in the file, and every problem is a
 * `SafetensorsError` that names the offending value in a bounded excerpt.
 *
 * Half precision: F16 and BF16 tensors (PyTorch's `.half()` and `.bfloat16()` checkpoints) are read
 * and converted to float32, exactly; `encodeSafetensors(…, { float16: true })` writes the float
 * tensors as F16, to ship a model at half the size.
 */
import { clip, excerpt } from '../bounded-text.ts';
import { findDuplicateKey } from './duplicate-keys.ts';
import { bfloat16ToFloat32, float16ToFloat32, toFloat16 } from './float16.ts';

export type StoredDType = 'float32' | 'float64' | 'int32';

export interface StoredTensor {
  dtype: StoredDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

export interface DecodedSafetensors {
  tensors: Record<string, StoredTensor>;
  metadata: Record<string, string>;
}

/** Every problem found while encoding or decoding a safetensors file. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

interface DTypeInfo {
  code: 'F32' | 'F64' | 'I32';
  itemSize: number;
  arrayName: string;
  make: (buffer: ArrayBuffer) => Float32Array | Float64Array | Int32Array;
  is: (data: unknown) => boolean;
}

const dtypes = {
  float32: { code: 'F32', itemSize: 4, arrayName: 'Float32Array', make: (b) => new Float32Array(b), is: (d) => d instanceof Float32Array },
  float64: { code: 'F64', itemSize: 8, arrayName: 'Float64Array', make: (b) => new Float64Array(b), is: (d) => d instanceof Float64Array },
  int32: { code: 'I32', itemSize: 4, arrayName: 'Int32Array', make: (b) => new Int32Array(b), is: (d) => d instanceof Int32Array },
} satisfies Record<StoredDType, DTypeInfo>;

const dtypeByCode = new Map<string, StoredDType>(
  (Object.keys(dtypes) as StoredDType[]).map((d) => [dtypes[d].code, d]),
);

/** Stored 16-bit float codes, each read as float32. */
const halfCodes = {
  F16: float16ToFloat32,
  BF16: bfloat16ToFloat32,
} satisfies Record<string, (bits: Uint16Array) => Float32Array>;
type HalfCode = keyof typeof halfCodes;
const isHalfCode = (code: unknown): code is HalfCode => typeof code === 'string' && Object.hasOwn(halfCodes, code);
const supportedCodes = [...dtypeByCode.keys(), ...Object.keys(halfCodes)].join(', ');

export interface EncodeOptions {
  /** Store every float32 and float64 tensor as F16, rounded to nearest even (±∞ past 65504); int32 stays. */
  float16?: boolean;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Copy `src` into `dst` converting between host order and little-endian, item by item. On a
 * little-endian host this is a plain copy; otherwise each item's bytes are reversed. Moving bytes
 * (never numbers) keeps NaN payloads bit-exact. Exported for tests, which exercise the big-endian path.
 */
export function copyLittleEndian(src: Uint8Array, dst: Uint8Array, itemSize: number, hostIsLittleEndian = HOST_IS_LITTLE_ENDIAN): void {
  if (hostIsLittleEndian) {
    dst.set(src);
    return;
  }
  for (let i = 0; i < src.length; i += itemSize) {
    for (let j = 0; j < itemSize; j++) dst[i + j] = src[i + itemSize - 1 - j]!;
  }
}

const isSizeList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);

/** Number of elements of `shape`, or null when the product is not a safe integer. */
function numelOf(shape: readonly number[]): number | null {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

/** Define an own property (a name like "__proto__" must stay data, never touch the prototype). */
function put<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

const fmt = (v: unknown): string => excerpt(v);

/** The most dimensions a stored tensor may have (NumPy 2's limit); more is a corrupt or hostile header. */
export const MAX_RANK = 64;

/**
 * Serialize tensors (and optional string metadata) to safetensors bytes. Tensors are laid out in
 * sorted-name order; the header is padded with spaces to a multiple of 8 bytes, as the reference
 * implementation does, so every tensor's data starts 8-byte aligned in the file.
 */
export function encodeSafetensors(tensors: Record<string, StoredTensor>, metadata?: Record<string, string>, { float16 = false }: EncodeOptions = {}): Uint8Array {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`encodeSafetensors: ${msg}`);
  };
  const names = Object.keys(tensors).sort();
  const entries: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) fail(`metadata must be a string-to-string object, got ${fmt(metadata)}`);
    const pairs = Object.keys(metadata).map((k) => {
      const v = metadata[k];
      if (typeof v !== 'string') fail(`metadata[${fmt(k)}] must be a string, got ${fmt(v)}`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    entries.push(`${JSON.stringify(METADATA_KEY)}:{${pairs.join(',')}}`);
  }

  let offset = 0;
  const layout: { bytes: Uint8Array; itemSize: number; begin: number }[] = [];
  for (const name of names) {
    if (name === METADATA_KEY) fail(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    const t: unknown = tensors[name];
    if (t === null || typeof t !== 'object') return fail(`tensor ${fmt(name)}: expected { dtype, shape, data }, got ${fmt(t)}`);
    const { dtype, shape, data } = t as StoredTensor;
    if (typeof dtype !== 'string' || !Object.hasOwn(dtypes, dtype)) {
      return fail(`tensor ${fmt(name)}: unknown dtype ${fmt(dtype)} (expected 'float32', 'float64' or 'int32')`);
    }
    const info: DTypeInfo = dtypes[dtype];
    if (!isSizeList(shape)) return fail(`tensor ${fmt(name)}: shape must be an array of non-negative integers, got ${fmt(shape)}`);
    if (shape.length > MAX_RANK) fail(`tensor ${fmt(name)}: shape has ${shape.length} dimensions, more than the ${MAX_RANK} readers accept`);
    if (!info.is(data)) fail(`tensor ${fmt(name)}: dtype '${dtype}' needs a ${info.arrayName}, got ${(data as object | null)?.constructor?.name ?? fmt(data)}`);
    const numel = numelOf(shape);
    if (numel !== data.length) fail(`tensor ${fmt(name)}: shape ${fmt(shape)} has ${numel ?? 'too many'} elements but data has ${data.length}`);
    const half = float16 && dtype !== 'int32' ? toFloat16(data) : undefined;
    const bytes = half ? new Uint8Array(half.buffer) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    layout.push({ bytes, itemSize: half ? 2 : info.itemSize, begin: offset });
    entries.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: half ? 'F16' : info.code, shape, data_offsets: [offset, offset + bytes.length] })}`);
    offset += bytes.length;
  }

  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES) fail(`header of ${headerLength} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit readers enforce`);
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const dataStart = 8 + headerLength;
  for (const { bytes, itemSize, begin } of layout) {
    copyLittleEndian(bytes, out.subarray(dataStart + begin, dataStart + begin + bytes.length), itemSize);
  }
  return out;
}

/**
 * Parse and validate safetensors bytes. Checks the header length, that the header is a UTF-8 JSON
 * object, each tensor's dtype, shape and offsets, that the tensors cover the data section exactly
 * (no overlaps, no holes, no trailing bytes), and that `__metadata__` maps strings to strings.
 * Returned arrays are fresh, aligned copies that never alias `bytes`.
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`decodeSafetensors: ${msg}`);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(n64);
  if (8 + n > bytes.length) fail(`header length ${n} runs past the end of the ${bytes.length}-byte file`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${clip((e as Error).message)})`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    const where = duplicate.path.length === 0 ? 'tensor name' : `key in ${duplicate.path.map((k) => fmt(k)).join(' > ')}`;
    fail(`header repeats the ${where} ${fmt(duplicate.key)} (JSON would keep only the last)`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(`header must be a JSON object, got ${fmt(header)}`);
  const fields = header as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  const dataLength = bytes.length - 8 - n;
  const dataStart = 8 + n;
  const specs: { name: string; dtype: StoredDType; half?: HalfCode; shape: number[]; begin: number; end: number }[] = [];
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (name === METADATA_KEY) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`"${METADATA_KEY}" must be an object of strings, got ${fmt(value)}`);
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v !== 'string') fail(`"${METADATA_KEY}"[${fmt(k)}] must be a string, got ${fmt(v)}`);
        put(metadata, k, v as string);
      }
      continue;
    }
    const where = `tensor ${fmt(name)}`;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${where}: entry must be an object, got ${fmt(value)}`);
    const { dtype: code, shape, data_offsets: offsets } = value as Record<string, unknown>;
    const half = isHalfCode(code) ? code : undefined;
    const dtype = half ? 'float32' : typeof code === 'string' ? dtypeByCode.get(code) : undefined;
    if (dtype === undefined) return fail(`${where}: unsupported dtype ${fmt(code)} (supported: ${supportedCodes})`);
    if (!isSizeList(shape)) return fail(`${where}: shape must be an array of non-negative integers, got ${fmt(shape)}`);
    if (shape.length > MAX_RANK) fail(`${where}: shape has ${shape.length} dimensions, more than ${MAX_RANK}`);
    if (!isSizeList(offsets) || offsets.length !== 2) return fail(`${where}: data_offsets must be two non-negative integers, got ${fmt(offsets)}`);
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] begin after they end`);
    if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section`);
    const numel = numelOf(shape);
    const itemSize = half ? 2 : dtypes[dtype].itemSize;
    if (numel === null || numel * itemSize !== end - begin) {
      fail(`${where}: shape ${fmt(shape)} of ${code} needs ${numel === null ? 'too many' : numel * itemSize} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    specs.push({ name, dtype, half, shape, begin, end });
  }

  // The tensors must tile the data section exactly, as the reference implementation requires.
  const sorted = [...specs].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const s of sorted) {
    if (s.begin < covered) fail(`tensor ${fmt(s.name)}: data_offsets [${s.begin}, ${s.end}] overlap the previous tensor, which ends at ${covered}`);
    if (s.begin > covered) fail(`tensor ${fmt(s.name)}: data_offsets [${s.begin}, ${s.end}] leave a hole of ${s.begin - covered} bytes at ${covered}`);
    covered = s.end;
  }
  if (covered !== dataLength) fail(`data section is ${dataLength} bytes but the tensors cover only ${covered}`);

  const tensors: Record<string, StoredTensor> = {};
  for (const { name, dtype, half, shape, begin, end } of specs) {
    const info = dtypes[dtype];
    const buffer = new ArrayBuffer(end - begin);
    copyLittleEndian(bytes.subarray(dataStart + begin, dataStart + end), new Uint8Array(buffer), half ? 2 : info.itemSize);
    put(tensors, name, { dtype, shape: [...shape], data: half ? halfCodes[half](new Uint16Array(buffer)) : info.make(buffer) });
  }
  return { tensors, metadata };
}
