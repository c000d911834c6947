"""The data compiled into dlprobe, beyond what JSON Schema can say: every
instance names a CPU and GPU model the catalog has, and the default instance
lists name instances that exist. Exit 1 with one line per fault.

usage: data_check.py [INSTANCES_JSON]"""
import json
import sys


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "data/instances.json"
    cat = json.load(open(path))
    fails = []
    names = [i["name"] for i in cat["instances"]]
    if len(set(names)) != len(names):
        fails.append("instance names repeat: %s" % sorted(n for n in set(names) if names.count(n) > 1))
    for i in cat["instances"]:
        if i["cpu"] not in cat["cpu_models"]:
            fails.append("%s: cpu model \"%s\" is not in cpu_models" % (i["name"], i["cpu"]))
        if "gpu" in i and i["gpu"] not in cat["gpu_models"]:
            fails.append("%s: gpu model \"%s\" is not in gpu_models" % (i["name"], i["gpu"]))
    for lst in ("estimate", "scenario_references"):
        for n in cat["defaults"][lst]:
            if n not in names:
                fails.append("defaults.%s: no instance \"%s\"" % (lst, n))
    for f in fails:
        print("FAIL data: " + f)
    return 1 if fails else 0


sys.exit(main())
