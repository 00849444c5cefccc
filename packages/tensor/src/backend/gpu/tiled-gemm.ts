/**
 * The core of the hand-written WGSL kernels (matmul, and conv2d and its gradients as implicit
 * GEMMs): C = A·B tiled in workgroup memory, where gpu.js's generated code cannot share loads
 * between threads. Each kernel supplies only how to read A[i, k] and B[k, j] and where C[i, j] goes;
 * this file supplies the tiling, written once.
 *
 * A workgroup of 16×16 threads computes a 64×64 tile of C for one `z` (a batch index, a group).
 * For each slab of 16 values of k it loads A's 64×16 and B's 16×64 panel into workgroup memory
 * once, then each thread accumulates a 4×4 block of C (rows ty + 16r, columns tx + 16c) from them:
 * 8 loads per 16 multiply-adds. Each element sums its slab in increasing k in float32, then adds the
 * slab to its total, so rounding grows with 16 + K/16 rather than with K. Index arithmetic is u32.
 */
import type { GpuBuffer, GpuEngine, WgslSpec } from './engine.ts';

/** Rows and columns of C per workgroup. */
export const TILE = 64;
/** Values of k per slab. */
export const DEPTH = 16;
/** WebGPU's guaranteed limit on workgroups per dispatch dimension (maxComputeWorkgroupsPerDimension). */
const MAX_GROUPS = 65535;

/**
 * A tiled kernel from its WGSL `body`, which declares `struct Params` (bound as `params`), the
 * storage bindings 1 and 2 (inputs) and 3 (output), and these functions:
 *   setup(z: u32)          per-workgroup state in private variables
 *   kRange(z) -> vec2<u32> the range [kStart, kStop) of k this z sums over (from params and z only,
 *                          so that WGSL's uniformity analysis lets the k loop hold barriers)
 *   loadA(i, k) -> f32     A[i, k], called only for i < M and kStart ≤ k < kStop
 *   loadB(k, j) -> f32     B[k, j], called only for j < N and kStart ≤ k < kStop
 *   store(i, j, v)         C[i, j] = v, called for i < M, j < N
 *   rowsOfC(), colsOfC()   M and N
 *   aAlongK(), bAlongK()   whether neighbouring threads should load neighbouring k of A (of B):
 *                          true where that operand is contiguous in k, for coalesced reads
 */
export function tiledKernel(name: string, body: string): WgslSpec {
  return {
    name,
    code: /* wgsl */ `
${body}

const TILE: u32 = ${TILE}u;
const DEPTH: u32 = ${DEPTH}u;
var<workgroup> panelA: array<f32, ${TILE * DEPTH}>; // [k][i]
var<workgroup> panelB: array<f32, ${TILE * DEPTH}>; // [k][j]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  setup(group.z);
  let kStart = kRange(group.z).x;
  let kStop = kRange(group.z).y;
  let M = rowsOfC();
  let N = colsOfC();
  let i0 = group.y * TILE;
  let j0 = group.x * TILE;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = kStart; k0 < kStop; k0 += DEPTH) {
    // 256 threads load each 1024-value panel, 4 values apiece; outside A, B or [kStart, kStop), zeros.
    for (var s = 0u; s < 4u; s++) {
      let e = t + 256u * s;
      var i = e % TILE;
      var k = e / TILE;
      if (aAlongK()) { i = e / DEPTH; k = e % DEPTH; }
      var v = 0.0;
      if (i0 + i < M && k0 + k < kStop) { v = loadA(i0 + i, k0 + k); }
      panelA[k * TILE + i] = v;
      var j = e % TILE;
      k = e / TILE;
      if (bAlongK()) { j = e / DEPTH; k = e % DEPTH; }
      v = 0.0;
      if (j0 + j < N && k0 + k < kStop) { v = loadB(k0 + k, j0 + j); }
      panelB[k * TILE + j] = v;
    }
    workgroupBarrier();
    var slab = array<vec4<f32>, 4>(); // explicitly zeroed on every pass
    for (var k = 0u; k < DEPTH; k++) {
      let row = k * TILE + local.y;
      let col = k * TILE + local.x;
      let bs = vec4<f32>(panelB[col], panelB[col + 16u], panelB[col + 32u], panelB[col + 48u]);
      slab[0] += panelA[row] * bs;
      slab[1] += panelA[row + 16u] * bs;
      slab[2] += panelA[row + 32u] * bs;
      slab[3] += panelA[row + 48u] * bs;
    }
    for (var r = 0u; r < 4u; r++) { acc[r] += slab[r]; }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + local.y + 16u * r;
    for (var q = 0u; q < 4u; q++) {
      let j = j0 + local.x + 16u * q;
      if (i < M && j < N) { store(i, j, acc[r][q]); }
    }
  }
}
`,
  };
}

/**
 * Run a tiled kernel over an M×N product for each of `zs` z values, writing `length` outputs;
 * null where the dispatch would pass WebGPU's 65535 workgroups per dimension (the caller then runs
 * its gpu.js kernel).
 */
export function runTiled(engine: GpuEngine, spec: WgslSpec, inputs: readonly GpuBuffer[], params: Uint32Array,
  M: number, N: number, zs: number, length: number): GpuBuffer | null {
  const groups = [Math.ceil(N / TILE), Math.ceil(M / TILE), zs] as const;
  if (groups.some((g) => g > MAX_GROUPS)) return null;
  return engine.launchWgsl(spec, length, inputs, params, groups);
}
