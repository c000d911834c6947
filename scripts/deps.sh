#!/bin/sh
# Installs the Debian packages dlprobe builds and tests with, when missing.
# As root it runs apt-get itself; otherwise it prints the one command to run.
# Open MPI builds and tests dlprobe-cluster (plain dlprobe never links it).
set -eu
PKGS="build-essential pkg-config libhwloc-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
libcmocka-dev libjansson-dev python3 python3-jsonschema libopenblas0-pthread libblis4-pthread libclblast-dev
chromium clang libclang-rt-14-dev openmpi-bin libopenmpi-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "dlprobe: missing packages:$missing" >&2
	echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "dlprobe: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
