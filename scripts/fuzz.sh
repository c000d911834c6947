#!/bin/sh
# `make fuzz`: run each libFuzzer harness for FUZZ_SECONDS (or FUZZ_RUNS
# inputs), one after the other, on a working corpus seeded from fuzz/corpus,
# fuzz/crashes and the data files; print one line per harness (executions,
# coverage, corpus) and keep the logs and any crash under $FUZZ_BUILD.
# Exit 1 when a harness found a crash, a leak or a timeout.
set -u
B=${FUZZ_BUILD:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
status=0
summary=${FUZZ_SUMMARY:-$B/summary.txt}
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine: $(uname -m), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" \
		"family $(sed -n 's/^cpu family[^:]*: //p' /proc/cpuinfo | head -1)," \
		"model $(sed -n 's/^model[^:]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "compiler: $(${FUZZ_CC:-clang} --version | head -1)"
	echo "per harness: ${runs:+$runs runs or }${secs} s, -timeout=10, ASan+UBSan"
} > "$summary.head" 2>/dev/null || true
: > "$summary.body"
for n in "$@"; do
	corpus="$B/corpus/$n"
	art="$B/artifacts/$n"
	log="$B/fuzz-$n.log"
	mkdir -p "$corpus" "$art"
	cp fuzz/corpus/"$n"/* "$corpus"/ 2>/dev/null
	seeds=$(eval echo "\${FUZZ_SEEDS_$n:-}")
	for s in $seeds; do
		if [ -d "$s" ]; then cp "$s"/* "$corpus"/ 2>/dev/null; else cp "$s" "$corpus"/ 2>/dev/null; fi
	done
	dict=""
	# JSON documents: the dictionary, and inputs up to 64 kB (the seeds are smaller)
	case $n in model|bench) dict="-dict=fuzz/json.dict -max_len=65536" ;; esac
	"$B/fuzz_$n" -max_total_time="$secs" ${runs:+-runs=$runs} -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" $dict "$corpus" "fuzz/crashes/$n" > "$log" 2>&1
	rc=$?
	# libFuzzer ends without atexit handlers: the sysfs harness's scratch
	# trees of processes that are gone
	for d in /dev/shm/dlprobe-fuzz-sysfs-* /tmp/dlprobe-fuzz-sysfs-*; do
		[ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
	done
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1 s/p' "$log" | tail -1)
	line="$n: ${execs:-?} executions${took:+ in $took}, ${cov:-no coverage line}, corpus $(ls "$corpus" | wc -l) files, exit $rc"
	echo "$line" | tee -a "$summary.body"
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "  crash/leak/timeout in $n: see $log and $art" | tee -a "$summary.body"
		tail -30 "$log"
	fi
done
cat "$summary.head" "$summary.body" > "$summary" 2>/dev/null
rm -f "$summary.head" "$summary.body"
echo "summary: $summary"
exit $status
