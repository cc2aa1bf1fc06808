#!/usr/bin/env bash
# The real llama-server smoke run (benchmarks/serve_llama_smoke.py) on a lent GPU machine, in one command.
#
# The GPU machine reaches no registry, so what it needs travels with the working tree in two ignored folders,
# prepared here first (see "Serving" in benchmarks/RESULTS.md for the last run):
#   .device/llama.cpp-src.tar.xz  llama.cpp's source: the `vendor/llama.cpp` folder of the llama-cpp-python
#                                 sdist (`pip download --no-binary :all: --no-deps llama-cpp-python`), without
#                                 docs, models, tests and examples (~7.5 MB)
#   .whl/                         cp312 manylinux wheels of what its Python lacks: fastapi, starlette, pydantic,
#                                 pydantic-core, typing-extensions, typing-inspection, annotated-types,
#                                 annotated-doc, opentelemetry-api, uvicorn, httptools, gguf (versions as in .venv);
#                                 its image already has httpx, uvloop, numpy, PyYAML, prometheus-client, click, h11
#                                 (device KINDS.md). Dry-run here: PYTHONPATH=<those installed with python3.12>.
# Then, through the device tool: run `bash benchmarks/gpu_llama_smoke.sh` with carry [".device", ".whl"]; add
# `--with-gateway-bench` to also run the gateway benchmark once (about 2 more minutes) on the host's cores.
# It builds llama-server with CUDA for the card it finds (FlashAttention kernels off: half the build time) and
# writes serve_llama_smoke_device.{json,md} and the build logs to $OUT.
set -euo pipefail
OUT=${OUT:-/tmp/gpu-smoke-out}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1
GPU=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)
ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '.')
echo "GPU: $GPU (sm_$ARCH), $(nproc) CPU cores"
mkdir -p /tmp/llama && tar xJf .device/llama.cpp-src.tar.xz -C /tmp/llama
cmake -S /tmp/llama/llama.cpp -B /tmp/llama/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DGGML_CUDA_FA=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >"$OUT/cmake.log" 2>&1
started=$(date +%s)
cmake --build /tmp/llama/build --target llama-server -j"$(nproc)" >"$OUT/build.log" 2>&1
echo "llama-server built with CUDA in $(( $(date +%s) - started )) s"
python3 benchmarks/serve_llama_smoke.py --llama-server /tmp/llama/build/bin/llama-server \
  --machine "$GPU; $(nproc)-core host (llama.cpp built with CUDA)" --suffix _device --results "$OUT"
if [[ "${1:-}" == "--with-gateway-bench" ]]; then
  python3 benchmarks/serve_gateway.py --repeat 1 --machine "$(nproc)-core host of the $GPU" --suffix _device \
    --results "$OUT"
fi
