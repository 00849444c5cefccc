/**
 * A WebAssembly module writer (spec §5.5): one imported memory, functions with their types, and
 * exports. Just enough for generated kernels; sections come out in the order the spec requires.
 */

import type { Code, ValType } from './code.ts';
import { name, section, uleb128, vec } from './encoding.ts';

export interface MemoryImport {
  readonly module: string;
  readonly name: string;
  /** Sizes in 64 KiB pages. */
  readonly initial: number;
  readonly maximum: number;
  readonly shared: boolean;
}

interface FunctionEntry {
  readonly exportName: string | null;
  readonly code: Code;
}

export class ModuleBuilder {
  private readonly functions: FunctionEntry[] = [];

  constructor(private readonly memory: MemoryImport) {}

  /**
   * Add a function and return its index (for `call`). Indices follow the order of `declare`; the
   * body is read only by `toBytes`, so a function may be declared first and its body written later.
   */
  declare(exportName: string | null, code: Code): number {
    this.functions.push({ exportName, code });
    return this.functions.length - 1;
  }

  /** The module's bytes, ready for `new WebAssembly.Module(...)`. */
  toBytes(): Uint8Array<ArrayBuffer> {
    // Type section (1): one `func` type per distinct (params) → (results) signature.
    const typeKeys: string[] = [];
    const typeBytes: number[][] = [];
    const typeIndexOf = (params: readonly ValType[], results: readonly ValType[]): number => {
      const key = `${params.join(',')}>${results.join(',')}`;
      let index = typeKeys.indexOf(key);
      if (index < 0) {
        index = typeKeys.push(key) - 1;
        typeBytes.push([0x60, ...vec(params.map((t) => [t])), ...vec(results.map((t) => [t]))]);
      }
      return index;
    };
    const funcTypes = this.functions.map((f) => typeIndexOf(f.code.params, f.code.results));

    // Import section (2): the memory. Limits flag 0x03 = shared with a maximum, 0x01 = maximum only.
    const m = this.memory;
    const limits = [m.shared ? 0x03 : 0x01, ...uleb128(m.initial), ...uleb128(m.maximum)];
    const memoryImport = [...name(m.module), ...name(m.name), 0x02, ...limits];

    // Function section (3): the type index of each defined function.
    const functionSection = vec(funcTypes.map((t) => uleb128(t)));

    // Export section (7): functions (export kind 0x00) under their names.
    const exports = this.functions.flatMap((f, i) => (f.exportName === null ? [] : [[...name(f.exportName), 0x00, ...uleb128(i)]]));

    // Code section (10): each body, size-prefixed by `Code.encode`.
    const codeSection = vec(this.functions.map((f) => f.code.encode()));

    return new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, // magic "\0asm"
      0x01, 0x00, 0x00, 0x00, // version 1
      ...section(1, vec(typeBytes)),
      ...section(2, vec([memoryImport])),
      ...section(3, functionSection),
      ...section(7, vec(exports)),
      ...section(10, codeSection),
    ]);
  }
}
