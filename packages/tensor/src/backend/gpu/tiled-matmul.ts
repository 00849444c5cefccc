/**
 * Batched matmul as a tiled WGSL kernel (tiled-gemm.ts), beside the gpu.js kernel of matmul.ts and
 * with its constants (`matmulConstants`): z is the batch index, A[i, k] = a[offA(z) + i·aI + k·aK],
 * B[k, j] = b[offB(z) + k·bK + j·bJ], C[i, j] = c[z·M·N + i·N + j]. Where an operand is contiguous
 * along an axis whose length is a multiple of 4, its panels are read four values at a time (one
 * pipeline per pair of panel loads).
 */
import type { GpuBuffer, GpuEngine, WgslSpec } from './engine.ts';
import type { MatmulConstants } from './matmul.ts';
import { runTiled, tiledKernel, type PanelLoad } from './tiled-gemm.ts';

const elementType = (load: PanelLoad) => (load === 'scalar' ? 'f32' : 'vec4<f32>');

/** The shader for one pair of panel loads. A vec4 load's index is a multiple of 4 (see `panelLoads`). */
const shader = (a: PanelLoad, b: PanelLoad): WgslSpec => tiledKernel(`matmul (tiled WGSL, A ${a}, B ${b})`, /* wgsl */ `
struct Params {
  M: u32, N: u32, K: u32, unused: u32,
  aI: u32, aK: u32, bK: u32, bJ: u32,
  // The batch walk, innermost dim first: (size, A's matrix offset step, B's, unused).
  walk: array<vec4<u32>, 6>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<${elementType(a)}>;
@group(0) @binding(2) var<storage, read> b: array<${elementType(b)}>;
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
${a === 'scalar'
    ? 'fn loadA(i: u32, k: u32) -> f32 { return a[offA + i * params.aI + k * params.aK]; }'
    : 'fn loadA4(i: u32, k: u32) -> vec4<f32> { return a[(offA + i * params.aI + k * params.aK) / 4u]; }'}
${b === 'scalar'
    ? 'fn loadB(k: u32, j: u32) -> f32 { return b[offB + k * params.bK + j * params.bJ]; }'
    : 'fn loadB4(k: u32, j: u32) -> vec4<f32> { return b[(offB + k * params.bK + j * params.bJ) / 4u]; }'}
fn store(i: u32, j: u32, v: f32) { c[offC + i * params.N + j] = v; }
`, { a, b });

const shaders = new Map<string, WgslSpec>();
const shaderFor = (a: PanelLoad, b: PanelLoad): WgslSpec => {
  const key = `${a} ${b}`;
  let s = shaders.get(key);
  if (s === undefined) shaders.set(key, (s = shader(a, b)));
  return s;
};

/**
 * How to read A's and B's panels: four at a time along the axis where the operand is contiguous
 * (stride 1) and that axis's length is a multiple of 4, so that every vec4 starts at a multiple of 4
 * (matrix offsets are multiples of M·K and K·N, so they keep that); else one value at a time.
 */
export function panelLoads(k: MatmulConstants): { a: PanelLoad; b: PanelLoad } {
  const a: PanelLoad = k.aK === 1 && k.K % 4 === 0 ? 'vec4-k' : k.aI === 1 && k.M % 4 === 0 ? 'vec4-outer' : 'scalar';
  const b: PanelLoad = k.bJ === 1 && k.N % 4 === 0 ? 'vec4-outer' : k.bK === 1 && k.K % 4 === 0 ? 'vec4-k' : 'scalar';
  return { a, b };
}

/** C = A·B by the tiled kernel; null where its dispatch does not fit (run the gpu.js kernel). */
export function tiledMatmul(engine: GpuEngine, a: GpuBuffer, b: GpuBuffer, k: MatmulConstants, length: number): GpuBuffer | null {
  const batches = k.M * k.N === 0 ? 0 : length / (k.M * k.N);
  // walk's dims run outermost (0) to innermost (5); the shader walks innermost first.
  const sizes = [k.n5, k.n4, k.n3, k.n2, k.n1, batches / (k.n1 * k.n2 * k.n3 * k.n4 * k.n5)];
  const stepsA = [k.a5, k.a4, k.a3, k.a2, k.a1, k.a0], stepsB = [k.b5, k.b4, k.b3, k.b2, k.b1, k.b0];
  const params = new Uint32Array([k.M, k.N, k.K, 0, k.aI, k.aK, k.bK, k.bJ, ...sizes.flatMap((n, d) => [n, stepsA[d]!, stepsB[d]!, 0])]);
  const loads = panelLoads(k);
  return runTiled(engine, shaderFor(loads.a, loads.b), [a, b], params, k.M, k.N, batches, length);
}
