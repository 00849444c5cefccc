export { uleb128, sleb128, f32Bytes, name, vec, section } from './encoding.ts';
export { Code, i32, i64, f32, f64, v128 } from './code.ts';
export type { ValType } from './code.ts';
export { ModuleBuilder } from './module.ts';
export type { MemoryImport } from './module.ts';
