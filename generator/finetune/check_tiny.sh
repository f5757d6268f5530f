#!/usr/bin/env bash
# The tiny-model check of the student fine-tuning script (issue 5): a few LoRA steps on a tiny,
# randomly initialised Llama-3.1-architecture model with a tokenizer learnt from the SFT
# fixtures, on both SFT variants. Nothing is downloaded. Run from anywhere:
#
#   generator/finetune/check_tiny.sh [--require-cuda] [--steps N] [--out DIR]
#
# Needs the packages of generator/finetune/requirements.txt. Exits 0 only when every step passed;
# the last lines ("TINY CHECK PASSED …") are what the project README records.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
steps=4
require_cuda=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --require-cuda) require_cuda=1 ;;
    --steps) steps="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "check_tiny.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
fixtures="$repo/test/fixtures/sft"

echo "== environment"
"$python" - "$require_cuda" <<'PY'
import importlib, platform, sys
missing = []
for name in ("torch", "transformers", "peft", "tokenizers"):
    try:
        importlib.import_module(name)
    except ImportError:
        missing.append(name)
if missing:
    sys.exit(f"check_tiny.sh: {sys.executable} lacks {', '.join(missing)}: pip install -r generator/finetune/requirements.txt (or set PYTHON)")
import torch, transformers, peft
cuda = torch.cuda.is_available()
print(f"python {platform.python_version()}, torch {torch.__version__} (CUDA {torch.version.cuda}), "
      f"transformers {transformers.__version__}, peft {peft.__version__}")
print("device:", f"{torch.cuda.get_device_name(0)} ×{torch.cuda.device_count()}, bf16 {torch.cuda.is_bf16_supported()}" if cuda else "CPU only")
if sys.argv[1] == "1" and not cuda:
    sys.exit("check_tiny.sh: --require-cuda: torch sees no CUDA device")
PY
if [ -z "$out" ]; then out="$(mktemp -d -t recdial-tiny-check.XXXXXX)"; else mkdir -p "$out"; fi

echo "== validate the SFT fixtures (standard library only)"
"$python" "$here/train_lora.py" --data "$fixtures/messages.jsonl" --validate-only
"$python" "$here/train_lora.py" --data "$fixtures/text.jsonl" --validate-only
if "$python" "$here/train_lora.py" --data "$fixtures/bad.jsonl" --validate-only 2>"$out/bad.err"; then
  echo "check_tiny.sh: bad.jsonl was accepted" >&2; exit 1
fi
grep -q "bad.jsonl:3: messages\[2\].role" "$out/bad.err" || { cat "$out/bad.err" >&2; exit 1; }
echo "bad.jsonl refused as expected"

for variant in messages text; do
  echo "== tiny-random LoRA training, $variant records, $steps steps"
  "$python" "$here/train_lora.py" --data "$fixtures/$variant.jsonl" --output-dir "$out/$variant" \
    --tiny-random --max-steps "$steps" --batch-size 2 --grad-accum 1 2>&1 | tee "$out/$variant.log" | grep -v "it/s\]" || true
  grep -q "^TINY CHECK PASSED" "$out/$variant.log" || { echo "check_tiny.sh: the $variant run failed (log: $out/$variant.log)" >&2; exit 1; }
done
echo "== all passed; adapters and logs under $out"
