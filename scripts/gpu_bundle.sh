#!/bin/sh
# Packs build/dlprobe with the shared libraries it needs beyond glibc into one
# folder, so a GPU machine without our Debian packages can run it:
#   make gpu-bundle            -> build-gpu-bundle/{dlprobe,lib/}
#   sh scripts/gpu_check.sh OUT.json   (on the GPU machine, with the folder carried)
# glibc itself is not packed: the GPU machine's own is used (same or newer).
set -eu
B=${1:-build/dlprobe}
D=${2:-build-gpu-bundle}
rm -rf "$D.tmp"
mkdir -p "$D.tmp/lib"
cp "$B" "$D.tmp/dlprobe"
ldd "$B" | awk '$3 ~ /^\// {print $3}' | while read -r lib; do
	case "${lib##*/}" in
	libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|ld-linux*) ;;
	*) cp -L "$lib" "$D.tmp/lib/" ;;
	esac
done
rm -rf "$D"
mv "$D.tmp" "$D"
echo "gpu bundle: $D ($(ls "$D/lib" | tr '\n' ' '))"
