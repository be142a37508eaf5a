#!/bin/bash
# build-image.sh BOARD [--arch arm64|amd64] [--out DIR] [--chargerd PATH|none] [--swift-runtime DIR]
#                      [--mirror URL] [--format tar|dir] [--apt-cache DIR]
#
# Builds a Debian 12 (bookworm) root file system for ChargeKit with mmdebstrap from Debian's archive:
# systemd, udev, the system libraries chargerd links (libgpiod, libsocketcan, libi2c, libmosquitto
# (opened at run time for an MQTT site link), libyaml: Image/boot-check.sh fails naming any it lacks), iproute2, the `chargekit` user and its
# device groups, Image/udev/60-chargekit.rules, Image/systemd/chargerd.service (enabled), the board files, the board's Overlays/ fragment for config.txt, the Swift runtime
# libraries chargerd links, and chargerd itself. For arm64 also the Raspberry Pi firmware and
# Debian's arm64 kernel. Output: DIR/chargekit-BOARD-ARCH.tar (a root file system, not yet a
# partitioned, bootable disk image: that step is planned). --format dir writes the root file system
# as the directory DIR/chargekit-BOARD-ARCH instead (what Image/boot-check.sh boots under qemu).
#
# Downloads are cached: the .debs apt fetched are kept in --apt-cache (default
# $CHARGEKIT_APT_CACHE, else /var/tmp/chargekit-apt-cache/ARCH) and reused by the next build.
#
# chargerd and its Swift runtime:
#   --chargerd none: a root file system without chargerd (Image/boot-check.sh adds it later).
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
format=tar apt_cache=""
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --chargerd) chargerd=${2:?}; shift 2 ;;
        --swift-runtime) runtime=${2:?}; shift 2 ;;
        --mirror) mirror=${2:?}; shift 2 ;;
        --format) format=${2:?}; shift 2 ;;
        --apt-cache) apt_cache=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$board" ] || usage; board=$1; shift ;;
    esac
done
[ -n "$board" ] || usage
case "$arch" in arm64|amd64) ;; *) echo "--arch must be arm64 or amd64" >&2; exit 2 ;; esac
case "$format" in tar|dir) ;; *) echo "--format must be tar or dir" >&2; exit 2 ;; esac
apt_cache=${apt_cache:-${CHARGEKIT_APT_CACHE:-/var/tmp/chargekit-apt-cache}/$arch}
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

if [ "$chargerd" = none ]; then
    chargerd="" no_chargerd=1
elif [ "$arch" = amd64 ] && [ -z "$chargerd" ]; then
    for c in "$root/.build/release/chargerd" "$root/.build/debug/chargerd"; do
        [ -x "$c" ] && { chargerd=$c; break; }
    done
fi
if [ -n "$chargerd" ]; then
    "$root/Image/stage-chargerd.sh" "$stage" "$chargerd" --arch "$arch" ${runtime:+--swift-runtime "$runtime"}
elif [ -z "${no_chargerd:-}" ]; then
    echo "note: no chargerd for $arch (no aarch64 Swift toolchain here): building the root file system without it" >&2
fi

if [ "$arch" = amd64 ]; then
    # A VM may have fewer than four CPUs: no pinning to CPU 3 there (sched_setaffinity would fail).
    install -d "$stage/etc/systemd/system/chargerd.service.d"
    printf '[Service]\nCPUAffinity=\n' > "$stage/etc/systemd/system/chargerd.service.d/10-no-cpu-pinning.conf"
fi

packages=systemd,systemd-sysv,udev,dbus,iproute2,kmod,libgpiod2,libsocketcan2,libi2c0,libmosquitto1,libyaml-0-2,libstdc++6,ca-certificates
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

mkdir -p "$out" "$apt_cache"
image="$out/chargekit-$board-$arch.tar"
if [ "$format" = dir ]; then
    image="$out/chargekit-$board-$arch"
    rm -rf "$image"    # mmdebstrap wants an empty or new directory
fi
start=$(date +%s)
# The apt cache: the .debs of the last build are synced in before the download and the new ones out
# after it (mmdebstrap(1), "--skip=download/empty"); the image itself keeps no .deb.
# dpkg without fsync per file (force-unsafe-io): a crash mid-build only means building again.
mmdebstrap --variant=minbase --skip=download/empty --skip=essential/unlink --dpkgopt=force-unsafe-io \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in '$apt_cache' /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives '$apt_cache'" \
    --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb "$1"/etc/dpkg/dpkg.cfg.d/99mmdebstrap' \
    --architectures="$arch" --components="$components" --include="$packages" \
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
echo "built $image ($(du -sh "$image" | cut -f1)) in $(( $(date +%s) - start )) s"
