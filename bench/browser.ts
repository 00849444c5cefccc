/**
 * Time per denoiser evaluation in Chromium, per engine the page offers, beside Node's: the
 * playground's two shipped models at the batch the page samples (500 points; 9 images), at σ = 1,
 * under noGrad, each evaluation read back (`await t.data()`). Prints a markdown table.
 *
 *   npx tsx bench/browser.ts [reps for the MLP = 100] [reps for the U-Net = 10]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, cpus } from 'node:os';
import { chromium } from 'playwright-core';
import { Generator, noGrad, randn, setBackend, startWasmEngine, wasmMaxThreads } from '@diffusion-ts/tensor';
import { chromiumArgs, chromiumPath, loadModel, pageDir, servePlayground, type ModelCard } from '@diffusion-ts/playground/node';

const reps = { 'swiss-roll': Number(process.argv[2] ?? 100), shapes16: Number(process.argv[3] ?? 10) };
const batch = { 'swiss-roll': 500, shapes16: 9 };
type ModelName = keyof typeof reps;
const models = Object.keys(reps) as ModelName[];

async function nodeTime(name: ModelName): Promise<number> {
  const card = JSON.parse(readFileSync(join(pageDir, 'public/models', `${name}.json`), 'utf8')) as ModelCard;
  const model = loadModel(card, readFileSync(join(pageDir, 'public/models', `${name}.safetensors`)));
  const D = model.denoiser({ n: batch[name] });
  const x = randn([batch[name], ...model.sampleShape], { generator: new Generator(0) });
  for (let i = 0; i < 2; i++) await noGrad(() => D(x, 1)).data();
  const t0 = performance.now();
  for (let i = 0; i < reps[name]; i++) await noGrad(() => D(x, 1)).data();
  return (performance.now() - t0) / reps[name];
}

const rows: string[][] = [];
const nodeEngines = [{ id: 'js', backend: 'js' as const }, { id: 'wasm-1', backend: 'wasm' as const, threads: 1 }, { id: `wasm-${wasmMaxThreads()}`, backend: 'wasm' as const, threads: wasmMaxThreads() }];
for (const e of nodeEngines) {
  if (e.threads) await startWasmEngine({ threads: e.threads });
  setBackend(e.backend);
  const times = [];
  for (const m of models) times.push(await nodeTime(m));
  rows.push([`Node ${process.versions.node}`, e.id, ...times.map((t) => t.toFixed(2))]);
}

const server = await servePlayground();
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  type Api = { playground: { busy: boolean; engines: string[]; timeDenoiser(reps: number, n: number): Promise<number> } };
  const idle = () => page.waitForFunction(() => (globalThis as unknown as Api).playground?.busy === false, null, { timeout: 120_000 });
  await idle();
  const engines = await page.evaluate(() => (globalThis as unknown as Api).playground.engines);
  for (const engine of engines) {
    await page.selectOption('#engine', engine);
    await idle();
    const times = [];
    for (const m of models) {
      await page.selectOption('#model', m);
      await idle();
      times.push(await page.evaluate(([r, n]) => (globalThis as unknown as Api).playground.timeDenoiser(r, n), [reps[m], batch[m]] as const));
    }
    rows.push([`Chromium ${browser.version()}`, engine, ...times.map((t) => t.toFixed(2))]);
  }
} finally {
  await browser.close();
  await server.close();
}

console.log(`${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
console.log(`| runtime | engine | MLP, 500 points (ms/eval) | U-Net tiny16, 9 images (ms/eval) |`);
console.log('|---|---|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
