/**
 * The playground page: choose a shipped model, an engine and a sampler, then watch the reverse
 * process step by step; drag σ to see the forward process. `window.playground` exposes the last run
 * and a denoiser timer, for the browser test and the browser benchmark.
 */
import { Generator, noGrad, randn } from '@diffusion-ts/tensor';
import { drawSamples, drawSchedule } from './draw.ts';
import { listEngines, useEngine, type Engine } from './engines.ts';
import { loadModel, type LoadedModel } from './network.ts';
import type { ModelCard } from './model-card.ts';
import { reverseProcess, samplerNames, samplerTitles, type SamplerName } from './reverse.ts';

/** The models shipped in public/models (see packages/playground/MODELS.md). */
const modelNames = ['swiss-roll', 'shapes16'] as const;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  model: $<HTMLSelectElement>('model'), card: $('card'), engine: $<HTMLSelectElement>('engine'), status: $('engine-status'),
  sampler: $<HTMLSelectElement>('sampler'), steps: $<HTMLInputElement>('steps'), seed: $<HTMLInputElement>('seed'),
  cls: $<HTMLSelectElement>('class'), guidance: $<HTMLInputElement>('guidance'), churn: $<HTMLInputElement>('churn'),
  sample: $<HTMLButtonElement>('sample'), stop: $<HTMLButtonElement>('stop'), timing: $('timing'),
  xt: $<HTMLCanvasElement>('xt'), x0: $<HTMLCanvasElement>('x0'), xtCaption: $('xt-caption'), schedule: $<HTMLCanvasElement>('schedule'),
  sigma: $<HTMLInputElement>('sigma'), sigmaValue: $('sigma-value'), qx0: $<HTMLCanvasElement>('q-x0'), qxt: $<HTMLCanvasElement>('q-xt'), qCaption: $('q-caption'),
};

export interface RunRecord {
  id: number;
  model: string;
  engine: string;
  sampler: SamplerName;
  steps: number;
  seed: number;
  n: number;
  completed: boolean;
  msPerStep: number;
  totalMs: number;
  x: number[];
}

const engines = await listEngines();
const weights = new Map<string, { card: ModelCard; bytes: Uint8Array }>();
let model: LoadedModel;
let engine: Engine;
let running = false;
let stopRequested = false;
let runs = 0;
const api = { engines: engines.map((e) => e.id), lastRun: null as RunRecord | null, busy: true, timeDenoiser };
(globalThis as { playground?: typeof api }).playground = api;

async function fetchModel(name: string): Promise<{ card: ModelCard; bytes: Uint8Array }> {
  let entry = weights.get(name);
  if (entry === undefined) {
    const [card, buffer] = await Promise.all([
      fetch(`models/${name}.json`).then((r) => r.json() as Promise<ModelCard>),
      fetch(`models/${name}.safetensors`).then((r) => r.arrayBuffer()),
    ]);
    entry = { card, bytes: new Uint8Array(buffer) };
    weights.set(name, entry);
  }
  return entry;
}

/** Switch engine and/or model; the weights are loaded again so every tensor lives on the engine. */
async function prepare(): Promise<void> {
  api.busy = true;
  ui.sample.disabled = true;
  engine = engines.find((e) => e.id === ui.engine.value)!;
  ui.status.textContent = `${engine.label}: starting…`;
  await useEngine(engine);
  const { card, bytes } = await fetchModel(ui.model.value);
  model = loadModel(card, bytes);
  ui.status.textContent = engine.label;
  ui.card.innerHTML = `${card.title}: ${card.steps} training steps, final loss ${card.finalLoss.toFixed(3)}.<br>Trained with <code>${card.command}</code>`;
  document.querySelectorAll<HTMLElement>('.cond').forEach((el) => (el.hidden = !card.config.cond));
  ui.cls.replaceChildren(...card.classes.map((c, i) => new Option(c, String(i))));
  drawForward();
  api.busy = false;
  ui.sample.disabled = false;
}

const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

async function sample(): Promise<void> {
  running = true;
  stopRequested = false;
  api.busy = true;
  ui.sample.disabled = true;
  ui.stop.disabled = false;
  const sampler = ui.sampler.value as SamplerName;
  const steps = Math.max(1, Math.round(Number(ui.steps.value))), seed = Math.max(0, Math.round(Number(ui.seed.value)));
  const n = model.sampleShape.length === 1 ? 500 : 9;
  const sigmas = model.sigmas(steps);
  const D = model.denoiser({ n, label: Number(ui.cls.value || 0), scale: Number(ui.guidance.value) });
  const record: RunRecord = { id: ++runs, model: model.card.name, engine: engine.id, sampler, steps, seed, n, completed: false, msPerStep: 0, totalMs: 0, x: [] };
  let total = 0;
  try {
    for await (const step of reverseProcess(D, { sampler, sigmas, seed, n, sampleShape: model.sampleShape, churn: Number(ui.churn.value) })) {
      total += step.ms;
      // x_t has standard deviation about √(σ_data² + σ²): shown divided by that, over σ_data.
      const scale = model.sigmaData / Math.hypot(model.sigmaData, sigmas[step.i + 1]!);
      drawSamples(ui.xt, step.x, model.sampleShape, scale);
      drawSamples(ui.x0, step.denoised, model.sampleShape);
      drawSchedule(ui.schedule, sigmas, step.i + 1);
      ui.xtCaption.textContent = `x_t at σ = ${sigmas[step.i + 1]!.toPrecision(3)} (scaled by ${scale.toPrecision(2)})`;
      ui.timing.textContent = `step ${step.i + 1}/${steps}: ${step.ms.toFixed(1)} ms; total ${(total / 1000).toFixed(2)} s (${engine.label})`;
      record.x = Array.from(step.x);
      await nextFrame();
      if (stopRequested) break;
    }
    record.completed = !stopRequested;
    if (stopRequested) ui.timing.textContent += ' (stopped)';
  } finally {
    record.totalMs = total;
    record.msPerStep = total / steps;
    api.lastRun = record;
    running = false;
    api.busy = false;
    ui.sample.disabled = false;
    ui.stop.disabled = true;
  }
}

/** σ on the slider: log-uniform from 0.002 to the schedule's σ_max. */
function sliderSigma(): number {
  const max = model.sigmas(1)[0]!, min = 0.002;
  return min * (max / min) ** (Number(ui.sigma.value) / 1000);
}

/** q(x_t | x_0) of the EDM formulation: x_t = x_0 + σ ε, ε fixed so only σ moves. */
function drawForward(): void {
  const { shape, data } = model.card.examples;
  const x0 = Float32Array.from(data);
  const g = new Generator(123); // drawn here, not as a tensor: an asynchronous engine has no dataSync
  const eps = Float32Array.from(data, () => g.normal());
  const sigma = sliderSigma();
  const xt = x0.map((v, i) => v + sigma * eps[i]!);
  const scale = model.sigmaData / Math.hypot(model.sigmaData, sigma);
  drawSamples(ui.qx0, x0, shape.slice(1));
  drawSamples(ui.qxt, xt, shape.slice(1), scale);
  ui.sigmaValue.textContent = `σ = ${sigma.toPrecision(3)}`;
  ui.qCaption.textContent = `x_t = x_0 + σε (scaled by ${scale.toPrecision(2)})`;
}

/** Milliseconds per denoiser evaluation on the current engine and model, batch n, at σ = 1. */
async function timeDenoiser(reps: number, n: number): Promise<number> {
  const D = model.denoiser({ n });
  const x = randn([n, ...model.sampleShape], { generator: new Generator(0) });
  for (let i = 0; i < 2; i++) await noGrad(() => D(x, 1)).data();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await noGrad(() => D(x, 1)).data();
  return (performance.now() - t0) / reps;
}

ui.model.replaceChildren(...modelNames.map((m) => new Option(m, m)));
ui.engine.replaceChildren(...engines.map((e) => new Option(e.label, e.id)));
ui.engine.value = [...engines].reverse().find((e) => e.backend === 'wasm')?.id ?? engines[0]!.id;
ui.sampler.replaceChildren(...samplerNames.map((s) => new Option(samplerTitles[s], s)));
const showChurn = () => {
  document.querySelectorAll<HTMLElement>('.churn').forEach((el) => (el.hidden = ui.sampler.value !== 'edm'));
};
ui.sampler.addEventListener('change', showChurn);
showChurn();
ui.model.addEventListener('change', () => void prepare());
ui.engine.addEventListener('change', () => void prepare());
ui.sample.addEventListener('click', () => void (running ? undefined : sample()));
ui.stop.addEventListener('click', () => (stopRequested = true));
ui.sigma.addEventListener('input', drawForward);
await prepare();
