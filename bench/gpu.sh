#!/usr/bin/env bash
# The gpu backend on a machine with a real GPU (issue #10): what the machine has, the backend parity
# suite on `gpu`, then the gpu benchmark, which writes bench/results/gpu-<adapter>.json.
#
#   bench/gpu.sh              on a machine with a GPU and its Vulkan driver (e.g. NVIDIA)
#   bench/gpu.sh --quick      the benchmark's quick mode (1 round, ~0.5 s per side)
#   bench/gpu.sh --software   a smoke test of this script on a machine without a GPU: runs everything
#                             under scripts/with-gpu-env (Mesa's llvmpipe; figures mean nothing)
#   bench/gpu.sh --tiny       with --software: the benchmark at smoke-test sizes (bench --tiny)
#   bench/gpu.sh --skip-parity   the benchmark without the parity suite first (after a parity pass)
#
# On a lent device machine ($OUT set) the results are also copied to $OUT.
# Needs an installed checkout (node_modules present, as `npm ci` leaves it; on a machine that cannot
# install, unpack bench/gpu-pack.sh's archive first) and node; downloads nothing and never calls npm. Timeouts (seconds): GPU_SH_PROBE_TIMEOUT (60), GPU_SH_PARITY_TIMEOUT
# (300), GPU_SH_BENCH_TIMEOUT (420). Exits 3 when no WebGPU adapter starts, or when only a software
# one does without --software; 4 when the parity suite fails; otherwise the benchmark's exit status.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

software=0 parity_first=1 quick=() tiny=()
for arg in "$@"; do
  case "$arg" in
    --software) software=1 ;;
    --quick) quick=(--quick) ;;
    --tiny) tiny=(--tiny) ;;
    --skip-parity) parity_first=0 ;;
    *) echo "gpu.sh: unknown argument '$arg' (--software, --quick, --tiny, --skip-parity)" >&2; exit 64 ;;
  esac
done
probe_timeout="${GPU_SH_PROBE_TIMEOUT:-60}" parity_timeout="${GPU_SH_PARITY_TIMEOUT:-300}" bench_timeout="${GPU_SH_BENCH_TIMEOUT:-420}"

# With --software every command runs with Mesa's lavapipe set up; otherwise with the system's driver.
run() { if [ "$software" = 1 ]; then scripts/with-gpu-env "$@"; else "$@"; fi; }
section() { printf '\n== %s ==\n' "$*"; }

section "machine"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)   uptime:$(uptime | sed 's/.*up/ up/')"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //') ($(nproc) cores)"
if ! command -v node >/dev/null; then echo "gpu.sh: node is not installed" >&2; exit 3; fi
echo "node: $(node --version)"
[ -d node_modules ] || { echo "gpu.sh: no node_modules in $root: run this from an installed checkout (npm ci)" >&2; exit 3; }
echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout') $(git status --porcelain 2>/dev/null | grep -q . && echo '(with local changes)')"
if command -v nvidia-smi >/dev/null; then
  timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,utilization.gpu --format=csv || echo "nvidia-smi failed"
else
  echo "nvidia-smi: not present"
fi
echo "Vulkan loader: $( (ldconfig -p 2>/dev/null | grep -m1 'libvulkan\.so\.1') || echo 'libvulkan.so.1 not found by ldconfig')"
echo "Vulkan driver manifests: $(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | grep -i json | tr '\n' ' ')"
if command -v vulkaninfo >/dev/null; then
  run timeout 20 vulkaninfo --summary 2>&1 | sed -n '/Devices:/,$p' | head -40
else
  echo "vulkaninfo: not present"
fi

section "WebGPU adapter (probe, ${probe_timeout} s)"
# Start our gpu backend once: the adapter's name, or why none starts. Node exits only after shutdownGpu.
probe="$(run timeout "$probe_timeout" node --import tsx --input-type=module -e "
  const { installNodeWebGPU } = await import('@diffusion-ts/tensor/webgpu-node');
  const T = await import('@diffusion-ts/tensor');
  installNodeWebGPU();
  try { const info = await T.initGpu(); console.log('ADAPTER ' + info.adapter); }
  catch (e) { console.log('NOADAPTER ' + (e instanceof Error ? e.message : String(e)).split('\n')[0]); }
  finally { await T.shutdownGpu(); }
" 2>&1)"
status=$?
echo "$probe" | grep -v '^Warning: max' | tail -5
adapter="$(echo "$probe" | sed -n 's/^ADAPTER //p' | tail -1)"
if [ -z "$adapter" ]; then
  reason="$(echo "$probe" | sed -n 's/^NOADAPTER //p' | tail -1)"
  [ -n "$reason" ] || reason="the probe exited with status $status$([ "$status" = 124 ] && echo " (timed out after ${probe_timeout} s)")"
  echo "gpu.sh: no WebGPU adapter started: $reason" >&2
  exit 3
fi
echo "adapter: $adapter"
if echo "$adapter" | grep -qiE 'llvmpipe|lavapipe|swiftshader|software'; then
  if [ "$software" = 1 ]; then
    echo "a software adapter, as --software asks: the figures below measure the CPU and say nothing about GPUs"
  else
    echo "gpu.sh: the only adapter is a software rasteriser ($adapter): is the GPU's Vulkan driver installed (see the manifests above)? Figures from it would say nothing about GPUs; pass --software to run anyway." >&2
    exit 3
  fi
fi

if [ "$parity_first" = 1 ]; then
  section "backend parity on gpu (${parity_timeout} s)"
  run timeout "$parity_timeout" node --import tsx --import ./test/setup.ts --test --test-reporter=spec \
    --test-name-pattern='gpu' test/backend-parity.test.ts
  parity=$?
  if [ "$parity" != 0 ]; then
    echo "gpu.sh: the backend parity suite failed on gpu (status $parity$([ "$parity" = 124 ] && echo ", timed out after ${parity_timeout} s")); not benchmarking a backend that computes wrong numbers" >&2
    exit 4
  fi
fi

section "gpu benchmark (${bench_timeout} s)"
run timeout "$bench_timeout" node --import tsx bench/run.ts --backend gpu ${quick[@]+"${quick[@]}"} ${tiny[@]+"${tiny[@]}"}
bench=$?
[ "$bench" = 124 ] && echo "gpu.sh: the benchmark timed out after ${bench_timeout} s (try --quick, or raise GPU_SH_BENCH_TIMEOUT)" >&2
ls -l bench/results/gpu-*.json 2>/dev/null
# On a lent device machine, files under $OUT come back: leave the results there too.
if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then cp bench/results/gpu-*.json "$OUT"/ 2>/dev/null && echo "copied to \$OUT"; fi
exit "$bench"
