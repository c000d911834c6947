#!/bin/sh
# Writes the man page to stdout from the help texts, the one source of the
# option text: `dlprobe --help` (cli/usage.c) and `dlprobe CMD --help` for
# every command it lists (each beside its code in cli/cmd_*.c).
# Usage: gen_man.sh PATH/TO/dlprobe > docs/dlprobe.1
set -eu
B=$1
ver=$("$B" --help >/dev/null && grep -o '"[0-9.]*"' include/dlprobe/dlprobe.h | head -1 | tr -d '"')
# roff: escape backslashes and hyphens, protect a leading dot or quote
roff() { sed 's/\\/\\\\/g; s/^\./\\\&./; s/^'"'"'/\\\&'"'"'/; s/-/\\-/g'; }
echo ".TH DLPROBE 1 \"\" \"dlprobe $ver\" \"User Commands\""
echo ".SH NAME"
echo "dlprobe \\- measure what deep learning would cost on this hardware, against a classical model"
echo ".SH SYNOPSIS"
echo ".nf"
"$B" --help | sed -n '1p' | roff
echo ".fi"
echo ".SH DESCRIPTION"
echo ".nf"
"$B" --help | sed '1,2d' | roff
echo ".fi"
echo ".SH COMMANDS"
# the command names: the "Commands:" block of --help, "(none)" left out
for c in $("$B" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p'); do
	echo ".SS dlprobe $c"
	echo ".nf"
	"$B" "$c" --help | roff
	echo ".fi"
done
echo ".SH SEE ALSO"
echo "README.md and docs/ in the dlprobe sources."
