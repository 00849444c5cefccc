// The playground in a real browser: Debian's chromium driven by playwright-core (no browser
// download). The page is built by Vite from the built packages and served by `vite preview` with the
// isolation headers; on each engine Chromium offers, a fixed-seed Heun run must equal the Node run of
// the same model, sampler and seed (one `sampleHeun` call) within float32 rounding. A second Chromium
// without WebGPU runs the gpu backend on WebGL2: parity.html's kernels against js, and the playground.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { noGrad } from '@diffusion-ts/tensor';
import { sampleEdmStochastic, sampleHeun } from '@diffusion-ts/diffusion';
import { assertBuilt, root } from '../../../test/built.ts';
import { chromiumArgs, chromiumPath, pageDir, servePlayground, type Served } from './chromium.ts';
import { loadModel } from './network.ts';
import type { ModelCard } from './model-card.ts';
import { initialNoise } from './reverse.ts';
import type { RunRecord } from './main.ts';
import type { ParityReport } from './parity/page.ts';

/** Screenshots and the engines Chromium offered (out/ is git-ignored). */
const outDir = join(root, 'out', 'playground');

/** The Node result of the page's run: the whole schedule in one library sampler call, on Node's default engine (wasm). */
function nodeSamples(name: string, o: { sampler: 'heun' | 'edm'; steps: number; seed: number; n: number; label?: number; scale?: number; churn?: number }): Float32Array {
  const card = JSON.parse(readFileSync(join(pageDir, 'public', 'models', `${name}.json`), 'utf8')) as ModelCard;
  const model = loadModel(card, readFileSync(join(pageDir, 'public', 'models', `${name}.safetensors`)));
  const sigmas = model.sigmas(o.steps);
  const { x, gens } = initialNoise({ seed: o.seed, n: o.n, sampleShape: model.sampleShape, sigmas });
  const D = model.denoiser({ n: o.n, label: o.label, scale: o.scale });
  const out = noGrad(() =>
    o.sampler === 'heun' ? sampleHeun(D, x, sigmas) : sampleEdmStochastic(D, x, sigmas, { sChurn: o.churn!, sTmin: 0.05, sTmax: 50, sNoise: 1.003, noise: gens }),
  );
  return out.dataSync() as Float32Array;
}

/** Largest |a − b| / (1 + |b|). */
function maxRelDiff(a: readonly number[], b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return worst;
}

/** Float32 results of engines that sum in different orders: ~2⁻²³ per operation, through up to 35 network evaluations. */
const TOLERANCE = 1e-4;

/** Choose engine and model in the page, set the controls, press Sample, wait for the run. */
async function run(page: Page, o: { engine: string; model: string; sampler: string; steps: number; seed: number; label?: number; scale?: number; churn?: number }): Promise<RunRecord> {
  const idle = () => page.waitForFunction(() => (globalThis as unknown as { playground: { busy: boolean } }).playground.busy === false, null, { timeout: 120_000 });
  if ((await page.inputValue('#engine')) !== o.engine) {
    await page.selectOption('#engine', o.engine);
    await idle();
  }
  if ((await page.inputValue('#model')) !== o.model) {
    await page.selectOption('#model', o.model);
    await idle();
  }
  await page.selectOption('#sampler', o.sampler);
  await page.fill('#steps', String(o.steps));
  await page.fill('#seed', String(o.seed));
  if (o.label !== undefined) await page.selectOption('#class', String(o.label));
  if (o.scale !== undefined) await page.fill('#guidance', String(o.scale));
  if (o.churn !== undefined) await page.fill('#churn', String(o.churn));
  const before = await page.evaluate(() => (globalThis as unknown as { playground: { lastRun: RunRecord | null } }).playground.lastRun?.id ?? 0);
  // On WebGL2 the first step compiles its shaders synchronously, inside the click's handler: the click waits for it.
  await page.click('#sample', { timeout: 300_000 });
  await page.waitForFunction((id) => ((globalThis as unknown as { playground: { lastRun: RunRecord | null } }).playground.lastRun?.id ?? 0) > id, before, { timeout: 300_000 });
  return page.evaluate(() => (globalThis as unknown as { playground: { lastRun: RunRecord } }).playground.lastRun);
}

/** Pixels of a canvas that are not background white. */
const inked = (page: Page, id: string): Promise<number> =>
  page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let count = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! < 240 || d[i + 1]! < 240 || d[i + 2]! < 240) count++;
    return count;
  }, id);

/** Open parity.html (`query` chooses the engine) and wait for its report. */
async function parityReport(browser: Browser, url: string): Promise<{ report: ParityReport; console: string[] }> {
  const page = await browser.newPage();
  const messages: string[] = [];
  page.on('console', (m) => void messages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => void messages.push(`pageerror: ${String(e)}`));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as { parity?: ParityReport }).parity?.done === true, null, { timeout: 300_000 });
  const report = await page.evaluate(() => (globalThis as unknown as { parity: ParityReport }).parity);
  await page.close();
  return { report, console: messages };
}

/** The report says the gpu backend ran on WebGL2 and agreed with js on every case, every kernel called. */
function assertParity(report: ParityReport, t: { diagnostic(message: string): void }): void {
  assert.equal(report.error, null);
  assert.equal(report.info?.engine, 'webgl2');
  assert.match(report.device, /^webgl2: ./);
  assert.ok(report.cases.length >= 60, `${report.cases.length} cases`);
  assert.deepEqual(report.cases.flatMap((c) => c.mismatches), []);
  assert.deepEqual(report.uncalled, [], 'kernels of the contract that no case called');
  t.diagnostic(`${report.device}: ${report.cases.length} cases agree with js`);
}

describe('the playground in Chromium', { skip: chromiumPath === undefined && 'chromium is not installed (apt-get install chromium)' }, () => {
  let server: Served;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let engines: string[] = [];

  before(async () => {
    assertBuilt();
    server = await servePlayground();
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as { playground?: { busy: boolean } }).playground?.busy === false, null, { timeout: 60_000 });
    engines = await page.evaluate(() => (globalThis as unknown as { playground: { engines: string[] } }).playground.engines);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'engines.json'), `${JSON.stringify({ chromium: browser.version(), engines }, null, 2)}\n`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('offers js and wasm on one thread and on Web Workers (the page is cross-origin isolated)', async () => {
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    assert.ok(engines.includes('js') && engines.includes('wasm-1'), `engines: ${engines.join(', ')}`);
    assert.ok(engines.some((e) => /^wasm-[2-8]$/.test(e)), `engines: ${engines.join(', ')}`);
  });

  it('offers the gpu backend on WebGPU (here Chromium\'s SwiftShader adapter, --enable-unsafe-webgpu)', async () => {
    assert.ok(engines.includes('gpu'), `engines: ${engines.join(', ')}; navigator.gpu: ${await page.evaluate(() => 'gpu' in navigator)}`);
    const label = await page.evaluate(() => Array.from(document.querySelectorAll('#engine option')).find((o) => (o as HTMLOptionElement).value === 'gpu')?.textContent ?? '');
    assert.match(label, /^gpu \(webgpu: .+\)$/);
  });

  it('Heun on the 2-D model equals the Node run on every engine, and draws', async (t) => {
    const want = nodeSamples('swiss-roll', { sampler: 'heun', steps: 18, seed: 7, n: 500 });
    for (const engine of engines) {
      const got = await run(page, { engine, model: 'swiss-roll', sampler: 'heun', steps: 18, seed: 7 });
      assert.equal(got.completed, true);
      assert.equal(got.engine, engine);
      const diff = maxRelDiff(got.x, want);
      t.diagnostic(`${engine}: max |browser − node| / (1 + |node|) = ${diff.toExponential(2)}; ${got.msPerStep.toFixed(1)} ms per step`);
      assert.ok(diff <= TOLERANCE, `${engine}: max relative difference ${diff} to the Node result`);
      assert.ok((await inked(page, 'x0')) > 500, `${engine}: the x̂₀ canvas is blank`);
      assert.ok((await inked(page, 'xt')) > 500 && (await inked(page, 'schedule')) > 200);
      await page.screenshot({ path: join(outDir, `swiss-roll-${engine}.png`) });
    }
  });

  it('Stop ends a run between steps (the screenshot for the README: x_t and x̂₀ halfway)', async () => {
    type Api = { playground: { lastRun: RunRecord | null } };
    const before = await page.evaluate(() => (globalThis as unknown as Api).playground.lastRun?.id ?? 0);
    await page.fill('#steps', '40');
    await page.click('#sample');
    await page.waitForFunction(() => /^step 14\//.test(document.getElementById('timing')!.textContent ?? ''), null, { timeout: 120_000 });
    await page.click('#stop');
    await page.waitForFunction((id) => ((globalThis as unknown as Api).playground.lastRun?.id ?? 0) > id, before, { timeout: 60_000 });
    const stopped = await page.evaluate(() => (globalThis as unknown as Api).playground.lastRun!);
    assert.equal(stopped.completed, false);
    await page.screenshot({ path: join(outDir, 'playground.png') });
  });

  it('EDM stochastic sampling with guidance on the conditional shapes model equals the Node run', async (t) => {
    const engine = engines.at(-1)!;
    const o = { sampler: 'edm' as const, steps: 8, seed: 3, label: 1, scale: 2, churn: 30 };
    const want = nodeSamples('shapes16', { ...o, n: 9 });
    const got = await run(page, { engine, model: 'shapes16', ...o });
    const diff = maxRelDiff(got.x, want);
    t.diagnostic(`${engine}: max |browser − node| / (1 + |node|) = ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE, `${engine}: max relative difference ${diff} to the Node result`);
    assert.ok((await inked(page, 'x0')) > 5000, 'the image canvas is blank');
    await page.screenshot({ path: join(outDir, `shapes16-${engine}.png`) });
  });

  it('without cross-origin isolation the page offers wasm on one thread, with the same result', async () => {
    const plain = await browser.newPage();
    plain.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    plain.on('pageerror', (e) => errors.push(String(e)));
    await plain.goto(server.plainUrl);
    type Api = { playground: { busy: boolean; engines: string[]; lastRun: RunRecord | null } };
    await plain.waitForFunction(() => (globalThis as unknown as Api).playground?.busy === false, null, { timeout: 60_000 });
    assert.equal(await plain.evaluate(() => globalThis.crossOriginIsolated), false);
    // No Web Workers without isolation; WebGPU does not need it.
    assert.deepEqual(await plain.evaluate(() => (globalThis as unknown as Api).playground.engines), ['js', 'wasm-1', 'gpu']);
    assert.equal(await plain.inputValue('#engine'), 'wasm-1');
    await plain.fill('#steps', '6');
    await plain.click('#sample');
    await plain.waitForFunction(() => (globalThis as unknown as Api).playground.lastRun !== null, null, { timeout: 120_000 });
    const got = await plain.evaluate(() => (globalThis as unknown as Api).playground.lastRun!);
    assert.equal(maxRelDiff(got.x, nodeSamples('swiss-roll', { sampler: 'heun', steps: 6, seed: 0, n: 500 })), 0);
    await plain.close();
  });

  it('logged no console error', () => {
    assert.deepEqual(errors, []);
  });

  it('parity.html?engine=webgl2 runs the gpu backend on WebGL2 where WebGPU exists, every kernel equal to js', async (t) => {
    const { report, console: messages } = await parityReport(browser, `${server.url}parity.html?engine=webgl2`);
    assertParity(report, t);
    assert.deepEqual(messages.filter((m) => /^error|^pageerror|Falling back to CPU/.test(m)), []);
  });

  // Chromium here has no WebGPU adapter without --enable-unsafe-webgpu, and gives WebGL2 through ANGLE
  // on SwiftShader (a CPU Vulkan), with EXT_color_buffer_float, with no flag.
  describe('in a Chromium without WebGPU, the gpu backend falls back to WebGL2', () => {
    let noWebGpu: Browser;
    before(async () => {
      noWebGpu = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs.filter((a) => a !== '--enable-unsafe-webgpu') });
    });
    after(() => noWebGpu?.close());

    it('initGpu() starts WebGL2, and every kernel of the contract, forward and backward, equals js (parity.html)', async (t) => {
      const { report, console: messages } = await parityReport(noWebGpu, `${server.url}parity.html`);
      assertParity(report, t);
      // gpu.js falls back to its CPU kernels with only a console warning: none may have.
      assert.deepEqual(messages.filter((m) => /^error|^pageerror|Falling back to CPU/.test(m)), []);
    });

    it('the playground samples on gpu (webgl2) as Node does: Heun on the 2-D model, EDM stochastic with guidance on shapes16', async (t) => {
      const p = await noWebGpu.newPage({ viewport: { width: 1100, height: 820 } });
      const messages: string[] = [];
      p.on('console', (m) => void messages.push(`${m.type()}: ${m.text()}`));
      p.on('pageerror', (e) => void messages.push(`pageerror: ${String(e)}`));
      await p.goto(server.url);
      await p.waitForFunction(() => (globalThis as { playground?: { busy: boolean } }).playground?.busy === false, null, { timeout: 60_000 });
      const label = await p.evaluate(() => Array.from(document.querySelectorAll('#engine option')).find((o) => (o as HTMLOptionElement).value === 'gpu')?.textContent ?? '');
      assert.match(label, /^gpu \(webgl2: .+\)$/);
      const heun = await run(p, { engine: 'gpu', model: 'swiss-roll', sampler: 'heun', steps: 18, seed: 7 });
      const heunDiff = maxRelDiff(heun.x, nodeSamples('swiss-roll', { sampler: 'heun', steps: 18, seed: 7, n: 500 }));
      const o = { sampler: 'edm' as const, steps: 4, seed: 3, label: 1, scale: 2, churn: 30 };
      const edm = await run(p, { engine: 'gpu', model: 'shapes16', ...o });
      const edmDiff = maxRelDiff(edm.x, nodeSamples('shapes16', { ...o, n: 9 }));
      t.diagnostic(`${label}: max |browser − node| / (1 + |node|) = ${heunDiff.toExponential(2)} (Heun, ${heun.msPerStep.toFixed(1)} ms per step), ${edmDiff.toExponential(2)} (EDM, ${edm.msPerStep.toFixed(1)} ms per step)`);
      assert.ok(heunDiff <= TOLERANCE, `Heun: max relative difference ${heunDiff} to the Node result`);
      assert.ok(edmDiff <= TOLERANCE, `EDM: max relative difference ${edmDiff} to the Node result`);
      assert.ok((await inked(p, 'x0')) > 5000, 'the image canvas is blank');
      await p.screenshot({ path: join(outDir, 'shapes16-gpu-webgl2.png') });
      assert.deepEqual(messages.filter((m) => /^error|^pageerror|Falling back to CPU/.test(m)), []);
      await p.close();
    });
  });
});
