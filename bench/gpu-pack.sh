#!/usr/bin/env bash
# Pack what bench/gpu.sh needs from node_modules into out/gpu-node-modules.tgz (about 19 MB; the
# full node_modules is over 400 MB), for a machine that gets the checkout but cannot install
# (a lent device machine, which carries at most 64 MiB of ignored files and has no network):
#
#   bench/gpu-pack.sh                        here, after npm ci
#   tar xzf out/gpu-node-modules.tgz && bench/gpu.sh      there
#
# Left out: what Node never loads here (source maps, type declarations, browser and minified
# bundles, TF.js's per-file ES modules, Dawn for macOS and Windows, TypeScript, core-js).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || { echo "gpu-pack: no node_modules (run npm ci first)" >&2; exit 1; }
mkdir -p out
tar -czf out/gpu-node-modules.tgz \
  --exclude='*.map' --exclude='*.d.ts' --exclude='*.min.js' --exclude='*.html' --exclude='*es2017*' --exclude='*fesm*' \
  --exclude='node_modules/@tensorflow/*/dist/miniprogram' --exclude='node_modules/@tensorflow/*/dist/*/*' \
  --exclude='node_modules/@tensorflow/*/src' \
  --exclude='node_modules/webgpu/dist/darwin*' --exclude='node_modules/webgpu/dist/win32*' --exclude='node_modules/webgpu/dist/*.dll' \
  --exclude='node_modules/typescript' --exclude='node_modules/@types' --exclude='node_modules/core-js' \
  node_modules
ls -l out/gpu-node-modules.tgz
