import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { copyLittleEndian, decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, MAX_RANK, SafetensorsError } from './safetensors.ts';
import { findDuplicateKey } from './duplicate-keys.ts';
import { float16ToFloat32, toFloat16 } from './float16.ts';
import type { StoredDType, StoredTensor } from './safetensors.ts';

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Assemble a file from a header string (padded with spaces to 8 bytes) and a data section. */
function rawFile(header: string, data: Uint8Array = new Uint8Array(0), { pad = true } = {}): Uint8Array {
  const json = new TextEncoder().encode(header);
  const n = pad ? Math.ceil(json.length / 8) * 8 : json.length;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.set(data, 8 + n);
  return out;
}

/** Decode, allowing only success or a SafetensorsError; any other exception fails the test. */
function decodeOrReject(bytes: Uint8Array): ReturnType<typeof decodeSafetensors> | SafetensorsError {
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) return e;
    throw e;
  }
}

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeSafetensors(bytes), (e: unknown) => e instanceof SafetensorsError && pattern.test(e.message));
}

/** Random tensors with arbitrary bit patterns (NaN payloads, -0, ±Inf, subnormals all occur). */
const tensorArb: fc.Arbitrary<StoredTensor> = fc
  .tuple(fc.constantFrom<StoredDType>('float32', 'float64', 'int32'), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }))
  .chain(([dtype, shape]) => {
    const numel = shape.reduce((a, b) => a * b, 1);
    const words = dtype === 'float64' ? 2 * numel : numel;
    const special = fc.constantFrom(0x7fc00000, 0xffc00001, 0x7f800001, 0x80000000, 0x7f800000, 0xff800000, 0x00000001);
    return fc
      .array(fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), special), { minLength: words, maxLength: words })
      .map((bits): StoredTensor => {
        const buffer = Uint32Array.from(bits).buffer;
        const data = dtype === 'float32' ? new Float32Array(buffer) : dtype === 'float64' ? new Float64Array(buffer) : new Int32Array(buffer);
        return { dtype, shape, data };
      });
  });

const namesArb = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => s !== '__metadata__');
const tensorsArb = fc.dictionary(namesArb, tensorArb, { maxKeys: 5 });
const metadataArb = fc.option(fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 16 }), { maxKeys: 4 }), { nil: undefined });

function assertSameTensors(actual: Record<string, StoredTensor>, expected: Record<string, StoredTensor>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const name of Object.keys(expected)) {
    const a = actual[name]!, e = expected[name]!;
    assert.equal(a.dtype, e.dtype, name);
    assert.deepEqual(a.shape, e.shape, name);
    assert.equal(a.data.constructor, e.data.constructor, name);
    assert.deepEqual(bytesOf(a.data), bytesOf(e.data), `bits of ${name}`);
  }
}

function validFile(): Uint8Array {
  return encodeSafetensors(
    {
      w: { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
      b: { dtype: 'float64', shape: [2], data: Float64Array.of(-0, NaN) },
      step: { dtype: 'int32', shape: [], data: Int32Array.of(42) },
      empty: { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) },
    },
    { format: 'pt', epoch: '3' },
  );
}

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips random tensors bit-exactly, with metadata', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const file = encodeSafetensors(tensors, metadata);
        const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
        assert.equal(headerLength % 8, 0, 'header padded to a multiple of 8');
        const decoded = decodeSafetensors(file);
        assertSameTensors(decoded.tensors, tensors);
        assert.deepEqual(decoded.metadata, { ...metadata }); // fast-check may build null-prototype records
      }),
      { seed: 42, numRuns: 150 },
    );
  });

  it('matches a file assembled by hand from the spec', () => {
    const file = encodeSafetensors(
      { b: { dtype: 'int32', shape: [], data: Int32Array.of(7) }, a: { dtype: 'float32', shape: [2], data: Float32Array.of(1, -2) } },
      { format: 'pt' },
    );
    const json = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[],"data_offsets":[8,12]}}';
    assert.equal(json.length, 138); // 32 + 53 + 53, padded with 6 spaces to 144
    const expected = [
      ...[144, 0, 0, 0, 0, 0, 0, 0],
      ...Array.from(json, (c) => c.charCodeAt(0)),
      ...Array<number>(6).fill(0x20),
      ...[0x00, 0x00, 0x80, 0x3f], // 1.0f, little-endian
      ...[0x00, 0x00, 0x00, 0xc0], // -2.0f
      ...[0x07, 0x00, 0x00, 0x00], // int32 7
    ];
    assert.deepEqual([...file], expected);
  });

  it('reads F16 and BF16 tensors (as PyTorch writes them) as float32, big-endian hosts included', () => {
    // F16 1, −2, 65504, 2⁻²⁴ and BF16 1, −0, 3.140625, +∞, little-endian; then an F32 −2 after them.
    const data = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x80, 0x3f, 0x00, 0x80, 0x49, 0x40, 0x80, 0x7f, 0, 0, 0, 0xc0]);
    const file = rawFile('{"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[8,16]},"f":{"dtype":"F32","shape":[],"data_offsets":[16,20]}}', data);
    const { tensors } = decodeSafetensors(file);
    assert.deepEqual(tensors['h'], { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, -2, 65504, 2 ** -24) });
    assert.deepEqual(tensors['b'], { dtype: 'float32', shape: [4], data: Float32Array.of(1, -0, 3.140625, Infinity) });
    assert.ok(Object.is(tensors['b']!.data[1], -0));
    assert.deepEqual([...tensors['f']!.data], [-2]);
    const swapped = new Uint8Array(8);
    copyLittleEndian(data.subarray(0, 8), swapped, 2, false);
    assert.deepEqual([...swapped], [0x3c, 0x00, 0xc0, 0x00, 0x7b, 0xff, 0x00, 0x01]);
  });

  it('{ float16: true } writes float tensors as F16, rounded to nearest even; int32 stays; reading gives the rounded float32', () => {
    fc.assert(
      fc.property(tensorsArb, (tensors) => {
        const file = encodeSafetensors(tensors, { format: 'pt' }, { float16: true });
        const n = Number(new DataView(file.buffer).getBigUint64(0, true));
        const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, { dtype: string }>;
        const decoded = decodeSafetensors(file);
        for (const [name, t] of Object.entries(tensors)) {
          const back = decoded.tensors[name]!;
          assert.deepEqual(back.shape, t.shape);
          if (t.dtype === 'int32') {
            assert.equal(header[name]!.dtype, 'I32');
            assert.deepEqual(back, t);
            continue;
          }
          assert.equal(header[name]!.dtype, 'F16');
          assert.equal(back.dtype, 'float32');
          const expected = float16ToFloat32(toFloat16(t.data));
          assert.deepEqual(bytesOf(back.data), bytesOf(expected));
        }
      }),
      { seed: 42, numRuns: 100 },
    );
    const half = encodeSafetensors({ w: { dtype: 'float32', shape: [3], data: Float32Array.of(1, 1e6, 1 + 2 ** -11) } }, undefined, { float16: true });
    assert.deepEqual([...half.subarray(half.length - 6)], [0x00, 0x3c, 0x00, 0x7c, 0x00, 0x3c]); // 1, +∞ (overflow), 1 (tie to even)
  });

  it('decodes tensors stored in any offset order, and names such as "__proto__"', () => {
    const data = new Uint8Array([0, 0, 0x80, 0x3f, 7, 0, 0, 0]);
    const file = rawFile('{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}}', data);
    const { tensors, metadata } = decodeSafetensors(file);
    assert.deepEqual(metadata, {});
    assert.deepEqual(Object.keys(tensors).sort(), ['__proto__', 'z']);
    assert.deepEqual([...tensors['z']!.data], [1]);
    assert.deepEqual([...tensors['__proto__']!.data], [7]);
    assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
    const again = decodeSafetensors(encodeSafetensors(tensors));
    assertSameTensors(again.tensors, tensors);
  });

  it('encodes typed-array views at an offset into a larger buffer', () => {
    const big = Float64Array.of(9, 1.5, -2.5, 9);
    const { tensors } = decodeSafetensors(encodeSafetensors({ v: { dtype: 'float64', shape: [2], data: big.subarray(1, 3) } }));
    assert.deepEqual([...tensors['v']!.data], [1.5, -2.5]);
  });

  it('returns fresh aligned copies that never alias the input', () => {
    // Place the file at an odd offset inside a larger buffer so in-place views would be misaligned.
    const file = validFile();
    const host = new Uint8Array(file.length + 3);
    host.set(file, 3);
    const view = host.subarray(3);
    const { tensors } = decodeSafetensors(view);
    for (const t of Object.values(tensors)) {
      assert.notEqual(t.data.buffer, host.buffer);
      assert.equal(t.data.byteOffset, 0);
    }
    const before = [...tensors['w']!.data];
    host.fill(0xff, 3 + 8);
    assert.deepEqual([...tensors['w']!.data], before);
    assert.deepEqual(before, [1, 2, 3, 4, 5, 6]);
  });

  it('writes little-endian data on big-endian hosts (byte order swapped per item)', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 16 }), (values) => {
        const be = new DataView(new ArrayBuffer(8 * values.length));
        const le = new DataView(new ArrayBuffer(8 * values.length));
        values.forEach((v, i) => (be.setFloat64(8 * i, v, false), le.setFloat64(8 * i, v, true)));
        const out = new Uint8Array(8 * values.length);
        copyLittleEndian(bytesOf(be), out, 8, false);
        assert.deepEqual(out, bytesOf(le));
      }),
      { seed: 42, numRuns: 50 },
    );
  });

  it('rejects invalid input to encode with a SafetensorsError naming the tensor', () => {
    const bad: [Record<string, StoredTensor>, RegExp][] = [
      [{ x: { dtype: 'float32', shape: [2], data: new Float32Array(3) } }, /'?"x"'?.*shape \[2\] has 2 elements but data has 3/],
      [{ x: { dtype: 'float32', shape: [3], data: new Float64Array(3) } }, /"x".*needs a Float32Array, got Float64Array/],
      [{ x: { dtype: 'float16' as StoredDType, shape: [1], data: new Float32Array(1) } }, /"x".*unknown dtype "float16"/],
      [{ x: { dtype: 'int32', shape: [-1], data: new Int32Array(0) } }, /"x".*shape must be an array of non-negative integers/],
      [{ __metadata__: { dtype: 'int32', shape: [0], data: new Int32Array(0) } }, /reserved/],
    ];
    for (const [tensors, pattern] of bad) {
      assert.throws(() => encodeSafetensors(tensors), (e: unknown) => e instanceof SafetensorsError && /^encodeSafetensors: /.test(e.message) && pattern.test(e.message));
    }
    assert.throws(() => encodeSafetensors({}, { k: 1 as unknown as string }), /metadata\["k"\] must be a string/);
  });
});

describe('decodeSafetensors validation', () => {
  const f32 = (begin: number, end: number, shape = '[1]') => `{"dtype":"F32","shape":${shape},"data_offsets":[${begin},${end}]}`;
  const eight = new Uint8Array(8);

  it('names each kind of corruption', () => {
    expectError(new Uint8Array(7), /7 bytes, shorter than the 8-byte header length/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expectError(huge, /header length 18446744073709551615 exceeds/);
    const long = rawFile('{}');
    new DataView(long.buffer).setBigUint64(0, 9n, true);
    expectError(long, /header length 9 runs past the end of the 16-byte file/);
    expectError(rawFile('{"a":"\xff"}').map((b, i) => (i === 14 ? 0xff : b)), /not valid UTF-8/);
    expectError(rawFile('{"a":'), /not valid JSON/);
    expectError(rawFile('[1,2]'), /header must be a JSON object, got \[1,2\]/);
    expectError(rawFile('null'), /header must be a JSON object/);
    expectError(rawFile('{"a":[]}'), /tensor "a": entry must be an object/);
    expectError(rawFile('{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}', new Uint8Array(2)), /tensor "a": unsupported dtype "F8_E4M3" \(supported: F32, F64, I32, F16, BF16\)/);
    expectError(rawFile('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(8)), /tensor "a": shape \[2\] of F16 needs 4 bytes but data_offsets \[0, 8\] hold 8/);
    expectError(rawFile('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', new Uint8Array(4)), /shape must be an array of non-negative integers, got \[1.5\]/);
    expectError(rawFile('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', new Uint8Array(4)), /shape must be/);
    expectError(rawFile('{"a":{"dtype":"F32","shape":"2","data_offsets":[0,4]}}', new Uint8Array(4)), /shape must be/);
    expectError(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', new Uint8Array(4)), /data_offsets must be two non-negative integers, got \[0\]/);
    expectError(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}}', new Uint8Array(4)), /data_offsets must be two/);
    expectError(rawFile(`{"a":${f32(8, 4, '[]')}}`, eight), /\[8, 4\] begin after they end/);
    expectError(rawFile(`{"a":${f32(4, 12, '[2]')}}`, eight), /\[4, 12\] run past the 8-byte data section/);
    expectError(rawFile(`{"a":${f32(0, 8)}}`, eight), /shape \[1\] of F32 needs 4 bytes but data_offsets \[0, 8\] hold 8/);
    expectError(rawFile(`{"a":${f32(0, 4)},"b":${f32(2, 6)}}`, eight), /tensor "b".*overlap the previous tensor, which ends at 4/);
    expectError(rawFile(`{"a":${f32(0, 4)},"b":${f32(0, 4)}}`, eight), /overlap/);
    expectError(rawFile(`{"a":${f32(0, 4)},"e":${f32(2, 2, '[0]')},"b":${f32(4, 8)}}`, eight), /tensor "e".*overlap/);
    expectError(rawFile(`{"a":${f32(4, 8)}}`, eight), /leave a hole of 4 bytes at 0/);
    expectError(rawFile(`{"a":${f32(0, 4)}}`, eight), /data section is 8 bytes but the tensors cover only 4/);
    expectError(rawFile('{"__metadata__":{"k":1}}'), /"__metadata__"\["k"\] must be a string, got 1/);
    expectError(rawFile('{"__metadata__":["x"]}'), /"__metadata__" must be an object of strings/);
    expectError(rawFile(`{"a":${f32(0, 4, '[9007199254740991,9007199254740991]')}}`, new Uint8Array(4)), /needs too many bytes/);
  });

  it('rejects repeated keys, which JSON.parse would silently resolve to the last', () => {
    const eight = new Uint8Array(8);
    expectError(rawFile(`{"a":${f32(0, 4)},"a":${f32(4, 8)}}`, eight), /repeats the tensor name "a"/);
    expectError(rawFile(`{"a":${f32(0, 4)},"\\u0061":${f32(4, 8)}}`, eight), /repeats the tensor name "a"/);
    expectError(rawFile(`{"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}`, new Uint8Array(4)), /repeats the key in "a" "dtype"/);
    expectError(rawFile(`{"__metadata__":{"k":"1","k":"2"}}`), /repeats the key in "__metadata__" "k"/);
    assert.equal(findDuplicateKey('{"a":[{"b":1},{"b":2}],"c":"\\"a\\"","d":{"a":1}}'), undefined, 'equal keys in different objects are fine');
    assert.deepEqual(findDuplicateKey('{"x":[1,{"y":{"z":0,"z":1}}]}'), { key: 'z', path: ['x', 'y'] });
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    assert.equal(findDuplicateKey(`{"a":${deep}}`), undefined);
  });

  it('hostile headers get short messages: deep nesting, long names, many dimensions', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const deepObject = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const cases: [string, RegExp][] = [
      [`{"a":${deep}}`, /tensor "a": entry must be an object, got \[\[\[\[\.\.\.\]\]\]\]/],
      [`{"a":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`, /shape must be an array/],
      [`{"a":{"dtype":${deepObject},"shape":[],"data_offsets":[0,0]}}`, /unsupported dtype \{"a":\{"a":\{"a":\{\.\.\.\}\}\}\}/],
      [`{"__metadata__":{"x":${deep}}}`, /"__metadata__"\["x"\] must be a string/],
      [`{"${'n'.repeat(1_000_000)}":[]}`, /tensor "nnnn.*\.\.\.: entry must be an object/],
      [`{"a":{"dtype":"F32","shape":[${Array(MAX_RANK + 1).fill(1).join(',')}],"data_offsets":[0,4]}}`, /shape has 65 dimensions, more than 64/],
    ];
    for (const [header, pattern] of cases) {
      const e = decodeOrReject(rawFile(header, new Uint8Array(4)));
      assert.ok(e instanceof SafetensorsError, pattern.source);
      assert.match(e.message, pattern);
      assert.ok(e.message.length < 300 && !e.message.includes('\n'), `${e.message.length} characters`);
    }
    assert.throws(() => encodeSafetensors({ a: { dtype: 'float32', shape: Array(65).fill(1), data: Float32Array.of(1) } }), /65 dimensions/);
  });

  it('accepts what is valid: empty files, zero-sized tensors sharing an offset, unpadded headers', () => {
    assert.deepEqual(decodeSafetensors(rawFile('{}')), { tensors: {}, metadata: {} });
    const { tensors } = decodeSafetensors(rawFile(`{"a":${f32(0, 0, '[0]')},"b":${f32(0, 0, '[3,0]')},"c":${f32(0, 4)}}`, new Uint8Array(4), { pad: false }));
    assert.deepEqual(tensors['b']!.shape, [3, 0]);
    assert.equal(tensors['b']!.data.length, 0);
    assert.equal(tensors['c']!.data.length, 1);
  });

  it('rejects every truncation of a valid file', () => {
    const file = validFile();
    for (let len = 0; len < file.length; len++) {
      assert.ok(decodeOrReject(file.subarray(0, len)) instanceof SafetensorsError, `prefix of length ${len} was accepted`);
    }
    assert.ok(!(decodeOrReject(file) instanceof SafetensorsError));
  });

  it('survives random bytes, and random bytes behind a plausible header length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, plausible) => {
        if (plausible && bytes.length >= 8) new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length - 8 - (bytes[8] ?? 0) % (bytes.length - 7)), true);
        decodeOrReject(bytes);
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('rejects header lengths past the end of the file or above the cap', () => {
    const file = validFile();
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(file.length - 7), max: 2n ** 64n - 1n }), (n) => {
        const copy = file.slice();
        new DataView(copy.buffer).setBigUint64(0, n, true);
        const result = decodeOrReject(copy);
        assert.ok(result instanceof SafetensorsError);
        assert.match(result.message, n > BigInt(MAX_HEADER_BYTES) ? /exceeds the 100000000-byte limit/ : /runs past the end/);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('survives random headers (arbitrary JSON) over random data', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), fc.uint8Array({ maxLength: 32 }), (header, data) => {
        decodeOrReject(rawFile(header, data));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('mutated headers (offsets, shapes, dtypes) are rejected or decode consistently', () => {
    const file = validFile();
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, Record<string, unknown>>;
    const data = file.subarray(8 + n);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const offsetArb = fc.oneof(fc.integer({ min: -2, max: data.length + 8 }), fc.constantFrom(1.5, 2 ** 53, 1e300, '4', null));
    const mutationArb = fc.record({
      name: fc.constantFrom(...names),
      field: fc.constantFrom('dtype', 'shape', 'data_offsets'),
      dtype: fc.constantFrom<unknown>('F32', 'F64', 'I32', 'F16', 'BF16', 'I64', 'U8', 'BOOL', 'f32', '', 7, null),
      shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 3 }), fc.constantFrom<unknown>(null, 3, [2 ** 60, 2 ** 60])),
      offsets: fc.oneof(fc.tuple(offsetArb, offsetArb), fc.array(offsetArb, { maxLength: 3 })),
    });
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (mutations) => {
        const h = structuredClone(header);
        for (const m of mutations) h[m.name]![m.field] = m.field === 'dtype' ? m.dtype : m.field === 'shape' ? m.shape : m.offsets;
        const result = decodeOrReject(rawFile(JSON.stringify(h), data));
        if (result instanceof SafetensorsError) return;
        let covered = 0;
        for (const [name, t] of Object.entries(result.tensors)) {
          assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
          const half = h[name]!['dtype'] === 'F16' || h[name]!['dtype'] === 'BF16'; // stored in 2 bytes, read as float32
          if (half) assert.equal(t.dtype, 'float32');
          covered += half ? 2 * t.data.length : t.data.byteLength;
        }
        assert.equal(covered, data.length);
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('survives random byte flips in a valid file', () => {
    const file = validFile();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const copy = file.slice();
        for (const [i, v] of flips) copy[i] = v;
        decodeOrReject(copy);
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});
