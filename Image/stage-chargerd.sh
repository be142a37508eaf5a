#!/bin/bash
# stage-chargerd.sh ROOT CHARGERD [--arch amd64|arm64] [--swift-runtime DIR]
#
# Puts chargerd into the tree ROOT (a staging tree or a whole root file system): /usr/bin/chargerd,
# the Swift runtime libraries it links in /usr/lib/chargekit/swift and the ld.so.conf.d entry for
# them. Used by Image/build-image.sh (staging tree) and Image/boot-check.sh (a built root file
# system, which then runs `ldconfig -r`).
#   amd64 without --swift-runtime: the libraries `ldd` resolves under the Swift toolchain (/opt/swift).
#   arm64: pass --swift-runtime (the aarch64 toolchain's usr/lib/swift/linux); there is none here.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2p' "$0" | sed 's/^# //' >&2; exit 2; }
root=$1 chargerd=$2 arch=amd64 runtime=""
shift 2
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch=${2:?}; shift 2 ;;
        --swift-runtime) runtime=${2:?}; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ -x "$chargerd" ] || { echo "no chargerd at $chargerd" >&2; exit 2; }
install -D -m 0755 "$chargerd" "$root/usr/bin/chargerd"
install -d "$root/usr/lib/chargekit/swift"
if [ -n "$runtime" ]; then
    cp -L "$runtime"/*.so "$root/usr/lib/chargekit/swift/"
elif [ "$arch" = amd64 ]; then
    # The Swift runtime libraries chargerd links, as the host resolves them from the toolchain.
    ldd "$chargerd" | awk '$3 ~ /\/opt\/swift\// { print $3 }' | while read -r lib; do
        cp -L "$lib" "$root/usr/lib/chargekit/swift/"
    done
else
    echo "warning: chargerd without --swift-runtime for $arch: no Swift runtime in the image" >&2
fi
install -d "$root/etc/ld.so.conf.d"
echo /usr/lib/chargekit/swift > "$root/etc/ld.so.conf.d/chargekit-swift.conf"
