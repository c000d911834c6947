#!/bin/sh
# Writes the man page to stdout from `dlprobe --help`, the one source of the
# option text (cli/usage.c). Usage: gen_man.sh PATH/TO/dlprobe > docs/dlprobe.1
set -eu
B=$1
ver=$("$B" --help >/dev/null && grep -o '"[0-9.]*"' include/dlprobe/dlprobe.h | head -1 | tr -d '"')
echo ".TH DLPROBE 1 \"\" \"dlprobe $ver\" \"User Commands\""
echo ".SH NAME"
echo "dlprobe \\- measure what deep learning would cost on this hardware, against a classical model"
echo ".SH SYNOPSIS"
echo ".nf"
"$B" --help | sed -n '1p' | sed 's/\\/\\\\/g; s/^-/\\-/'
echo ".fi"
echo ".SH DESCRIPTION"
echo ".nf"
"$B" --help | sed '1,2d' | sed 's/\\/\\\\/g; s/^\./\\\&./; s/-/\\-/g'
echo ".fi"
echo ".SH SEE ALSO"
echo "README.md and docs/ in the dlprobe sources."
