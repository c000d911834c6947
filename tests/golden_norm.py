"""Normalise a dlprobe JSON document for the golden-output test: only the
fields that legitimately differ between builds and runs (the time it was
written, the version, which backends and CUDA kernels this build has) are
replaced; everything else, key order included, is kept as written."""
import json
import sys

VARIES = {"generated_at": "<time>"}
TOOL_VARIES = {"version": "<version>", "backends_built": "<backends>", "cuda_kernels_built": "<cuda>"}


def main():
    doc = json.load(sys.stdin)
    for k, v in VARIES.items():
        if k in doc:
            doc[k] = v
    tool = doc.get("tool")
    if isinstance(tool, dict):
        for k, v in TOOL_VARIES.items():
            if k in tool:
                tool[k] = v
    json.dump(doc, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


main()
