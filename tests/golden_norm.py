"""Normalise a dlprobe JSON document for the golden-output test: only the
fields that legitimately differ between builds and runs (the time it was
written, the version, which backends and CUDA kernels this build has) are
replaced; everything else, key order included, is kept as written."""
import json
import sys

VARIES = {"generated_at": "<time>"}
TOOL_VARIES = {"version": "<version>", "backends_built": "<backends>", "cuda_kernels_built": "<cuda>"}
# which machine ran it and for how long (the label is the command line's)
HOST_VARIES = {"hostname": "<host>", "sys_vendor": "<dmi>", "product_name": "<dmi>", "instance_type": "<dmi>",
               "run_duration_s": "<duration>"}


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
    host = doc.get("host")
    if isinstance(host, dict):
        for k, v in HOST_VARIES.items():
            if k in host:
                host[k] = v
    json.dump(doc, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


main()
