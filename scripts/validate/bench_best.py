"""One bench document from several runs, for the shape scripts
(gbdt_shapes.py, logreg_shapes.py): each result the fastest of the runs."""
import json, subprocess

RATE_KEYS = ("rate_gflops", "rate_gbps", "rate_gupdates_per_s", "rate_grows_per_s", "rate_gvalues_per_s",
             "rate_gnlog2n_per_s")
KEY = ("kernel", "impl", "dtype", "isa", "variant", "threads", "m", "n", "k", "bytes")


def best_of(binary, path, n=3, args=()):
    """n `bench --backend cpu` runs (plus args); each result of the first
    run's document at path replaced by the same result (kernel, shape,
    threads) of the run where its rate was fastest (the least disturbed by
    other work), whole: the estimator reads its samples too."""
    docs = []
    for _ in range(n):
        subprocess.run([binary, "bench", "--backend", "cpu", "-q", "-o", path, *args], check=True,
                       stdout=subprocess.DEVNULL)
        docs.append(json.load(open(path)))

    def key(r):
        return tuple(str(r.get(k)) for k in KEY)

    def rate(r):
        return max([r[k] for k in RATE_KEYS if isinstance(r.get(k), (int, float))] or [0])
    best = {}
    for d in docs:
        for be in d["bench"]["backends"]:
            for dev in be.get("devices", []):
                for r in dev.get("results", []):
                    if key(r) not in best or rate(r) > rate(best[key(r)]):
                        best[key(r)] = r
    d = docs[0]
    for be in d["bench"]["backends"]:
        for dev in be.get("devices", []):
            dev["results"] = [best[key(r)] for r in dev.get("results", [])]
    json.dump(d, open(path, "w"))
