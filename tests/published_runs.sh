#!/bin/sh
# Issue 10's bounds on the shipped published-runs table: every validation run
# inside [low, high] with high/low <= 3, median |error| of the stated stack's
# expected <= 20%, none off by more than 1.5x, every configuration that ran
# predicted to fit (scripts/published_runs.py --check). The validation runs
# were not used to set any figure (data/stacks.json, calibrate_stacks.py).
set -u
B=${BUILD:-build}/dlprobe
if python3 scripts/published_runs.py --bin "$B" --check > "${BUILD:-build}/published_runs.md"; then
	grep '^Validation' "${BUILD:-build}/published_runs.md" | sed 's/^/ok   published runs: /'
	echo "published_runs: 1 passed, 0 failed"
else
	echo "FAIL published runs: see ${BUILD:-build}/published_runs.md"
	echo "published_runs: 0 passed, 1 failed"
	exit 1
fi
