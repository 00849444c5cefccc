/**
 * The CLI's progress display: step/total, named values (loss, …), rate and ETA. On a terminal it is a
 * live bar drawn by cli-progress; on anything else (CI logs, files, pipes) it writes one plain line
 * every `logEvery` steps, so logs stay readable and small. The library never draws bars: it reports
 * through `onStep` callbacks and the CLI forwards them here.
 */
import cliProgress from 'cli-progress';

/** The part of a stream this needs; `process.stderr` is one. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions<K extends string> {
  total: number;
  /** Leading word, e.g. 'train' or 'sample'. */
  label?: string;
  /** What one step counts, singular: 'step' (default), 'image', 'clip'. Rates read '12.3 steps/s'. */
  unit?: string;
  /** Names of the values shown after the count, in this order (e.g. ['loss', 'lr']). */
  values?: readonly K[];
  /** Default `process.stderr`. */
  stream?: ProgressStream;
  /** Draw a live bar (true) or write plain lines (false). Default: `stream.isTTY === true`. */
  tty?: boolean;
  /** Plain mode: write a line whenever the step crosses a multiple of this (and at the end).
   *  Default: a twentieth of the total, at least 1. */
  logEvery?: number;
  /** The step the work starts from (a resumed run's checkpoint step): the rate and ETA count only the
   *  steps done since. Default 0. */
  start?: number;
  /** Clock in milliseconds, for tests. Default `performance.now`. */
  now?: () => number;
}

export interface Progress<K extends string> {
  /** Set the current step (0 ≤ step ≤ total) and, optionally, new values for some named values. */
  update(step: number, values?: Partial<Record<K, number>>): void;
  /** Advance by `by` steps (default 1). */
  increment(by?: number, values?: Partial<Record<K, number>>): void;
  /** Finish: draw the final state and release the terminal. Idempotent. */
  stop(): void;
}

/** 0.0412, 1.234e-5, 3.5e+4: four significant digits, exponent outside [1e-3, 1e4). */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

/** 42s, 3m07s, 1h02m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** '12.3 steps/s', or '4.10 s/step' when slower than one per second. */
export function formatRate(perSecond: number, unit: string): string {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) return `-- ${unit}s/s`;
  return perSecond >= 1 ? `${formatValue(perSecond)} ${unit}s/s` : `${(1 / perSecond).toFixed(2)} s/${unit}`;
}

const BAR_WIDTH = 24;

/** Start a progress display. */
export function createProgress<const K extends string = never>(options: ProgressOptions<K>): Progress<K> {
  const { total, label, unit = 'step', values: names = [], stream = process.stderr, start: first = 0, now = () => performance.now() } = options;
  if (!(total >= 0) || !Number.isFinite(total)) throw new RangeError(`createProgress: total must be finite and >= 0, got ${total}`);
  if (!(first >= 0 && first <= total)) throw new RangeError(`createProgress: start must be in [0, total = ${total}], got ${first}`);
  const tty = options.tty ?? stream.isTTY === true;
  const logEvery = Math.max(1, Math.round(options.logEvery ?? total / 20));
  const start = now();
  const current = new Map<K, number>();
  let step = first, lastLogged = first, stopped = false;

  /** The text after the bar: count, values, rate and ETA (or the total time once complete). */
  const status = (): string => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? (step - first) / elapsed : NaN;
    const percent = total > 0 ? Math.floor((100 * step) / total) : 100;
    const parts = [`${step}/${total} (${percent}%)`];
    for (const name of names) {
      const v = current.get(name);
      if (v !== undefined) parts.push(`${name} ${formatValue(v)}`);
    }
    parts.push(formatRate(rate, unit));
    parts.push(step >= total ? `done in ${formatDuration(elapsed)}` : `ETA ${step > first ? formatDuration((total - step) / rate) : '--'}`);
    return parts.join(' | ');
  };
  const prefix = label !== undefined ? `${label} ` : '';

  const bar = tty
    ? new cliProgress.SingleBar({
        // cli-progress calls only write, isTTY and columns on it (readline's cursor helpers call write)
        stream: stream as unknown as NodeJS.WritableStream,
        format: (_options, { maxWidth }) => {
          const text = status();
          // the bar shrinks (down to nothing) so that the numbers fit on one terminal line
          const width = Math.max(0, Math.min(BAR_WIDTH, maxWidth - prefix.length - text.length - 2));
          const filled = total > 0 ? Math.round((width * step) / total) : width;
          return `${prefix}${width > 0 ? `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ` : ''}${text}`;
        },
        hideCursor: true,
        linewrap: true, // trimmed to the terminal width
        fps: 10,
      })
    : undefined;
  bar?.start(total, first);

  const writeLine = (): void => {
    stream.write(`${prefix}${status()}\n`);
    lastLogged = step;
  };

  const progress: Progress<K> = {
    update(next, values) {
      if (stopped) return;
      step = Math.max(0, Math.min(total, next));
      if (values) for (const name of Object.keys(values) as K[]) current.set(name, values[name]!);
      if (bar) bar.update(step);
      else if (step === total ? lastLogged !== total : Math.floor(step / logEvery) > Math.floor(lastLogged / logEvery)) writeLine();
    },
    increment(by = 1, values) {
      progress.update(step + by, values);
    },
    stop() {
      if (stopped) return;
      if (bar) bar.stop();
      else if (lastLogged !== step || step === first) writeLine();
      stopped = true;
    },
  };
  return progress;
}
