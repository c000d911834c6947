# Shared by the shell tests that check the front end (sourced after T, the
# temporary directory, is set): counters, ok/ko, and two checks of a command.
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
# expect NAME CODE PATTERN -- CMD...: exit code and PATTERN (grep -E) in
# stdout+stderr; stdin is $STDIN (default /dev/null); a hang is exit 124.
# CMD may be a shell function (run in a subshell: timeout cannot run one,
# and NO_COLOR must not stay set for the rest of the script)
expect() {
	name=$1 code=$2 pat=$3
	shift 4
	case $(command -v "$1") in
	*/*) NO_COLOR=1 timeout 120 "$@" >"$T/out" 2>"$T/err" <"${STDIN:-/dev/null}" ;;
	*) (NO_COLOR=1 && export NO_COLOR && "$@") >"$T/out" 2>"$T/err" <"${STDIN:-/dev/null}" ;;
	esac
	rc=$?
	if [ "$rc" -ne "$code" ]; then ko "$name: exit $rc, wanted $code ($(head -c 200 "$T/err"))"; return; fi
	if [ -n "$pat" ] && ! cat "$T/out" "$T/err" | grep -Eq -- "$pat"; then ko "$name: no /$pat/ in output"; return; fi
	ok "$name"
}
# one_line NAME: the last command's stderr is one "dlprobe: " line
one_line() {
	if [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q '^dlprobe: ' "$T/err"; then ok "$1"; else ko "$1: stderr: $(cat "$T/err")"; fi
}
