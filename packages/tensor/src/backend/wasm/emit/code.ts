/**
 * A function-body builder: one method per instruction we emit, named after the instruction
 * (`f32x4Add` is `f32x4.add`), with its opcode from the spec (§5.4) beside it. Structured control
 * takes callbacks, so the TypeScript reads like the WebAssembly text format:
 *
 *   c.loop(() => { …; c.localGet(i).i32Const(n).i32LtU().brIf(0); });
 */

import { f32Bytes, f64Bytes, sleb128, uleb128 } from './encoding.ts';

/** Value types (§5.3.1). */
export const i32 = 0x7f, i64 = 0x7e, f32 = 0x7d, f64 = 0x7c, v128 = 0x7b;
export type ValType = typeof i32 | typeof i64 | typeof f32 | typeof f64 | typeof v128;

const SIMD = 0xfd; // prefix of the SIMD-128 instructions, followed by a uleb128 sub-opcode
const MISC = 0xfc; // prefix of the bulk-memory instructions

export class Code {
  readonly bytes: number[] = [];
  /** Types of the locals declared after the parameters, in index order. */
  readonly localTypes: ValType[] = [];

  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[] = []) {}

  /** Declare a new local and return its index. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  /** The finished body: local declarations (run-length grouped by type), instructions, `end`. */
  encode(): number[] {
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...uleb128(groups.length), ...groups.flatMap(([n, t]) => [...uleb128(n), t]), ...this.bytes, 0x0b];
    return [...uleb128(body.length), ...body];
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  private simd(sub: number, ...imm: number[]): this {
    return this.op(SIMD, ...uleb128(sub), ...imm);
  }
  /** memarg: log2 of the alignment hint, then the constant byte offset added to the address. */
  private mem(opcode: number[], offset: number, alignLog2: number): this {
    return this.op(...opcode, ...uleb128(alignLog2), ...uleb128(offset));
  }

  // ── control (§5.4.1) ───────────────────────────────────────────────────────────────
  unreachable(): this { return this.op(0x00); }
  /** `block … end` with no result; `br 0` inside jumps to its end. */
  block(body: () => void): this {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `loop … end` with no result; `br 0` inside jumps back to its start. */
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `if … else … end` on the i32 on the stack. */
  if(then: () => void, otherwise?: () => void): this {
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  /**
   * `while (cond) body`: `block { loop { cond; i32.eqz; br_if 1; body; br 0 } }`. Inside `body`,
   * `br 0` continues and `br 1` breaks (each enclosing `if` or `block` inside adds one to both).
   */
  while(cond: () => void, body: () => void): this {
    return this.block(() => this.loop(() => {
      cond();
      this.i32Eqz().brIf(1);
      body();
      this.br(0);
    }));
  }
  br(depth: number): this { return this.op(0x0c, ...uleb128(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb128(depth)); }
  /** `br_table`: jump to `depths[i]`, or to `fallback` when i is out of range. */
  brTable(depths: readonly number[], fallback: number): this {
    return this.op(0x0e, ...uleb128(depths.length), ...depths.flatMap((d) => uleb128(d)), ...uleb128(fallback));
  }
  return(): this { return this.op(0x0f); }
  call(funcIndex: number): this { return this.op(0x10, ...uleb128(funcIndex)); }
  drop(): this { return this.op(0x1a); }
  select(): this { return this.op(0x1b); }

  // ── locals (§5.4.3) ────────────────────────────────────────────────────────────────
  localGet(i: number): this { return this.op(0x20, ...uleb128(i)); }
  localSet(i: number): this { return this.op(0x21, ...uleb128(i)); }
  localTee(i: number): this { return this.op(0x22, ...uleb128(i)); }

  // ── memory (§5.4.6) ────────────────────────────────────────────────────────────────
  i32Load(offset = 0): this { return this.mem([0x28], offset, 2); }
  i64Load(offset = 0): this { return this.mem([0x29], offset, 3); }
  f32Load(offset = 0): this { return this.mem([0x2a], offset, 2); }
  i32Store(offset = 0): this { return this.mem([0x36], offset, 2); }
  i64Store(offset = 0): this { return this.mem([0x37], offset, 3); }
  f32Store(offset = 0): this { return this.mem([0x38], offset, 2); }
  f64Store(offset = 0): this { return this.mem([0x39], offset, 3); }
  /** `memory.copy` (bulk memory): [dst, src, bytes] → []. */
  memoryCopy(): this { return this.op(MISC, ...uleb128(10), 0x00, 0x00); }
  /** `memory.fill` (bulk memory): [dst, byte, bytes] → []. */
  memoryFill(): this { return this.op(MISC, ...uleb128(11), 0x00); }

  // ── numeric (§5.4.7) ───────────────────────────────────────────────────────────────
  i32Const(v: number): this { return this.op(0x41, ...sleb128(v | 0)); }
  f32Const(v: number): this { return this.op(0x43, ...f32Bytes(v)); }
  i32Eqz(): this { return this.op(0x45); }
  i32Eq(): this { return this.op(0x46); }
  i32Ne(): this { return this.op(0x47); }
  i32LtS(): this { return this.op(0x48); }
  i32LtU(): this { return this.op(0x49); }
  i32GtS(): this { return this.op(0x4a); }
  i32GeS(): this { return this.op(0x4e); }
  i32GeU(): this { return this.op(0x4f); }
  i32LeS(): this { return this.op(0x4c); }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32DivU(): this { return this.op(0x6e); }
  i32RemS(): this { return this.op(0x6f); }
  i32RemU(): this { return this.op(0x70); }
  i32And(): this { return this.op(0x71); }
  i32Shl(): this { return this.op(0x74); }
  f64Const(v: number): this { return this.op(0x44, ...f64Bytes(v)); }
  f32Lt(): this { return this.op(0x5d); }
  f32Abs(): this { return this.op(0x8b); }
  f32Add(): this { return this.op(0x92); }
  f32Sub(): this { return this.op(0x93); }
  f32Mul(): this { return this.op(0x94); }
  f32Div(): this { return this.op(0x95); }
  f32Max(): this { return this.op(0x97); }
  f64Sqrt(): this { return this.op(0x9f); }
  f64Add(): this { return this.op(0xa0); }
  f64Mul(): this { return this.op(0xa2); }
  f64Div(): this { return this.op(0xa3); }
  f32DemoteF64(): this { return this.op(0xb6); }
  f64ConvertI32S(): this { return this.op(0xb7); }
  f64PromoteF32(): this { return this.op(0xbb); }
  f32ReinterpretI32(): this { return this.op(0xbe); }

  // ── SIMD-128 (§5.4.8): 0xFD, then the sub-opcode ────────────────────────────────────
  v128Load(offset = 0): this { return this.mem([SIMD, ...uleb128(0x00)], offset, 4); }
  /** Load one f32 and copy it to all four lanes. */
  v128Load32Splat(offset = 0): this { return this.mem([SIMD, ...uleb128(0x09)], offset, 2); }
  v128Store(offset = 0): this { return this.mem([SIMD, ...uleb128(0x0b)], offset, 4); }
  /** A 128-bit constant given as four f32 lanes. */
  v128ConstF32(lanes: readonly [number, number, number, number]): this {
    return this.simd(0x0c, ...lanes.flatMap(f32Bytes));
  }
  /** `i8x16.shuffle` given as four 32-bit lanes: lane i of the result is lane `lanes[i]` of a‖b (0–7). */
  shuffle32(lanes: readonly [number, number, number, number]): this {
    return this.simd(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  }
  f32x4Splat(): this { return this.simd(0x13); }
  f64x2ExtractLane(lane: number): this { return this.simd(0x21, lane); }
  /** The two low f32 lanes widened to f64. */
  f64x2PromoteLowF32x4(): this { return this.simd(0x5f); }
  f64x2Add(): this { return this.simd(0xf0); }
  f32x4ExtractLane(lane: number): this { return this.simd(0x1f, lane); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  /** IEEE min/max: NaN if either lane is NaN. */
  f32x4Min(): this { return this.simd(0xe8); }
  f32x4Max(): this { return this.simd(0xe9); }
  /** Pseudo-min: b < a ? b : a (one instruction; a NaN in a passes through). */
  f32x4Pmin(): this { return this.simd(0xea); }
  /** Pseudo-max: a < b ? b : a (no NaN propagation from a). */
  f32x4Pmax(): this { return this.simd(0xeb); }
  f32x4Abs(): this { return this.simd(0xe0); }
  f32x4Neg(): this { return this.simd(0xe1); }
  f32x4Sqrt(): this { return this.simd(0xe3); }
  /** Round to nearest, ties to even. */
  f32x4Nearest(): this { return this.simd(0x6a); }
  /** Lane-wise f32 → i32, saturating (NaN → 0). */
  i32x4TruncSatF32x4S(): this { return this.simd(0xf8); }
  i32x4Add(): this { return this.simd(0xae); }
  i32x4Sub(): this { return this.simd(0xb1); }
  /** [v128, i32 count] → v128. */
  i32x4Shl(): this { return this.simd(0xab); }
  i32x4ShrS(): this { return this.simd(0xac); }
  /** A 128-bit constant given as four i32 lanes. */
  v128ConstI32(lanes: readonly [number, number, number, number]): this {
    return this.simd(0x0c, ...lanes.flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]));
  }
}
