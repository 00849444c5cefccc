/**
 * Batched matmul as a hand-written WGSL shader tiled in workgroup memory, beside the gpu.js kernel
 * of matmul.ts (whose generated code cannot share loads between threads). Same contract, same
 * constants (`matmulConstants`): the two differ only in who loads what.
 *
 * A workgroup of 16×16 threads computes a 64×64 tile of C for one batch index. For each slab of 16
 * values of k it loads A's 64×16 and B's 16×64 panel into workgroup memory once, then each thread
 * accumulates a 4×4 block of C (rows ty + 16r, columns tx + 16c) from them: 8 loads per 16
 * multiply-adds instead of 2 per 1. Each element is still summed in increasing k, in float32.
 * Index arithmetic is u32, so it is exact (the gpu.js kernel's floats are exact below 2²⁴ too).
 */
import type { GpuBuffer, GpuEngine, WgslSpec } from './engine.ts';
import type { MatmulConstants } from './matmul.ts';

/** Rows and columns of C per workgroup, and values of k per slab. */
const TILE = 64, DEPTH = 16;
/** WebGPU's guaranteed limit on workgroups per dispatch dimension (maxComputeWorkgroupsPerDimension). */
const MAX_GROUPS = 65535;

const shader: WgslSpec = {
  name: 'matmul (tiled WGSL)',
  code: /* wgsl */ `
struct Params {
  M: u32, N: u32, K: u32, pad: u32,
  aI: u32, aK: u32, bK: u32, bJ: u32,
  // The batch walk, innermost dim first: (size, A's matrix offset step, B's, unused).
  walk: array<vec4<u32>, 6>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const TILE: u32 = ${TILE}u;
const DEPTH: u32 = ${DEPTH}u;
var<workgroup> panelA: array<f32, ${TILE * DEPTH}>; // [k][i]
var<workgroup> panelB: array<f32, ${TILE * DEPTH}>; // [k][j]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let M = params.M;
  let N = params.N;
  let K = params.K;
  // The batch index's matrix offsets in A and B (0 along broadcast dims).
  var rest = group.z;
  var offA = 0u;
  var offB = 0u;
  for (var d = 0u; d < 6u; d++) {
    let w = params.walk[d];
    let q = rest / w.x;
    offA += (rest - q * w.x) * w.y;
    offB += (rest - q * w.x) * w.z;
    rest = q;
  }
  let i0 = group.y * TILE;
  let j0 = group.x * TILE;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < K; k0 += DEPTH) {
    // 256 threads load each 1024-value panel, 4 values apiece, neighbours reading neighbouring
    // addresses (along k where that is the operand's contiguous dim); outside A, B or K, zeros.
    for (var s = 0u; s < 4u; s++) {
      let e = t + 256u * s;
      var i = e % TILE;
      var k = e / TILE;
      if (params.aK == 1u) { i = e / DEPTH; k = e % DEPTH; }
      var v = 0.0;
      if (i0 + i < M && k0 + k < K) { v = a[offA + (i0 + i) * params.aI + (k0 + k) * params.aK]; }
      panelA[k * TILE + i] = v;
      var j = e % TILE;
      k = e / TILE;
      if (params.bK == 1u) { j = e / DEPTH; k = e % DEPTH; }
      v = 0.0;
      if (j0 + j < N && k0 + k < K) { v = b[offB + (k0 + k) * params.bK + (j0 + j) * params.bJ]; }
      panelB[k * TILE + j] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < DEPTH; kk++) {
      let row = kk * TILE + local.y;
      let col = kk * TILE + local.x;
      let bs = vec4<f32>(panelB[col], panelB[col + 16u], panelB[col + 32u], panelB[col + 48u]);
      acc[0] += panelA[row] * bs;
      acc[1] += panelA[row + 16u] * bs;
      acc[2] += panelA[row + 32u] * bs;
      acc[3] += panelA[row + 48u] * bs;
    }
    workgroupBarrier();
  }
  let base = group.z * M * N;
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + local.y + 16u * r;
    for (var q = 0u; q < 4u; q++) {
      let j = j0 + local.x + 16u * q;
      if (i < M && j < N) { c[base + i * N + j] = acc[r][q]; }
    }
  }
}
`,
};

/**
 * C = A·B by the tiled shader, with the constants of the gpu.js kernel; null where the dispatch
 * would pass WebGPU's 65535 workgroups per dimension (the caller then runs the gpu.js kernel).
 */
export function tiledMatmul(engine: GpuEngine, a: GpuBuffer, b: GpuBuffer, k: MatmulConstants, length: number): GpuBuffer | null {
  const batches = k.M * k.N === 0 ? 0 : length / (k.M * k.N);
  const groups = [Math.ceil(k.N / TILE), Math.ceil(k.M / TILE), batches] as const;
  if (groups.some((g) => g > MAX_GROUPS)) return null;
  // walk's dims run outermost (0) to innermost (5); the shader walks innermost first.
  const sizes = [k.n5, k.n4, k.n3, k.n2, k.n1, batches / (k.n1 * k.n2 * k.n3 * k.n4 * k.n5)];
  const stepsA = [k.a5, k.a4, k.a3, k.a2, k.a1, k.a0], stepsB = [k.b5, k.b4, k.b3, k.b2, k.b1, k.b0];
  const params = new Uint32Array([k.M, k.N, k.K, 0, k.aI, k.aK, k.bK, k.bJ, ...sizes.flatMap((n, d) => [n, stepsA[d]!, stepsB[d]!, 0])]);
  return engine.launchWgsl(shader, length, [a, b], params, groups);
}
