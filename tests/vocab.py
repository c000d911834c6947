"""One kernel vocabulary between kernels/ and estimator/ (include/dlprobe/bench.h).

Fails when the names disagree anywhere:
  - the DLP_KERNEL_* constants, the estimator's reader table
    (common/bench_vocab.c) and the schema's enum for result.kernel;
  - a backend emits a name the table does not have, or the table says a
    backend emits a name it does not: per backend (kernels/cpu, opencl, cuda),
    the DLP_KERNEL_* constants its sources use, plus the kernel names in the
    bench documents given on the command line (names composed at run time,
    e.g. OpenCL's stream_read), must be exactly the table's names for it;
  - a backend passes a string literal where a kernel name goes.

usage: vocab.py [BENCH_JSON...]"""
import glob
import json
import re
import sys

BACKEND_BIT = {"cpu": "DLP_EMIT_CPU", "opencl": "DLP_EMIT_OPENCL", "cuda": "DLP_EMIT_CUDA"}
ABBREV = {"CPU": "DLP_EMIT_CPU", "OCL": "DLP_EMIT_OPENCL", "CUDA": "DLP_EMIT_CUDA"}


def constants():
    text = open("include/dlprobe/bench.h").read()
    return dict(re.findall(r'#define (DLP_KERNEL_\w+)\s+"(\w+)"', text))


def table():
    """macro -> set of DLP_EMIT_* bits, from the kernels[] initializer."""
    text = open("common/bench_vocab.c").read()
    body = text[text.index("kernels[] = {"):]
    rows = {}
    for macro, emit in re.findall(r"\{(DLP_KERNEL_\w+),\s*([A-Z_ |]+),", body):
        if macro in rows:
            sys.exit("FAIL %s appears twice in the reader table" % macro)
        rows[macro] = {ABBREV.get(b.strip(), b.strip()) for b in emit.split("|")}
    return rows


def schema_enum():
    s = json.load(open("data/dlprobe.schema.json"))
    return set(s["$defs"]["result"]["properties"]["kernel"]["enum"])


def used_in_sources(backend):
    used, literals = set(), []
    for path in glob.glob("kernels/%s/*.c" % backend) + glob.glob("kernels/%s/*.h" % backend):
        text = open(path).read()
        used |= set(re.findall(r"\bDLP_KERNEL_\w+", text))
        for m in re.finditer(r'(dlp_result_new|add_failed)\((?:results, )?"(\w+)"', text):
            literals.append("%s: %s(\"%s\"...)" % (path, m.group(1), m.group(2)))
    return used, literals


def emitted_in_docs(paths):
    out = {b: set() for b in BACKEND_BIT}
    for p in paths:
        doc = json.load(open(p))
        for be in doc.get("bench", {}).get("backends", []):
            for dev in be.get("devices", []):
                for r in dev.get("results", []):
                    if be.get("backend") in out:
                        out[be["backend"]].add(r.get("kernel"))
    return out


def main():
    fails = []
    consts = constants()
    rows = table()
    names = {consts[m] for m in rows if m in consts}
    if set(rows) != set(consts):
        fails.append("constants without a table row: %s; table rows without a constant: %s"
                     % (sorted(set(consts) - set(rows)), sorted(set(rows) - set(consts))))
    if names != schema_enum():
        fails.append("schema enum %s != table %s" % (sorted(schema_enum()), sorted(names)))
    docs = emitted_in_docs(sys.argv[1:])
    for backend, bit in BACKEND_BIT.items():
        used, literals = used_in_sources(backend)
        fails += ["%s passes a literal kernel name" % l for l in literals]
        emitted = {consts[m] for m in used if m in consts} | docs[backend]
        want = {consts[m] for m, bits in rows.items() if bit in bits}
        for n in sorted(emitted - want):
            fails.append("%s emits \"%s\", which the reader table does not list for it" % (backend, n))
        for n in sorted(want - emitted):
            fails.append("the reader table lists \"%s\" for %s, which does not emit it" % (n, backend))
    for f in fails:
        print("FAIL vocabulary: " + f)
    if not fails:
        print("ok   vocabulary: %d kernel names agree (constants, reader table, schema, backends)" % len(names))
    return 1 if fails else 0


sys.exit(main())
