/**
 * conv2d and its two gradients as implicit GEMMs on the tiled WGSL kernel (tiled-gemm.ts), beside
 * the gpu.js gather kernels of conv2d.ts and with their constants (`convConstants`, the same
 * symbols). The im2col matrix X̂[(c, a, b), (n, i, j)] = x[n, g·cg + c, i·s_H − p_H + a·d_H,
 * j·s_W − p_W + b·d_W] (0 in the padding) is never stored: B's panel loads gather it. Per group g (z):
 *
 *   conv2d            y[n, g·og + o, i, j] = Σ_r  W_g[o, r] · X̂[r, (n, i, j)]          M = og, N = N·H'·W', K = cg·kH·kW
 *   conv2dInputGrad   dx[n, g·cg + c, h, w] = Σ_(m,a,b) W_g[m, (c, a, b)] · D̂[(m, a, b), (n, h, w)]
 *                     D̂ = dy[n, g·og + m, (h + p_H − a·d_H)/s_H, (w + p_W − b·d_W)/s_W] where both are
 *                     exact non-negative integers inside H'×W', else 0      M = cg, N = N·H·W, K = og·kH·kW
 *   conv2dWeightGrad  dW[g·og + o, r] = Σ_(n,i,j) dy[n, g·og + o, i, j] · X̂[r, (n, i, j)]   M = og, N = cg·kH·kW, K = N·H'·W'
 *
 * The weight gradient's K is long and its M×N small, so it is split in k into `splits` partial
 * products (z = split·G + g), summed by a gpu.js kernel in conv2d.ts.
 */
import { MAX_ELEMENTS, type GpuBuffer, type GpuEngine } from './engine.ts';
import type { ConvConstants } from './conv2d.ts';
import { DEPTH, runTiled, tiledKernel, TILE_M, TILE_N } from './tiled-gemm.ts';

/** The params block: `convConstants`' fields in this order, then the groups and the k per split. */
const fields = ['N', 'C', 'H', 'W', 'O', 'kH', 'kW', 'oH', 'oW', 'cg', 'og', 'sH', 'sW', 'pH', 'pW', 'dH', 'dW'] as const satisfies readonly (keyof ConvConstants)[];

const header = /* wgsl */ `
struct Params { ${fields.map((f) => `${f}: u32`).join(', ')}, groups: u32, kPerSplit: u32, unused: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> in1: array<f32>;
@group(0) @binding(2) var<storage, read> in2: array<f32>;
@group(0) @binding(3) var<storage, read_write> outBuf: array<f32>;
var<private> g: u32;

// X̂[(c, a, b), (n, i, j)] of x = in1 (conv2d, conv2dWeightGrad).
fn im2col(r: u32, col: u32) -> f32 {
  let taps = params.kH * params.kW;
  let c = r / taps;
  let a = (r - c * taps) / params.kW;
  let b = r - c * taps - a * params.kW;
  let pixels = params.oH * params.oW;
  let n = col / pixels;
  let i = (col - n * pixels) / params.oW;
  let j = col - n * pixels - i * params.oW;
  let y = i32(i * params.sH + a * params.dH) - i32(params.pH);
  let x = i32(j * params.sW + b * params.dW) - i32(params.pW);
  if (y < 0 || y >= i32(params.H) || x < 0 || x >= i32(params.W)) { return 0.0; }
  return in1[((n * params.C + g * params.cg + c) * params.H + u32(y)) * params.W + u32(x)];
}
`;

const forward = tiledKernel('conv2d (tiled WGSL)', /* wgsl */ `${header}
fn setup(z: u32) { g = z; }
fn kRange(z: u32) -> vec2<u32> { return vec2<u32>(0u, params.cg * params.kH * params.kW); }
fn rowsOfC() -> u32 { return params.og; }
fn colsOfC() -> u32 { return params.N * params.oH * params.oW; }
fn aAlongK() -> bool { return true; }
fn loadA(o: u32, r: u32) -> f32 { return in2[(g * params.og + o) * params.cg * params.kH * params.kW + r]; }
// X̂[(c, a, b), (n, i, j)] factored: per column, x's offset of [n, g·cg] and the window's corner
// (i·s_H − p_H, j·s_W − p_W); per row, the channel's offset and the tap's (a·d_H, b·d_W).
fn colInfo(col: u32) -> vec4<i32> {
  let pixels = params.oH * params.oW;
  let n = col / pixels;
  let i = (col - n * pixels) / params.oW;
  let j = col - n * pixels - i * params.oW;
  return vec4<i32>(i32((n * params.C + g * params.cg) * params.H * params.W), i32(i * params.sH) - i32(params.pH), i32(j * params.sW) - i32(params.pW), 0);
}
fn rowInfo(r: u32) -> vec4<i32> {
  let taps = params.kH * params.kW;
  let c = r / taps;
  let a = (r - c * taps) / params.kW;
  let b = r - c * taps - a * params.kW;
  return vec4<i32>(i32(c * params.H * params.W), i32(a * params.dH), i32(b * params.dW), 0);
}
fn loadBF(row: vec4<i32>, col: vec4<i32>) -> f32 {
  let y = col.y + row.y;
  let x = col.z + row.z;
  if (y < 0 || y >= i32(params.H) || x < 0 || x >= i32(params.W)) { return 0.0; }
  return in1[u32(col.x + row.x + y * i32(params.W) + x)];
}
fn store(o: u32, col: u32, v: f32) {
  let pixels = params.oH * params.oW;
  let n = col / pixels;
  outBuf[(n * params.O + g * params.og + o) * pixels + col - n * pixels] = v;
}
`, { b: 'factored' });

const inputGrad = tiledKernel('conv2dInputGrad (tiled WGSL)', /* wgsl */ `${header}
fn setup(z: u32) { g = z; }
fn kRange(z: u32) -> vec2<u32> { return vec2<u32>(0u, params.og * params.kH * params.kW); }
fn rowsOfC() -> u32 { return params.cg; }
fn colsOfC() -> u32 { return params.N * params.H * params.W; }
fn aAlongK() -> bool { return true; }
// W_g[m, (c, a, b)] with k = (m, a, b); w = in2.
fn loadA(c: u32, k: u32) -> f32 {
  let taps = params.kH * params.kW;
  let m = k / taps;
  return in2[((g * params.og + m) * params.cg + c) * taps + k - m * taps];
}
// D̂[(m, a, b), (n, h, w)] of dy = in1, factored: per column, dy's offset of [n, g·og] and
// (h + p_H, w + p_W); per row, the channel's offset and the tap's (a·d_H, b·d_W).
fn colInfo(col: u32) -> vec4<i32> {
  let pixels = params.H * params.W;
  let n = col / pixels;
  let h = (col - n * pixels) / params.W;
  let w = col - n * pixels - h * params.W;
  return vec4<i32>(i32((n * params.O + g * params.og) * params.oH * params.oW), i32(h + params.pH), i32(w + params.pW), 0);
}
fn rowInfo(k: u32) -> vec4<i32> {
  let taps = params.kH * params.kW;
  let m = k / taps;
  let a = (k - m * taps) / params.kW;
  let b = k - m * taps - a * params.kW;
  return vec4<i32>(i32(m * params.oH * params.oW), i32(a * params.dH), i32(b * params.dW), 0);
}
fn loadBF(row: vec4<i32>, col: vec4<i32>) -> f32 {
  let di = col.y - row.y;
  let dj = col.z - row.z;
  if (di < 0 || dj < 0) { return 0.0; }
  var i = u32(di);
  var j = u32(dj);
  if (params.sH != 1u || params.sW != 1u) {
    i = i / params.sH;
    j = j / params.sW;
    if (i * params.sH != u32(di) || j * params.sW != u32(dj)) { return 0.0; }
  }
  if (i >= params.oH || j >= params.oW) { return 0.0; }
  return in1[u32(col.x + row.x) + i * params.oW + j];
}
fn store(c: u32, col: u32, v: f32) {
  let pixels = params.H * params.W;
  let n = col / pixels;
  outBuf[(n * params.C + g * params.cg + c) * pixels + col - n * pixels] = v;
}
`, { b: 'factored' });

const weightGrad = tiledKernel('conv2dWeightGrad (tiled WGSL)', /* wgsl */ `${header}
var<private> split: u32;
fn setup(z: u32) {
  g = z % params.groups;
  split = z / params.groups;
}
fn kRange(z: u32) -> vec2<u32> {
  let start = z / params.groups * params.kPerSplit;
  return vec2<u32>(start, min(start + params.kPerSplit, params.N * params.oH * params.oW));
}
fn rowsOfC() -> u32 { return params.og; }
fn colsOfC() -> u32 { return params.cg * params.kH * params.kW; }
fn aAlongK() -> bool { return true; }
fn bAlongK() -> bool { return true; }
// dy[n, g·og + o, i, j] with k = (n, i, j); dy = in2.
fn loadA(o: u32, k: u32) -> f32 {
  let pixels = params.oH * params.oW;
  let n = k / pixels;
  return in2[(n * params.O + g * params.og + o) * pixels + k - n * pixels];
}
fn loadB(k: u32, r: u32) -> f32 { return im2col(r, k); }
// Split s's partial dW, at s·O·cg·kH·kW + the element's offset.
fn store(o: u32, r: u32, v: f32) {
  let size = params.cg * params.kH * params.kW;
  outBuf[(split * params.O + g * params.og + o) * size + r] = v;
}
`);

function paramsOf(k: ConvConstants, groups: number, kPerSplit = 0): Uint32Array {
  return new Uint32Array([...fields.map((f) => k[f]), groups, kPerSplit, 0]);
}

export function tiledConv2d(engine: GpuEngine, x: GpuBuffer, w: GpuBuffer, k: ConvConstants, length: number): GpuBuffer | null {
  const groups = k.O / k.og;
  return runTiled(engine, forward, [x, w], paramsOf(k, groups), k.og, k.N * k.oH * k.oW, groups, length);
}

export function tiledConv2dInputGrad(engine: GpuEngine, dy: GpuBuffer, w: GpuBuffer, k: ConvConstants, length: number): GpuBuffer | null {
  const groups = k.C / k.cg;
  return runTiled(engine, inputGrad, [dy, w], paramsOf(k, groups), k.cg, k.N * k.H * k.W, groups, length);
}

/**
 * The weight gradient in `splits` partial sums [splits, O, cg, kH, kW] (to be summed over the first
 * dim): enough splits for about 256 workgroups, each at least 256 values of k.
 */
export function tiledConv2dWeightGradSplits(engine: GpuEngine, x: GpuBuffer, dy: GpuBuffer, k: ConvConstants, length: number): { partial: GpuBuffer; splits: number } | null {
  const groups = k.O / k.og, K = k.N * k.oH * k.oW;
  const tiles = Math.ceil(k.og / TILE_M) * Math.ceil((k.cg * k.kH * k.kW) / TILE_N) * groups;
  const wanted = Math.max(1, Math.min(Math.ceil(256 / tiles), Math.floor(K / 256)));
  const most = Math.max(1, Math.floor(MAX_ELEMENTS / length)); // the partials are one tensor
  const kPerSplit = Math.max(DEPTH, Math.ceil(K / Math.min(wanted, most) / DEPTH) * DEPTH), splits = Math.max(1, Math.ceil(K / kPerSplit));
  const partial = runTiled(engine, weightGrad, [x, dy], paramsOf(k, groups, kPerSplit), k.og, k.cg * k.kH * k.kW, splits * groups, splits * length);
  return partial === null ? null : { partial, splits };
}
