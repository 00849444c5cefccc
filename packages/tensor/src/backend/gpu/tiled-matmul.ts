/**
 * Batched matmul as a tiled WGSL kernel (tiled-gemm.ts), beside the gpu.js kernel of matmul.ts and
 * with its constants (`matmulConstants`): z is the batch index, A[i, k] = a[offA(z) + i·aI + k·aK],
 * B[k, j] = b[offB(z) + k·bK + j·bJ], C[i, j] = c[z·M·N + i·N + j].
 */
import type { GpuBuffer, GpuEngine } from './engine.ts';
import type { MatmulConstants } from './matmul.ts';
import { runTiled, tiledKernel } from './tiled-gemm.ts';

const shader = tiledKernel('matmul (tiled WGSL)', /* wgsl */ `
struct Params {
  M: u32, N: u32, K: u32, unused: u32,
  aI: u32, aK: u32, bK: u32, bJ: u32,
  // The batch walk, innermost dim first: (size, A's matrix offset step, B's, unused).
  walk: array<vec4<u32>, 6>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

var<private> offA: u32;
var<private> offB: u32;
var<private> offC: u32;

fn setup(z: u32) {
  var rest = z;
  for (var d = 0u; d < 6u; d++) {
    let w = params.walk[d];
    let q = rest / w.x;
    offA += (rest - q * w.x) * w.y;
    offB += (rest - q * w.x) * w.z;
    rest = q;
  }
  offC = z * params.M * params.N;
}
fn kRange(z: u32) -> vec2<u32> { return vec2<u32>(0u, params.K); }
fn rowsOfC() -> u32 { return params.M; }
fn colsOfC() -> u32 { return params.N; }
fn aAlongK() -> bool { return params.aK == 1u; }
fn bAlongK() -> bool { return params.bK == 1u; }
fn loadA(i: u32, k: u32) -> f32 { return a[offA + i * params.aI + k * params.aK]; }
fn loadB(k: u32, j: u32) -> f32 { return b[offB + k * params.bK + j * params.bJ]; }
fn store(i: u32, j: u32, v: f32) { c[offC + i * params.N + j] = v; }
`);

/** C = A·B by the tiled kernel; null where its dispatch does not fit (run the gpu.js kernel). */
export function tiledMatmul(engine: GpuEngine, a: GpuBuffer, b: GpuBuffer, k: MatmulConstants, length: number): GpuBuffer | null {
  const batches = k.M * k.N === 0 ? 0 : length / (k.M * k.N);
  // walk's dims run outermost (0) to innermost (5); the shader walks innermost first.
  const sizes = [k.n5, k.n4, k.n3, k.n2, k.n1, batches / (k.n1 * k.n2 * k.n3 * k.n4 * k.n5)];
  const stepsA = [k.a5, k.a4, k.a3, k.a2, k.a1, k.a0], stepsB = [k.b5, k.b4, k.b3, k.b2, k.b1, k.b0];
  const params = new Uint32Array([k.M, k.N, k.K, 0, k.aI, k.aK, k.bK, k.bJ, ...sizes.flatMap((n, d) => [n, stepsA[d]!, stepsB[d]!, 0])]);
  return runTiled(engine, shader, [a, b], params, k.M, k.N, batches, length);
}
