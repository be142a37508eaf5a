#!/bin/bash
# build-image.sh BOARD [--arch arm64|amd64] [--out DIR] [--chargerd PATH|none] [--swift-runtime DIR]
#                      [--mirror URL] [--format tar|dir] [--apt-cache DIR]
#
# Builds a Debian 12 (bookworm) root file system for ChargeKit with mmdebstrap from Debian's archive:
# systemd, udev, the system libraries chargerd links (libgpiod, libsocketcan, libi2c, libmosquitto
# (opened at run time for an MQTT site link), libyaml: Image/boot-check.sh fails naming any it lacks), iproute2, the `chargekit` user and its
# device groups, Image/udev/60-chargekit.rules, Image/systemd/chargerd.service (enabled), the board files, the board's Overlays/ fragment for config.txt, the Swift runtime
# libraries chargerd links, and chargerd itself. For arm64 also the Raspberry Pi firmware and
# Debian's arm64 kernel. Output: DIR/chargekit-BOARD-ARCH.tar (a root file system; for arm64,
# Image/build-sd-image.sh makes the partitioned SD-card image from it). --format dir writes the root file system
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
#          Building an arm64 root file system on an amd64 host also needs qemu-user-static,
#          binfmt_misc and arch-test (mmdebstrap runs the packages' maintainer scripts under
#          emulation): Image/setup-foreign-arch.sh, once. Then ~15 min here, most of it mkinitramfs
#          under qemu-user; Image/check-rootfs.sh checks the result.
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
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
    # Another architecture's maintainer scripts run under qemu-user through binfmt_misc.
    command -v arch-test >/dev/null && arch-test "$arch" >/dev/null 2>&1 || {
        echo "this host cannot run $arch binaries: Image/setup-foreign-arch.sh sets it up (qemu-user-static, binfmt_misc, arch-test)" >&2
        exit 1
    }
fi

# Everything the image gets from this repository is staged in one tree, copied in by one hook.
stage=$(mktemp -d) extra=$(mktemp -d) arch_hooks=()    # extra: files the hooks read, not copied in
trap 'rm -rf "$stage" "$extra"' EXIT
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
    # Debian's Raspberry Pi boot firmware (non-free-firmware) and arm64 kernel (bcm2711 device trees);
    # zstd: initramfs-tools' default compression (without it, it falls back to gzip).
    packages=$packages,raspi-firmware,linux-image-arm64,firmware-brcm80211,zstd
    components=main,non-free-firmware
    overlay="$root/Overlays/$board.txt"
    if [ -f "$overlay" ]; then
        # raspi-firmware appends /etc/default/raspi-firmware-custom to the config.txt it writes.
        install -D -m 0644 "$overlay" "$stage/etc/default/raspi-firmware-custom"
    fi
    # raspi-firmware's kernel hook writes config.txt and cmdline.txt from what it finds where it runs,
    # which in this build is the build host: root= would be the host's disk, cma=64M would be set
    # (it only recognises a Pi 4 from the running machine's device tree, and on a Pi 4 that setting
    # can keep it from booting), the serial console whichever ttys the host has. Fixed here instead:
    # the SD card's second partition (Image/build-sd-image.sh replaces it with that partition's
    # PARTUUID in the SD-card image), no cma= (what the hook writes on a Pi 4), and no serial
    # console on a board whose helper owns the UART (/dev/serial0), else the Pi 4's ttyS1.
    consoles="tty0 ttyS1,115200"
    grep -Eq 'path: */dev/(serial0|ttyAMA0|ttyS)' "$root/Boards/$board.yaml" && consoles="tty0"
    printf '\n# Set by Image/build-image.sh (ChargeKit) for board %s.\nROOTPART=/dev/mmcblk0p2\nCMA=0\nCONSOLES="%s"\n' \
        "$board" "$consoles" > "$extra/raspi-firmware"
    # The initramfs checks the root file system before mounting it (cmdline.txt's fsck.repair=yes)
    # only if it has that file system's fsck, and its fsck hook learns the type by probing the
    # device fstab names for /, which does not exist on the build host: without FSTYPE the initrd
    # has no e2fsck ("Warning: fsck not present, so skipping root file system" at boot) and, with /
    # mounted rw from the start, systemd skips its own check of the root too.
    install -d "$stage/etc/initramfs-tools/conf.d"
    printf '# Set by Image/build-image.sh: the root file system type for the initramfs fsck (the SD\n# card partition cannot be probed where the image is built).\nFSTYPE=ext4\n' \
        > "$stage/etc/initramfs-tools/conf.d/chargekit-fstype"
    # The initramfs is made once, at the end: under qemu-user one run of mkinitramfs takes minutes,
    # and the kernel's postinst and then the trigger of the packages installed after it would make it
    # twice. update-initramfs is diverted to a stub while the packages install.
    printf '#!/bin/sh\necho "update-initramfs: deferred to the end of the image build" >&2\n' > "$extra/update-initramfs"
    arch_hooks+=(--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --divert /usr/sbin/update-initramfs.chargekit --add /usr/sbin/update-initramfs'
                 --essential-hook="install -m 0755 '$extra/update-initramfs' \"\$1/usr/sbin/update-initramfs\""
                 # Debian's defaults with ours appended, then the real update-initramfs and the
                 # firmware hook with everything in place (config.txt, cmdline.txt, kernel, initrd, dtbs).
                 --customize-hook="cat '$extra/raspi-firmware' >> \"\$1/etc/default/raspi-firmware\""
                 --customize-hook='rm "$1/usr/sbin/update-initramfs" && chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs'
                 --customize-hook='chroot "$1" update-initramfs -c -k all'
                 --customize-hook='chroot "$1" env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware')
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
    "${arch_hooks[@]}" \
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
