#!/bin/bash
# build-sd-image.sh [BOARD] [--rootfs TAR|DIR] [--out DIR] [--boot-size MiB] [--root-size MiB|--headroom PCT]
#                   [--root-device auto|/dev/mmcblk0p2] [--disk-id 0xHHHHHHHH] [--compress]
#                   [--chargerd PATH|none] [--swift-runtime DIR] [--apt-cache DIR]
#
# Makes a partitioned SD-card image for a Raspberry Pi from the arm64 root file system of
# Image/build-image.sh, laid out like Raspberry Pi OS's images:
#   MBR (dos) partition table, partitions aligned to 4 MiB (the first at 4 MiB);
#   1: FAT32, type 0c, label `bootfs`, --boot-size MiB (default 256): the root file system's
#      /boot/firmware (firmware, config.txt, cmdline.txt, kernel, initrd, device trees);
#   2: ext4, type 83, label `rootfs`: everything else, /boot/firmware left as the empty mount point;
#      its size is the content plus --headroom percent (default 25) plus 64 MiB for the file system's
#      own metadata, or --root-size MiB. The root file system grows to fill a larger card only by hand
#      (growpart/resize2fs; not done at first boot).
# Output: DIR/chargekit-BOARD-arm64.img (default .build/image/), with --compress also .img.xz, and a
# .sha256 of each. BOARD defaults to CHARGEKIT_BOARD in the root file system's chargerd.env.
# Without --rootfs, the root file system is built first with
# `Image/build-image.sh BOARD --arch arm64 --out DIR` (--chargerd, --swift-runtime and --apt-cache are
# passed on; ~15 min here under qemu-user).
#
# The root device: the Pi 4's SD card is not always mmcblk0 under Debian's kernel (the upstream
# bcm2711 device trees have no mmc0/mmc1 aliases, so the SD slot (emmc2) and the Wi-Fi's SDIO
# controller are numbered in the order they probe; the SD card has been seen as mmcblk1). So by
# default (--root-device auto) the image names its partitions by PARTUUID: the MBR's disk identifier
# (--disk-id, random by default) and the partition number, PARTUUID=<id>-02 for the root file system
# and PARTUUID=<id>-01 for /boot/firmware. That one value goes to cmdline.txt (root=), to /etc/fstab
# and to ROOTPART in /etc/default/raspi-firmware (so the firmware hook writes the same root= again
# on a kernel update). --root-device /dev/mmcblk0p2 keeps the recipe's device names instead
# (/dev/mmcblk0p1 for /boot/firmware).
#
# Built without loop devices or mounting (a container may not allow them): the root file system is
# extracted (as root, ownership, modes and xattrs kept; /dev's nodes left out: devtmpfs provides them),
# the FAT file system is made in a file with mkfs.fat and filled with mtools' mcopy, the ext4 one
# with `mke2fs -d`, the partition table written on the image file with sfdisk, and each file system
# copied in at its offset with dd (sparse). Needs root, dosfstools, mtools, e2fsprogs, fdisk (sfdisk),
# and xz-utils for --compress. Temporary files go under $TMPDIR (default /var/tmp: ~2x the root file
# system) and are removed on exit. Image/check-sd-image.sh checks the result.
set -euo pipefail

usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "build-sd-image: $*" >&2; exit 1; }
bad_arg() { echo "build-sd-image: $*" >&2; exit 2; }
say() { echo "build-sd-image: $*"; }

repo=$(cd "$(dirname "$0")/.." && pwd)
board="" rootfs="" out="$repo/.build/image" boot_mib=256 root_mib="" headroom=25 root_device=auto
disk_id="" compress=0 pass=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rootfs) rootfs=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --boot-size) boot_mib=${2:?}; shift 2 ;;
        --root-size) root_mib=${2:?}; shift 2 ;;
        --headroom) headroom=${2:?}; shift 2 ;;
        --root-device) root_device=${2:?}; shift 2 ;;
        --disk-id) disk_id=${2:?}; shift 2 ;;
        --compress) compress=1; shift ;;
        --chargerd|--swift-runtime|--apt-cache) pass+=("$1" "${2:?}"); shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$board" ] || usage; board=$1; shift ;;
    esac
done
[[ $boot_mib =~ ^[0-9]+$ ]] && [ "$boot_mib" -ge 64 ] && [ $((boot_mib % 4)) = 0 ] || bad_arg "--boot-size must be a number of MiB, at least 64 and a multiple of 4"
[ -z "$root_mib" ] || [[ $root_mib =~ ^[0-9]+$ ]] || bad_arg "--root-size must be a number of MiB"
[[ $headroom =~ ^[0-9]+$ ]] || bad_arg "--headroom must be a percentage (a whole number)"
case "$root_device" in auto|/dev/mmcblk0p2) ;; *) bad_arg "--root-device must be auto (PARTUUID) or /dev/mmcblk0p2" ;; esac
if [ -n "$disk_id" ]; then
    [[ $disk_id =~ ^(0x)?[0-9a-fA-F]{8}$ ]] || bad_arg "--disk-id must be 8 hex digits (0x1234abcd)"
    disk_id=$(printf '%08x' "0x${disk_id#0x}")
else
    disk_id=$(od -An -tx4 -N4 /dev/urandom | tr -d ' \n')
fi
[ "$disk_id" != 00000000 ] || bad_arg "--disk-id 0 means no disk identifier: PARTUUIDs need one"

[ "$(id -u)" = 0 ] || die "needs root (the root file system is extracted with its owners, e.g. /etc/shadow root:shadow)"
missing=()
for t in tar mkfs.fat mcopy mmd mke2fs sfdisk dd truncate od; do
    command -v "$t" >/dev/null || missing+=("$t")
done
[ "$compress" = 0 ] || command -v xz >/dev/null || missing+=(xz)
[ ${#missing[@]} = 0 ] || die "missing ${missing[*]}: apt-get install dosfstools mtools e2fsprogs fdisk xz-utils"

# The root file system: given, or built now.
if [ -z "$rootfs" ]; then
    [ -n "$board" ] || bad_arg "name a BOARD, or give --rootfs"
    say "no --rootfs: building the arm64 root file system first (Image/build-image.sh)"
    "$repo/Image/build-image.sh" "$board" --arch arm64 --out "$out" --format tar "${pass[@]}"
    rootfs=$out/chargekit-$board-arm64.tar
elif [ ${#pass[@]} -gt 0 ]; then
    bad_arg "${pass[0]} is for building the root file system; with --rootfs it is already built"
fi
[ -e "$rootfs" ] || die "no such root file system: $rootfs"

start=$(date +%s)
lap=$start
# step WHAT: how long the step that just ended took.
step() { local now; now=$(date +%s); times+=("$1 $((now - lap)) s"); lap=$now; }
times=()
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/chargekit-sd.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/root
if [ -d "$rootfs" ]; then
    # A directory is copied, not changed: the firmware is moved out of it below.
    mkdir "$tree"
    tar -C "$rootfs" --xattrs --xattrs-include='*' --exclude='./dev/*' -cf - . | tar -C "$tree" -xpf - --numeric-owner --xattrs --xattrs-include='*'
else
    mkdir "$tree"
    tar -C "$tree" -xpf "$rootfs" --numeric-owner --xattrs --xattrs-include='*' --exclude='./dev/*' \
        || die "cannot extract $rootfs"
fi

step extract
# What it must be: an arm64 root file system from build-image.sh, with the Pi's boot files.
bash_elf=$tree/usr/bin/bash
[ -f "$bash_elf" ] || die "$rootfs has no /usr/bin/bash: not a root file system from Image/build-image.sh"
machine=$(od -An -tu2 -j18 -N2 --endian=little "$bash_elf" | tr -d ' ')
[ "$machine" = 183 ] || die "$rootfs is not arm64 (/usr/bin/bash has e_machine $machine, not 183 aarch64): build it with --arch arm64"
fw=$tree/boot/firmware
[ -d "$fw" ] || die "$rootfs has no /boot/firmware: build-image.sh --arch arm64 puts the Pi's boot files there (raspi-firmware)"
for f in config.txt cmdline.txt start4.elf fixup4.dat bcm2711-rpi-4-b.dtb; do
    [ -f "$fw/$f" ] || die "$rootfs lacks /boot/firmware/$f"
done
ls "$fw"/vmlinuz-* >/dev/null 2>&1 || die "$rootfs has no kernel in /boot/firmware (vmlinuz-*)"
ls "$fw"/initrd.img-* >/dev/null 2>&1 || die "$rootfs has no initrd in /boot/firmware (initrd.img-*)"
if [ -z "$board" ]; then
    board=$(sed -n 's/^CHARGEKIT_BOARD=//p' "$tree/etc/chargekit/chargerd.env" 2>/dev/null || true)
    [ -n "$board" ] || die "name a BOARD: $rootfs has no CHARGEKIT_BOARD in /etc/chargekit/chargerd.env"
fi
image=$out/chargekit-$board-arm64.img

# The partitions' names, in cmdline.txt (root=), /etc/fstab and raspi-firmware's ROOTPART.
if [ "$root_device" = auto ]; then
    root_spec=PARTUUID=$disk_id-02 boot_spec=PARTUUID=$disk_id-01
else
    root_spec=/dev/mmcblk0p2 boot_spec=/dev/mmcblk0p1
fi
grep -q 'root=[^ ]*' "$fw/cmdline.txt" || die "/boot/firmware/cmdline.txt has no root="
sed -i "s|root=[^ ]*|root=$root_spec|" "$fw/cmdline.txt"
defaults=$tree/etc/default/raspi-firmware
if [ -f "$defaults" ] && grep -q '^ROOTPART=' "$defaults"; then
    sed -i "s|^ROOTPART=.*|ROOTPART=$root_spec|" "$defaults"
else
    printf '\n# Set by Image/build-sd-image.sh: the SD card'"'"'s root partition.\nROOTPART=%s\n' "$root_spec" >> "$defaults"
fi
cat > "$tree/etc/fstab" <<EOF
# Written by Image/build-sd-image.sh for the SD-card image (MBR disk identifier 0x$disk_id).
# <file system>  <mount point>  <type>  <options>  <dump>  <pass>
$root_spec  /  ext4  rw,noatime  0  1
$boot_spec  /boot/firmware  vfat  rw,noatime,umask=0022  0  2
EOF

# Partition 1: FAT32 with /boot/firmware's files; the directory stays as the mount point.
fw_kib=$(du -sk --apparent-size "$fw" | cut -f1)
[ $((fw_kib / 1024)) -lt $((boot_mib * 9 / 10)) ] || die "/boot/firmware holds $((fw_kib / 1024)) MiB: more than 90 % of --boot-size $boot_mib"
boot_img=$work/boot.vfat
mkfs.fat -F 32 -n bootfs -i "$disk_id" -C "$boot_img" $((boot_mib * 1024)) >/dev/null 2>"$work/mkfs.fat.err" \
    || { cat "$work/mkfs.fat.err" >&2; die "mkfs.fat failed"; }
export MTOOLS_SKIP_CHECK=1
(cd "$fw" && find . -mindepth 1 -type d | sort | while read -r d; do mmd -i "$boot_img" "::/${d#./}"; done)
(cd "$fw" && find . -type f | sort | while read -r f; do mcopy -p -m -o -i "$boot_img" "$f" "::/${f#./}"; done)
fw_files=$(cd "$fw" && find . -type f | wc -l)
find "$fw" -mindepth 1 -delete
step FAT

# Partition 2: ext4 from the tree.
content_mib=$(( ($(du -sk "$tree" | cut -f1) + 1023) / 1024 ))
entries=$(find "$tree" | wc -l)
if [ -z "$root_mib" ]; then
    root_mib=$(( content_mib + content_mib * headroom / 100 + 64 ))
fi
root_mib=$(( (root_mib + 3) / 4 * 4 ))
root_img=$work/root.ext4
mke2fs -q -t ext4 -L rootfs -d "$tree" -E root_owner=0:0 "$root_img" "${root_mib}M" >/dev/null 2>"$work/mke2fs.err" \
    || { cat "$work/mke2fs.err" >&2; die "mke2fs failed (the content is $content_mib MiB; a larger --root-size?)"; }
step ext4

# The disk: 4 MiB, then partition 1, then partition 2, each aligned to 4 MiB.
boot_start=$((4 * 2048)) boot_sectors=$((boot_mib * 2048))
root_start=$((boot_start + boot_sectors)) root_sectors=$((root_mib * 2048))
total_mib=$((4 + boot_mib + root_mib))
partial=$image.partial
rm -f "$partial"
truncate -s "${total_mib}M" "$partial"
sfdisk --quiet --no-reread --no-tell-kernel "$partial" <<EOF >/dev/null
label: dos
label-id: 0x$disk_id
unit: sectors

start=$boot_start, size=$boot_sectors, type=c
start=$root_start, size=$root_sectors, type=83
EOF
dd if="$boot_img" of="$partial" bs=4M seek=1 conv=notrunc,sparse status=none
dd if="$root_img" of="$partial" bs=4M seek=$((root_start / 2048 / 4)) conv=notrunc,sparse status=none
mv -f "$partial" "$image"
(cd "$out" && sha256sum "$(basename "$image")" > "$(basename "$image").sha256")
rm -f "$image.xz" "$image.xz.sha256"
step "disk and sha256"
say "wrote $image: $total_mib MiB ($(du -k "$image" | awk '{ printf "%d", $1 / 1024 }') MiB allocated, sparse), disk identifier 0x$disk_id"
say "  partition 1: FAT32 'bootfs' at 4 MiB, $boot_mib MiB, $fw_files files ($((fw_kib / 1024)) MiB) from /boot/firmware"
say "  partition 2: ext4 'rootfs' at $((root_start / 2048)) MiB, $root_mib MiB, $entries entries ($content_mib MiB)"
say "  root=$root_spec in cmdline.txt, /etc/fstab and ROOTPART; /boot/firmware is $boot_spec"
if [ "$compress" = 1 ]; then
    xz -T0 -6 -k -f "$image"
    (cd "$out" && sha256sum "$(basename "$image").xz" > "$(basename "$image").xz.sha256")
    step xz
    say "wrote $image.xz: $(du -k "$image.xz" | awk '{ printf "%.1f", $1 / 1024 }') MiB"
fi
say "done in $(( $(date +%s) - start )) s ($(IFS=,; echo "${times[*]}" | sed 's/,/, /g'))"
