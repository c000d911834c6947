#!/bin/sh
# make readme-example: README's one-screen example (the plain run's head and
# its first scenario) from this build on this machine, spliced between the
# README's "readme-example" markers with when it ran and how busy the machine
# was. tests/cli_review.sh checks the example's catalog rows against the build.
#   readme_example.sh BIN OUT_DIR
set -eu
BIN=$1
DIR=$2
mkdir -p "$DIR"
load=$(cut -d' ' -f1-3 /proc/loadavg)
# the CI slot's VM changes host (a Zen 3 one day, a Zen 5 the next): the
# example names the CPU it ran on, so that its figures say which machine
cpu=$(awk -F': *' '/^model name/ && !n { n = $2 } /^cpu family/ && !f { f = $2 }
	/^model[ \t]*:/ && !m { m = $2 } END { printf "%s family %s model %s", n, f, m }' /proc/cpuinfo)
ncpu=$(nproc)
NO_COLOR=1 "$BIN" --label "CI machine" > "$DIR/readme-screen.txt"
lines=$(wc -l < "$DIR/readme-screen.txt")
{
	echo '```'
	# the head, a blank line, the first scenario: up to the second blank line
	awk '/^$/ { if (++blank == 2) exit } { print }' "$DIR/readme-screen.txt"
	echo '```'
	echo
	printf '(`make readme-example` on %s CPUs of %s, %s, load average %s before the run; %s lines in all)\n' \
		"$ncpu" "$cpu" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$load" "$lines"
} > "$DIR/readme-example.md"
python3 scripts/splice_md.py README.md readme-example "$DIR/readme-example.md"
