/**
 * The core of the hand-written WGSL kernels (matmul, and conv2d and its gradients as implicit
 * GEMMs): C = A·B tiled in workgroup memory, where gpu.js's generated code cannot share loads
 * between threads. Each kernel supplies only how to read A[i, k] and B[k, j] and where C[i, j] goes;
 * this file supplies the tiling, written once.
 *
 * A workgroup of 8×4 threads computes a 32×128 tile of C for one `z` (a batch index, a group).
 * For each slab of 16 values of k it loads A's 32×16 and B's 16×128 panel into workgroup memory
 * once, then each thread accumulates an 8×16 block of C (rows 8·ty + r, columns 16·tx + c) in
 * registers: per k, 2 vec4 loads of A and 4 of B feed 32 vec4 multiply-adds. Few threads with a
 * large register block suit both GPUs and a CPU rasteriser such as llvmpipe, which runs a
 * workgroup's threads as SIMD lanes and pays for every workgroup-memory access and barrier
 * (measured there: 8×8 blocks ran matmul 1024 about 3× faster than 4×4 blocks on 16×16 threads).
 * Each element of C sums over k in increasing order in float32 (fused multiply-adds). Index
 * arithmetic is u32.
 */
import type { GpuBuffer, GpuEngine, WgslSpec } from './engine.ts';

/** Rows and columns of C per workgroup. */
export const TILE_M = 32;
export const TILE_N = 128;
/** Values of k per slab. */
export const DEPTH = 16;
/** Threads per workgroup along C's columns (x) and rows (y), and each one's block of C. */
const THREADS_X = 8, THREADS_Y = 4, THREADS = THREADS_X * THREADS_Y;
const ROWS = TILE_M / THREADS_Y, COLS = TILE_N / THREADS_X;
/** WebGPU's guaranteed limit on workgroups per dispatch dimension (maxComputeWorkgroupsPerDimension). */
const MAX_GROUPS = 65535;

/**
 * How an operand's panel is read from its buffer:
 *   'scalar'      one value per call (`loadA(i, k)`, `loadB(k, j)`); `aAlongK()`/`bAlongK()` say
 *                 whether neighbouring threads should read neighbouring k (true where the operand is
 *                 contiguous in k), for coalesced reads
 *   'vec4-k'      four values consecutive in k per call (`loadA4(i, k)` = A[i, k…k+3], `loadB4(k, j)`
 *                 = B[k…k+3, j]); the kernel binds that operand as array<vec4<f32>>, so k must run in
 *                 steps of 4 from a multiple of 4 and kRange's bounds must be multiples of 4
 *   'vec4-outer'  four values consecutive in i (A[i…i+3, k]) or j (B[k, j…j+3]); M (or N) must be a
 *                 multiple of 4
 *   'factored'    B only: B[k, j] = loadBF(rowInfo(k), colInfo(j)), where each thread computes
 *                 colInfo(j) -> vec4<i32> for its 4 columns once, before the k loop, and rowInfo(k)
 *                 -> vec4<i32> once per k of a slab. For gathers whose index arithmetic (divisions)
 *                 would otherwise be redone for every element: the im2col matrix of a convolution.
 */
export type PanelLoad = 'scalar' | 'vec4-k' | 'vec4-outer' | 'factored';

/** How each operand's panel is read (default: both 'scalar'). */
export interface PanelLoads {
  readonly a?: PanelLoad;
  readonly b?: PanelLoad;
}

/**
 * A tiled kernel from its WGSL `body`, which declares `struct Params` (bound as `params`), the
 * storage bindings 1 and 2 (inputs) and 3 (output), and these functions:
 *   setup(z: u32)          per-workgroup state in private variables
 *   kRange(z) -> vec2<u32> the range [kStart, kStop) of k this z sums over (from params and z only,
 *                          so that WGSL's uniformity analysis lets the k loop hold barriers)
 *   loadA(i, k) -> f32     A[i, k], called only for i < M and kStart ≤ k < kStop   ('scalar' A)
 *   loadB(k, j) -> f32     B[k, j], called only for j < N and kStart ≤ k < kStop   ('scalar' B)
 *   aAlongK(), bAlongK()   see PanelLoad ('scalar' operands)
 *   loadA4, loadB4         see PanelLoad (vec4 operands), called only where all four are inside
 *   colInfo, rowInfo, loadBF   see PanelLoad ('factored' B); loadBF is called only for j < N and
 *                          kStart ≤ k < kStop, colInfo also for the columns past N of an edge tile
 *   store(i, j, v)         C[i, j] = v, called for i < M, j < N
 *   rowsOfC(), colsOfC()   M and N
 * The name must differ between kernels (it keys the engine's pipeline cache).
 */
export function tiledKernel(name: string, body: string, { a = 'scalar', b = 'scalar' }: PanelLoads = {}): WgslSpec {
  if (a === 'factored') throw new Error(`tiledKernel ${name}: only B's panel can be 'factored'`);
  return {
    name,
    code: /* wgsl */ `
${body}

const TILE_M: u32 = ${TILE_M}u;
const TILE_N: u32 = ${TILE_N}u;
const DEPTH: u32 = ${DEPTH}u;
var<workgroup> panelA: array<vec4<f32>, ${(TILE_M / 4) * DEPTH}>; // [k][i / 4]: rows i…i+3 at k
var<workgroup> panelB: array<vec4<f32>, ${(TILE_N / 4) * DEPTH}>; // [k][j / 4]: columns j…j+3 at k

@compute @workgroup_size(${THREADS_X}, ${THREADS_Y})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  setup(group.z);
  let kStart = kRange(group.z).x;
  let kStop = kRange(group.z).y;
  let M = rowsOfC();
  let N = colsOfC();
  let i0 = group.y * TILE_M;
  let j0 = group.x * TILE_N;
  // acc[${COLS / 4}·r + q] holds C[i0 + ${ROWS}·ty + r, j0 + ${COLS}·tx + 4q + (0…3)].
  var acc: array<vec4<f32>, ${(ROWS * COLS) / 4}>;
${b === 'factored' ? `  // The thread's columns of B's panel, t + ${THREADS}q, and what colInfo says of each.
  var colsB: array<vec4<i32>, ${TILE_N / THREADS}>;
${range(TILE_N / THREADS).map((q) => `  colsB[${q}] = colInfo(j0 + t + ${THREADS * q}u);`).join('\n')}` : ''}
  for (var k0 = kStart; k0 < kStop; k0 += DEPTH) {
    // Outside A, B or [kStart, kStop), the panels hold zeros.
${loadPanel('A', a)}
${loadPanel('B', b)}
    workgroupBarrier();
    for (var k = 0u; k < DEPTH; k++) {
${range(COLS / 4).map((q) => `      let b${q} = panelB[k * ${TILE_N / 4}u + local.x * ${COLS / 4}u + ${q}u];`).join('\n')}
${range(ROWS / 4).map((r) => `      let a${r} = panelA[k * ${TILE_M / 4}u + local.y * ${ROWS / 4}u + ${r}u];`).join('\n')}
${range(ROWS).flatMap((r) => range(COLS / 4).map((q) => `      acc[${(r * COLS) / 4 + q}] = fma(vec4<f32>(a${r >> 2}[${r & 3}]), b${q}, acc[${(r * COLS) / 4 + q}]);`)).join('\n')}
    }
    workgroupBarrier();
  }
  // Unrolled, so that acc is only ever indexed by constants and stays in registers.
${range(ROWS).map((r) => `  if (i0 + local.y * ${ROWS}u + ${r}u < M) {
    let i = i0 + local.y * ${ROWS}u + ${r}u;
    let j = j0 + local.x * ${COLS}u;
${range(COLS).map((c) => `    if (j + ${c}u < N) { store(i, j + ${c}u, acc[${(r * COLS) / 4 + (c >> 2)}].${'xyzw'[c & 3]}); }`).join('\n')}
  }`).join('\n')}
}
`,
  };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * WGSL that fills panel `X` (A: 32 rows i × 16 k; B: 16 k × 128 columns j) for the slab at k0, the
 * 32 threads sharing the loads; `o` is the panel's outer index (i for A, j for B). The loops run
 * from the thread's index rather than over a fixed count: on llvmpipe that form measured 1.8× faster
 * on matmul 1024 (the fixed count is unrolled into a long run of scattered stores).
 */
function loadPanel(X: 'A' | 'B', load: PanelLoad): string {
  const outerSize = X === 'A' ? TILE_M : TILE_N, base = X === 'A' ? 'i0' : 'j0', bound = X === 'A' ? 'M' : 'N';
  const row = outerSize / 4; // vec4s per k in the panel
  const read = (o: string, k: string, fn = `load${X}`) => (X === 'A' ? `${fn}(${o}, ${k})` : `${fn}(${k}, ${o})`);
  const inside = (o: string, k: string) => `${base} + ${o} < ${bound} && k0 + ${k} < kStop`;
  switch (load) {
    case 'scalar': return `
    for (var e = t; e < ${outerSize * DEPTH}u; e += ${THREADS}u) {
      var o = e % ${outerSize}u;
      var k = e / ${outerSize}u;
      if (${X === 'A' ? 'aAlongK()' : 'bAlongK()'}) { o = e / DEPTH; k = e % DEPTH; }
      var v = 0.0;
      if (${inside('o', 'k')}) { v = ${read(`${base} + o`, 'k0 + k')}; }
      panel${X}[k * ${row}u + o / 4u][o % 4u] = v;
    }`;
    case 'vec4-k': return `
    for (var e = t; e < ${(outerSize * DEPTH) / 4}u; e += ${THREADS}u) {
      let o = e / ${DEPTH / 4}u;
      let k = 4u * (e % ${DEPTH / 4}u);
      var v = vec4<f32>(0.0);
      if (${inside('o', 'k')}) { v = ${read(`${base} + o`, 'k0 + k', `load${X}4`)}; }
${range(4).map((c) => `      panel${X}[(k + ${c}u) * ${row}u + o / 4u][o % 4u] = v.${'xyzw'[c]};`).join('\n')}
    }`;
    case 'vec4-outer': return `
    for (var e = t; e < ${(outerSize * DEPTH) / 4}u; e += ${THREADS}u) {
      let o = 4u * (e % ${row}u);
      let k = e / ${row}u;
      var v = vec4<f32>(0.0);
      if (${inside('o', 'k')}) { v = ${read(`${base} + o`, 'k0 + k', `load${X}4`)}; }
      panel${X}[k * ${row}u + o / 4u] = v;
    }`;
    case 'factored': return `
    for (var k = 0u; k < DEPTH; k++) {
      let inK = k0 + k < kStop;
      var rk = vec4<i32>(0);
      if (inK) { rk = rowInfo(k0 + k); }
${range(TILE_N / THREADS).map((q) => `      {
        var v = 0.0;
        if (inK && j0 + t + ${THREADS * q}u < N) { v = loadBF(rk, colsB[${q}]); }
        panelB[k * ${row}u + (t + ${THREADS * q}u) / 4u][(t + ${THREADS * q}u) % 4u] = v;
      }`).join('\n')}
    }`;
    default: throw new Error(`tiledKernel: unknown panel load ${String(load satisfies never)}`);
  }
}

/**
 * Run a tiled kernel over an M×N product for each of `zs` z values, writing `length` outputs;
 * null where the dispatch would pass WebGPU's 65535 workgroups per dimension (the caller then runs
 * its gpu.js kernel).
 */
export function runTiled(engine: GpuEngine, spec: WgslSpec, inputs: readonly GpuBuffer[], params: Uint32Array,
  M: number, N: number, zs: number, length: number): GpuBuffer | null {
  const groups = [Math.ceil(N / TILE_N), Math.ceil(M / TILE_M), zs] as const;
  if (groups.some((g) => g > MAX_GROUPS)) return null;
  return engine.launchWgsl(spec, length, inputs, params, groups);
}
