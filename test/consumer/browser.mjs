// What a web app would import: the three libraries' main entries (not @diffusion-ts/nn/node).
import { availableBackends, randn, Generator } from '@diffusion-ts/tensor';
import { MLP } from '@diffusion-ts/nn';
import { edmPrecond, karrasSigmas, sampleHeun } from '@diffusion-ts/diffusion';

const mlp = new MLP({ dataDim: 2, hiddenDim: 16, generator: new Generator(0) });
const D = edmPrecond((x, c) => mlp.forward(x, c), { sigmaData: 1 });
const sigmas = karrasSigmas(4);
const x = sampleHeun((xx, s) => D(xx, s), randn([4, 2]).mul(sigmas[0]), sigmas);
document.body.textContent = `${availableBackends().join(',')} ${x.shape}`;
