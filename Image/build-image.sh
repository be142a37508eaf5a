#!/bin/bash
# build-image.sh BOARD [--arch arm64|amd64] [--out DIR] [--chargerd PATH] [--swift-runtime DIR]
#                      [--mirror URL]
#
# Builds a Debian 12 (bookworm) root file system for ChargeKit with mmdebstrap from Debian's archive:
# systemd, udev, the libraries the C shims link (libgpiod, libsocketcan, libi2c), iproute2, the
# `chargekit` user and its device groups, Image/udev/60-chargekit.rules, Image/systemd/chargerd.service
# (enabled), the board files, the board's Overlays/ fragment for config.txt, the Swift runtime
# libraries chargerd links, and chargerd itself. For arm64 also the Raspberry Pi firmware and
# Debian's arm64 kernel. Output: DIR/chargekit-BOARD-ARCH.tar (a root file system, not yet a
# partitioned, bootable disk image: that step is planned).
#
# chargerd and its Swift runtime:
#   amd64: --chargerd defaults to .build/release/chargerd, else .build/debug/chargerd; the runtime
#          libraries are the ones `ldd` resolves under the Swift toolchain (/opt/swift).
#   arm64: this machine has no Swift toolchain for aarch64. Pass --chargerd (built on a Pi or with a
#          supplied cross toolchain) and --swift-runtime (that toolchain's usr/lib/swift/linux);
#          without them the root file system is built with everything else and no chargerd.
#          Building an arm64 root file system on an amd64 host also needs qemu-user-static and
#          binfmt_misc (mmdebstrap runs the packages' maintainer scripts under emulation).
set -euo pipefail

usage() { sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
board="" arch=arm64 out="$root/.build/image" chargerd="" runtime="" mirror="http://deb.debian.org/debian"
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --chargerd) chargerd=${2:?}; shift 2 ;;
        --swift-runtime) runtime=${2:?}; shift 2 ;;
        --mirror) mirror=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$board" ] || usage; board=$1; shift ;;
    esac
done
[ -n "$board" ] || usage
case "$arch" in arm64|amd64) ;; *) echo "--arch must be arm64 or amd64" >&2; exit 2 ;; esac
[ -f "$root/Boards/$board.yaml" ] || { echo "no board file Boards/$board.yaml" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "mmdebstrap not found: apt-get install mmdebstrap" >&2; exit 1; }

# Everything the image gets from this repository is staged in one tree, copied in by one hook.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -D -m 0644 "$root/Image/systemd/chargerd.service" "$stage/etc/systemd/system/chargerd.service"
install -D -m 0644 "$root/Image/udev/60-chargekit.rules" "$stage/etc/udev/rules.d/60-chargekit.rules"
install -d "$stage/etc/chargekit/boards"
install -m 0644 "$root"/Boards/*.yaml "$stage/etc/chargekit/boards/"
printf '# The board chargerd runs (a name in /etc/chargekit/boards or a path).\nCHARGEKIT_BOARD=%s\n' "$board" \
    > "$stage/etc/chargekit/chargerd.env"

if [ "$arch" = amd64 ] && [ -z "$chargerd" ]; then
    for c in "$root/.build/release/chargerd" "$root/.build/debug/chargerd"; do
        [ -x "$c" ] && { chargerd=$c; break; }
    done
fi
if [ -n "$chargerd" ]; then
    install -D -m 0755 "$chargerd" "$stage/usr/bin/chargerd"
    install -d "$stage/usr/lib/chargekit/swift"
    if [ -n "$runtime" ]; then
        cp -L "$runtime"/*.so "$stage/usr/lib/chargekit/swift/"
    elif [ "$arch" = amd64 ]; then
        # The Swift runtime libraries chargerd links, as the host resolves them from the toolchain.
        ldd "$chargerd" | awk '$3 ~ /\/opt\/swift\// { print $3 }' | while read -r lib; do
            cp -L "$lib" "$stage/usr/lib/chargekit/swift/"
        done
    else
        echo "warning: --chargerd without --swift-runtime for $arch: no Swift runtime in the image" >&2
    fi
    install -d "$stage/etc/ld.so.conf.d"
    echo /usr/lib/chargekit/swift > "$stage/etc/ld.so.conf.d/chargekit-swift.conf"
else
    echo "note: no chargerd for $arch (no aarch64 Swift toolchain here): building the root file system without it" >&2
fi

if [ "$arch" = amd64 ]; then
    # A VM may have fewer than four CPUs: no pinning to CPU 3 there (sched_setaffinity would fail).
    install -d "$stage/etc/systemd/system/chargerd.service.d"
    printf '[Service]\nCPUAffinity=\n' > "$stage/etc/systemd/system/chargerd.service.d/10-no-cpu-pinning.conf"
fi

packages=systemd,systemd-sysv,udev,dbus,iproute2,kmod,libgpiod2,libsocketcan2,libi2c0,ca-certificates
components=main
if [ "$arch" = arm64 ]; then
    # Debian's Raspberry Pi boot firmware (non-free-firmware) and arm64 kernel (bcm2711 device trees).
    packages=$packages,raspi-firmware,linux-image-arm64,firmware-brcm80211
    components=main,non-free-firmware
    overlay="$root/Overlays/$board.txt"
    if [ -f "$overlay" ]; then
        # raspi-firmware appends /etc/default/raspi-firmware-custom to the config.txt it writes.
        install -D -m 0644 "$overlay" "$stage/etc/default/raspi-firmware-custom"
    fi
fi

mkdir -p "$out"
image="$out/chargekit-$board-$arch.tar"
start=$(date +%s)
mmdebstrap --variant=minbase --architectures="$arch" --components="$components" --include="$packages" \
    --customize-hook="sync-in '$stage' /" \
    --customize-hook='chroot "$1" groupadd -f --system gpio' \
    --customize-hook='chroot "$1" groupadd -f --system spi' \
    --customize-hook='chroot "$1" groupadd -f --system i2c' \
    --customize-hook='chroot "$1" groupadd -f --system netdev' \
    --customize-hook='chroot "$1" useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --groups gpio,spi,i2c,dialout,netdev chargekit' \
    --customize-hook='chroot "$1" ldconfig' \
    --customize-hook='chroot "$1" systemctl enable chargerd.service' \
    --customize-hook='echo chargekit > "$1/etc/hostname"' \
    bookworm "$image" "$mirror"
echo "built $image ($(du -h "$image" | cut -f1)) in $(( $(date +%s) - start )) s"
