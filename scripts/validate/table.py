#!/usr/bin/python3
"""Ask dlprobe for each measured case and print the predicted-vs-measured
table (markdown) with the error and the targets of issue 5."""
import argparse, json, platform, statistics, subprocess


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--fixed-coretype", default="")
    ap.add_argument("measured", nargs="+")
    a = ap.parse_args()
    rows, errs = [], []
    for path in a.measured:
        m = json.load(open(path))
        for c in m["cases"]:
            out = subprocess.run([a.bin, "estimate", "--hw", a.bench, "--json", "-q"] + c["args"],
                                 check=True, capture_output=True, text=True).stdout
            e = json.loads(out)["estimates"][0][c["side"]]
            # the framework's BLAS as configured is the vendor-library rate;
            # with the core type fixed, the hardware capability rate
            if c["blas"] == "fixed" and c["side"] == "deep" and e.get("hardware_capability"):
                e = e["hardware_capability"]
            t = e["train_s"]
            err = (t["expected"] - c["measured_s"]) / c["measured_s"]
            errs.append(abs(err))
            inside = t["low"] <= c["measured_s"] <= t["high"]
            rows.append("| %s | %s | %.3g | %.3g | %.3g .. %.3g | %+.0f%% | %s |" % (
                c["case"], c["blas"], c["measured_s"], t["expected"], t["low"], t["high"], 100 * err,
                "yes" if inside else "no"))
    print("Machine: %s, %s\n" % (platform.node(), platform.processor() or platform.machine()))
    print("| case | framework BLAS | measured s | predicted s | range | error | in range |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    med = statistics.median(errs)
    worst = max(errs)
    print("\nMedian |error| %.0f%% (target <= 25%%); worst %.0f%% (target: none off by more than 2x)." % (
        100 * med, 100 * worst))


if __name__ == "__main__":
    main()
