#!/bin/sh
# Writes an assembler file that embeds each given file (NUL-terminated) and a
# table {name, start, end} named dlp_embedded_table, ended by a NULL name.
# Usage: embed.sh FILE...   (data/models/x.json is named models/x.json, any .ptx ptx/NAME.ptx)
set -eu
i=0
echo '	.section .rodata'
for f in "$@"; do
	echo "	.balign 16"
	echo "dlp_emb_$i:"
	echo "	.incbin \"$f\""
	echo "dlp_emb_end_$i:"
	echo "	.byte 0"
	echo "dlp_emb_name_$i:"
	case "$f" in
	*.ptx) name="ptx/${f##*/}" ;;
	*) name="${f#data/}" ;;
	esac
	echo "	.asciz \"$name\""
	i=$((i + 1))
done
echo '	.section .data.rel.ro,"aw"'
echo '	.balign 8'
echo '	.globl dlp_embedded_table'
echo 'dlp_embedded_table:'
j=0
while [ "$j" -lt "$i" ]; do
	echo "	.quad dlp_emb_name_$j, dlp_emb_$j, dlp_emb_end_$j"
	j=$((j + 1))
done
echo '	.quad 0, 0, 0'
echo '	.section .note.GNU-stack,"",@progbits'
