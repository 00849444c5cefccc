/**
 * Generated SIMD kernels for float32 add, sub, mul and div of two operands of the same length:
 * `binary_<code>(a, b, dst, n)`, four lanes at a time. On this machine V8's scalar loop over typed
 * arrays costs 2–3 ns an element (bounds checks, float32 ↔ float64), where the copies into and out
 * of the heap run at memcpy speed (bench/README.md, "2026-12-06, late"), so a large elementwise sum
 * is faster on the engine, copies included. The results are the js loop's bit for bit: a float32
 * operation is correctly rounded, and so is the float64 one rounded to float32 (53 ≥ 2·24 + 2 bits).
 * Lengths are rounded up to whole vectors, as in unary-kernel.ts (heap blocks are whole 64 bytes).
 */

import type { BinaryCode } from '../kernels.ts';
import { kernel, type KernelDescriptor } from './commands.ts';
import { Code, i32 } from './emit/code.ts';

/** The codes with a generated kernel. */
export const nativeBinaryCodes = ['add', 'sub', 'mul', 'div'] as const satisfies readonly BinaryCode[];
export type NativeBinaryCode = (typeof nativeBinaryCodes)[number];

function binaryBody(code: NativeBinaryCode): Code {
  const c = new Code([i32, i32, i32, i32]);
  const [a, b, dst, count] = [0, 1, 2, 3];
  const i = c.local(i32), end = c.local(i32);
  c.localGet(count).i32Const(4).i32Mul().localSet(end);
  c.while(() => c.localGet(i).localGet(end).i32LtS(), () => {
    c.localGet(dst).localGet(i).i32Add(); // store address, under the result
    c.localGet(a).localGet(i).i32Add().v128Load().localGet(b).localGet(i).i32Add().v128Load();
    switch (code) {
      case 'add': c.f32x4Add(); break;
      case 'sub': c.f32x4Sub(); break;
      case 'mul': c.f32x4Mul(); break;
      case 'div': c.f32x4Div(); break;
      default: { const never: never = code; throw new Error(`binary kernel: ${String(never)}`); }
    }
    c.v128Store();
    c.localGet(i).i32Const(16).i32Add().localSet(i);
  });
  return c;
}

const binaryKernel = (code: NativeBinaryCode) =>
  kernel({ name: `binary_${code}`, params: ['a', 'b', 'dst', 'n'], emit: ({ mod }) => mod.declare(`binary_${code}`, binaryBody(code)) });
/** binary_<code>(a, b, dst, n) for every native code. */
export const binaryKernels = Object.fromEntries(nativeBinaryCodes.map((code) => [code, binaryKernel(code)])) as
  Record<NativeBinaryCode, KernelDescriptor<'a' | 'b' | 'dst' | 'n'>>;
