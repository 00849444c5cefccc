/** What the playground knows about a shipped model: written by scripts/export-model.ts beside its weights. */
export interface ModelCard {
  name: string;
  title: string;
  /** The exact `diffusion-ts train` command that produced the weights. */
  command: string;
  steps: number;
  finalLoss: number;
  /** The CLI's run config, saved in the checkpoint too. */
  config: {
    data: string;
    model: 'mlp' | 'unet' | 'video-unet';
    objective: 'ddpm' | 'iddpm' | 'edm';
    cond: boolean;
    numClasses: number;
  };
  /** Class names for conditional models (label i is classes[i]); empty otherwise. */
  classes: string[];
  /** Held-out data examples [n, …], for the forward process. */
  examples: { shape: number[]; data: number[]; labels: number[] };
}
