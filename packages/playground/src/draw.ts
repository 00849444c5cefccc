/** Canvas drawings: 2-D point clouds, image grids, and the σ schedule with the current step marked. */

/** Point clouds are drawn in [−R, R]² (the toys are scaled to unit variance). */
const R = 3;

function clear(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  return ctx;
}

/**
 * Draw samples [n, …sampleShape] scaled by `scale`: a scatter for 2-D points, a grid of RGB images
 * (values in [−1, 1]) otherwise.
 */
export function drawSamples(canvas: HTMLCanvasElement, data: Float32Array, sampleShape: readonly number[], scale = 1): void {
  if (sampleShape.length === 1) drawPoints(canvas, data, scale);
  else drawImages(canvas, data, sampleShape as [number, number, number], scale);
}

function drawPoints(canvas: HTMLCanvasElement, data: Float32Array, scale: number): void {
  const ctx = clear(canvas);
  const { width: w, height: h } = canvas;
  ctx.strokeStyle = '#ddd';
  ctx.beginPath();
  ctx.moveTo(w / 2, 0); ctx.lineTo(w / 2, h); ctx.moveTo(0, h / 2); ctx.lineTo(w, h / 2);
  ctx.stroke();
  ctx.fillStyle = 'rgba(30, 80, 200, 0.6)';
  for (let i = 0; i + 1 < data.length; i += 2) {
    const px = ((data[i]! * scale) / R + 1) * (w / 2), py = (1 - (data[i + 1]! * scale) / R) * (h / 2);
    ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
  }
}

function drawImages(canvas: HTMLCanvasElement, data: Float32Array, [c, h, w]: [number, number, number], scale: number): void {
  const ctx = clear(canvas);
  const n = data.length / (c * h * w);
  const cols = Math.ceil(Math.sqrt(n)), rows = Math.ceil(n / cols);
  const image = ctx.createImageData(cols * (w + 1), rows * (h + 1));
  image.data.fill(255);
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * (w + 1), oy = Math.floor(k / cols) * (h + 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = 4 * ((oy + y) * image.width + ox + x);
        for (let ch = 0; ch < 3; ch++) {
          const v = data[((k * c + Math.min(ch, c - 1)) * h + y) * w + x]! * scale;
          image.data[o + ch] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
        }
      }
    }
  }
  // Scale up without smoothing: draw at 1:1 on a scratch canvas, then stretch.
  const scratch = document.createElement('canvas');
  scratch.width = image.width;
  scratch.height = image.height;
  scratch.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  const zoom = Math.min(canvas.width / image.width, canvas.height / image.height);
  ctx.drawImage(scratch, 0, 0, image.width * zoom, image.height * zoom);
}

/** log σ against the step index, the current step's σ marked. */
export function drawSchedule(canvas: HTMLCanvasElement, sigmas: readonly number[], current: number): void {
  const ctx = clear(canvas);
  const { width: w, height: h } = canvas;
  const pad = 28;
  const positive = sigmas.filter((s) => s > 0);
  const lo = Math.log10(Math.min(...positive)), hi = Math.log10(Math.max(...positive));
  const X = (i: number) => pad + (i / Math.max(positive.length - 1, 1)) * (w - 2 * pad);
  const Y = (s: number) => h - pad - ((Math.log10(s) - lo) / (hi - lo || 1)) * (h - 2 * pad);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(pad, pad, w - 2 * pad, h - 2 * pad);
  ctx.fillStyle = '#333';
  ctx.font = '11px sans-serif';
  ctx.fillText(`σ ${Math.max(...positive).toPrecision(3)}`, 2, pad - 6);
  ctx.fillText(`${Math.min(...positive).toPrecision(2)}`, 2, h - 8);
  ctx.fillText('step →', w - pad - 36, h - 8);
  ctx.strokeStyle = '#1e50c8';
  ctx.beginPath();
  positive.forEach((s, i) => (i === 0 ? ctx.moveTo(X(i), Y(s)) : ctx.lineTo(X(i), Y(s))));
  ctx.stroke();
  const marked = Math.min(current, positive.length - 1); // the last step ends at σ = 0, off the log scale
  positive.forEach((s, i) => {
    ctx.fillStyle = i === marked ? '#e0301e' : '#1e50c8';
    const r = i === marked ? 5 : 2;
    ctx.beginPath();
    ctx.arc(X(i), Y(s), r, 0, 2 * Math.PI);
    ctx.fill();
  });
}
