#!/bin/bash
# check-sd-image.sh IMG [--board BOARD]
#
# Checks an SD-card image from Image/build-sd-image.sh without mounting or booting it. Prints one line
# per check, `ok` or `FAILED` (as check-rootfs.sh), and exits 1 on any FAILED:
#   - the partition table (sfdisk --json): dos, two partitions, 1 type 0c (FAT32 LBA), 2 type 83,
#     each starting on a 4 MiB boundary, in order, inside the file
#   - partition 1 (copied out with dd): `fsck.fat -n` clean, FAT32, label `bootfs`; config.txt with
#     arm_64bit=1, its kernel= and initramfs files present, and the board's Overlays/BOARD.txt
#     verbatim after raspi-firmware's "Inserted by" line; cmdline.txt; the kernel, the initrd,
#     bcm2711-rpi-4-b.dtb, start4.elf, fixup4.dat; the kernel the same bytes as the root's /boot copy;
#     the initrd (zstd or gzip cpio, listed) holds fsck and fsck.ext4, so the root is checked at boot
#   - partition 2 (copied out): `e2fsck -fn` clean, label `rootfs`; read with debugfs: /usr/bin a
#     directory, /usr/bin/bash ELF64 aarch64, /etc/shadow owned root:shadow 0640 (ownership kept),
#     chargerd.service enabled (the .wants symlink and its target), the board file, /boot/firmware an
#     empty directory (the mount point)
#   - consistency: cmdline.txt's root= names partition 2 of this disk (PARTUUID=<disk id>-02, or
#     /dev/mmcblk0p2), /etc/fstab mounts the same on / as ext4 and partition 1 (PARTUUID=<id>-01,
#     LABEL=bootfs or /dev/mmcblk0p1) on /boot/firmware as vfat, ROOTPART in
#     /etc/default/raspi-firmware is that root= (a kernel update rewrites cmdline.txt from it)
# --board defaults to CHARGEKIT_BOARD in the image's /etc/chargekit/chargerd.env.
set -euo pipefail

usage() { sed -n '2p' "$0" | sed 's/^# //' >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
img="" board=""
while [ $# -gt 0 ]; do
    case "$1" in
        --board) board=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$img" ] || usage; img=$1; shift ;;
    esac
done
[ -n "$img" ] || usage
[ -f "$img" ] || { echo "no such image: $img" >&2; exit 2; }
missing=()
for t in sfdisk fsck.fat mtype mdir e2fsck debugfs python3; do command -v "$t" >/dev/null || missing+=("$t"); done
[ ${#missing[@]} = 0 ] || { echo "missing ${missing[*]}: apt-get install fdisk dosfstools mtools e2fsprogs python3" >&2; exit 1; }

failed=0 passed=0
ok() { echo "ok      $*"; passed=$((passed + 1)); }
bad() { echo "FAILED  $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/chargekit-sdcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export MTOOLS_SKIP_CHECK=1
echo "checking $img ($(( $(stat -c %s "$img") / 1048576 )) MiB)"

# The partition table, as "id", then "start size type" per partition.
sfdisk --json "$img" > "$tmp/table.json" 2>/dev/null || { bad "sfdisk reads a partition table"; echo "check-sd-image: $passed ok, $failed failed"; exit 1; }
python3 - "$tmp/table.json" > "$tmp/table" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["partitiontable"]
print(t.get("label", ""), t.get("id", ""))
for p in t.get("partitions", []):
    print(p["start"], p["size"], p["type"])
PY
read -r label disk_id < "$tmp/table"
disk_id=${disk_id#0x}
mapfile -t parts < <(tail -n +2 "$tmp/table")
echo "table:  $label, disk identifier 0x$disk_id, ${#parts[@]} partitions: $(printf '[%s] ' "${parts[@]}")"
check "partition table: dos (MBR)" [ "$label" = dos ]
check "two partitions" [ ${#parts[@]} = 2 ]
read -r p1_start p1_size p1_type <<<"${parts[0]:-0 0 none}"
read -r p2_start p2_size p2_type <<<"${parts[1]:-0 0 none}"
check "partition 1 type 0c (FAT32 LBA): $p1_type" [ "$p1_type" = c ]
check "partition 2 type 83 (Linux): $p2_type" [ "$p2_type" = 83 ]
aligned() { [ "$1" -gt 0 ] && [ $(( $1 % 8192 )) = 0 ]; }
check "partition 1 starts on a 4 MiB boundary ($((p1_start / 2048)) MiB), $((p1_size / 2048)) MiB" aligned "$p1_start"
check "partition 2 starts on a 4 MiB boundary ($((p2_start / 2048)) MiB), $((p2_size / 2048)) MiB" aligned "$p2_start"
in_order() { [ $((p1_start + p1_size)) -le "$p2_start" ] && [ $(( (p2_start + p2_size) * 512 )) -le "$(stat -c %s "$img")" ]; }
check "partitions in order, not overlapping, inside the file" in_order

# The two file systems, copied out (sparse).
dd if="$img" of="$tmp/p2" bs=1M skip=$((p2_start * 512)) count=$((p2_size * 512)) iflag=skip_bytes,count_bytes conv=sparse status=none
dd if="$img" of="$tmp/p1" bs=1M skip=$((p1_start * 512)) count=$((p1_size * 512)) iflag=skip_bytes,count_bytes conv=sparse status=none

# Partition 1: FAT.
fsck.fat -n "$tmp/p1" > "$tmp/fsck.fat" 2>&1 && fat_rc=0 || fat_rc=$?
check "fsck.fat -n: clean (exit $fat_rc, $(tail -1 "$tmp/fsck.fat"))" [ "$fat_rc" = 0 ]
fat_label=$(dd if="$tmp/p1" bs=1 skip=71 count=11 status=none | tr -d ' ')
fat_type=$(dd if="$tmp/p1" bs=1 skip=82 count=8 status=none | tr -d ' ')
check "FAT32 ($fat_type), label bootfs ($fat_label)" [ "$fat_type" = FAT32 -a "${fat_label,,}" = bootfs ]
mdir -i "$tmp/p1" -b :: 2>/dev/null | sed 's|^::/||' > "$tmp/fatlist" || true
fat_has() { grep -qxF "$1" "$tmp/fatlist"; }
fat_cat() { mtype -i "$tmp/p1" "::$1" 2>/dev/null | tr -d '\r'; }
echo "bootfs: $(wc -l < "$tmp/fatlist") files"
fat_cat /config.txt > "$tmp/config.txt" || true
fat_cat /cmdline.txt > "$tmp/cmdline.txt" || true
check "config.txt" fat_has config.txt
check "config.txt: arm_64bit=1" grep -qx 'arm_64bit=1' "$tmp/config.txt"
kernel=$(sed -n 's/^kernel=//p' "$tmp/config.txt" | tail -1)
initrd=$(sed -n 's/^initramfs \([^ ]*\).*/\1/p' "$tmp/config.txt" | tail -1)
check "config.txt: kernel=${kernel:-none}, on the partition" fat_has "${kernel:-none}"
check "config.txt: initramfs ${initrd:-none}, on the partition" fat_has "${initrd:-none}"
for f in cmdline.txt bcm2711-rpi-4-b.dtb start4.elf fixup4.dat; do check "$f" fat_has "$f"; done

# The initrd checks the root before mounting it (fsck.repair=yes) only if it holds fsck and e2fsck.
# initrd_names: the paths in a zstd- or gzip-compressed newc cpio archive (the initramfs).
initrd_names() {
    python3 -c '
import sys
d = sys.stdin.buffer.read(); i = 0
while i + 110 <= len(d) and d[i:i + 6] in (b"070701", b"070702"):
    size, namesize = int(d[i + 54:i + 62], 16), int(d[i + 94:i + 102], 16)
    name = d[i + 110:i + 110 + namesize - 1].decode(errors="replace")
    if name == "TRAILER!!!": break
    print(name)
    i = (i + 110 + namesize + 3) & ~3
    i = (i + size + 3) & ~3
'
}
if [ -n "$initrd" ] && fat_has "$initrd"; then
    mtype -i "$tmp/p1" "::/$initrd" > "$tmp/initrd" 2>/dev/null || true
    case "$(head -c 4 "$tmp/initrd" | od -An -tx1 | tr -d ' ')" in
        28b52ffd) unpack="zstd -dc" ;;
        1f8b*) unpack="gzip -dc" ;;
        *) unpack="" ;;
    esac
    if [ -n "$unpack" ] && command -v "${unpack%% *}" >/dev/null; then
        $unpack < "$tmp/initrd" 2>/dev/null | initrd_names > "$tmp/initrd.list" || true
        # The initramfs's checkfs runs `fsck` (util-linux's wrapper, which runs fsck.ext4): without
        # it "fsck not present, so skipping root file system", whatever else the initrd holds.
        fsck_in_initrd() { grep -Eq '^(usr/)?sbin/fsck$' "$tmp/initrd.list" && grep -Eq '^(usr/)?sbin/(fsck\.ext4|e2fsck)$' "$tmp/initrd.list"; }
        check "initrd holds fsck and fsck.ext4 (the root is checked before it is mounted; $(wc -l < "$tmp/initrd.list") files)" fsck_in_initrd
    else
        echo "note    the initrd is not zstd or gzip, or ${unpack%% *} is missing: not listed"
    fi
fi

# Partition 2: ext4.
e2fsck -fn "$tmp/p2" > "$tmp/e2fsck" 2>&1 && e2_rc=0 || e2_rc=$?
check "e2fsck -fn: clean (exit $e2_rc, $(tail -1 "$tmp/e2fsck"))" [ "$e2_rc" = 0 ]
dbg() { debugfs -R "$1" "$tmp/p2" 2>/dev/null; }
root_label=$(dumpe2fs -h "$tmp/p2" 2>/dev/null | sed -n 's/^Filesystem volume name: *//p')
check "ext4 label rootfs ($root_label)" [ "$root_label" = rootfs ]
# stat_field PATH: "type mode uid gid" of an inode, from debugfs's stat.
stat_field() { dbg "stat $1" | awk '/Type: / { t = $4; m = $6 } /^User: / { u = $2; g = $4 } END { if (t != "") print t, m, u, g }'; }
check "/usr/bin is a directory ($(dbg 'ls -l /usr/bin' | grep -c .) entries)" [ "$(stat_field /usr/bin | cut -d' ' -f1)" = directory ]
dbg "dump /usr/bin/bash $tmp/bash" >/dev/null 2>&1 || true
[ -f "$tmp/bash" ] && machine="$(od -An -tu1 -j4 -N1 "$tmp/bash" | tr -d ' ') $(od -An -tu2 -j18 -N2 --endian=little "$tmp/bash" | tr -d ' ')" || machine=none
check "/usr/bin/bash ELF64 aarch64 (class, e_machine: $machine)" [ "$machine" = "2 183" ]
shadow=$(stat_field /etc/shadow)
check "/etc/shadow root:shadow 0640 (ownership kept: $shadow)" [ "$shadow" = "regular 0640 0 42" ]
wants=/etc/systemd/system/multi-user.target.wants/chargerd.service
target=$(dbg "stat $wants" | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')
check "chargerd.service enabled ($wants -> ${target:-none})" [ "$target" = /etc/systemd/system/chargerd.service ]
check "/etc/systemd/system/chargerd.service" [ "$(stat_field /etc/systemd/system/chargerd.service | cut -d' ' -f1)" = regular ]
dbg "cat /etc/chargekit/chargerd.env" > "$tmp/chargerd.env"
[ -n "$board" ] || board=$(sed -n 's/^CHARGEKIT_BOARD=//p' "$tmp/chargerd.env")
echo "board:  ${board:-unknown}"
check "/etc/chargekit/boards/${board:-unknown}.yaml" [ "$(stat_field "/etc/chargekit/boards/${board:-unknown}.yaml" | cut -d' ' -f1)" = regular ]
fw_entries=$(dbg "ls -p /boot/firmware" | awk -F/ 'NF > 6 && $6 != "." && $6 != ".."' | wc -l)
check "/boot/firmware an empty directory on the root (the mount point; $fw_entries entries)" \
    [ "$(stat_field /boot/firmware | cut -d' ' -f1)" = directory -a "$fw_entries" = 0 ]
version=${kernel#vmlinuz-}
dbg "dump /boot/vmlinuz-$version $tmp/vmlinuz.root" >/dev/null 2>&1 || true
mtype -i "$tmp/p1" "::/$kernel" > "$tmp/vmlinuz.fat" 2>/dev/null || true
check "the kernel on bootfs is /boot/vmlinuz-$version of the root" cmp -s "$tmp/vmlinuz.fat" "$tmp/vmlinuz.root"

# The board's config.txt fragment.
fragment=$repo/Overlays/$board.txt
if [ -f "$fragment" ]; then
    sed -n '/^# Inserted by \/etc\/default\/raspi-firmware-custom$/,$p' "$tmp/config.txt" | tail -n +2 > "$tmp/inserted"
    check "config.txt ends with Overlays/$board.txt ($(grep -c . "$fragment") lines)" \
        cmp -s <(sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp/inserted") <(sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$fragment")
else
    echo "note    no Overlays/$board.txt: no fragment to look for"
fi

# fstab, cmdline.txt and ROOTPART name these partitions.
dbg "cat /etc/fstab" > "$tmp/fstab"
echo "cmdline.txt: $(cat "$tmp/cmdline.txt")"
echo "fstab:  $(grep -v '^#' "$tmp/fstab" | grep . | tr -s ' \t' ' ' | paste -sd ';' | sed 's/;/; /g')"
root_arg=$(sed -n 's/.*root=\([^ ]*\).*/\1/p' "$tmp/cmdline.txt")
# names PART SPEC: SPEC names partition PART (1 or 2) of this disk.
names() {
    case "$2" in
        PARTUUID=*) [ "${2#PARTUUID=}" = "$disk_id-0$1" ] ;;
        /dev/mmcblk0p*) [ "$2" = "/dev/mmcblk0p$1" ] ;;
        LABEL=*) if [ "$1" = 1 ]; then [ "${2#LABEL=}" = "$fat_label" ]; else [ "${2#LABEL=}" = "$root_label" ]; fi ;;
        *) return 1 ;;
    esac
}
check "cmdline.txt: root=$root_arg is partition 2 of this disk" names 2 "$root_arg"
read -r fs_root _ fs_root_type _ < <(awk '$2 == "/"' "$tmp/fstab") || true
read -r fs_boot _ fs_boot_type _ < <(awk '$2 == "/boot/firmware"' "$tmp/fstab") || true
check "fstab: / is ${fs_root:-missing} (${fs_root_type:-}), the same as root=" [ "${fs_root:-}" = "$root_arg" -a "${fs_root_type:-}" = ext4 ]
check "fstab: /boot/firmware is ${fs_boot:-missing} (${fs_boot_type:-}), partition 1" names 1 "${fs_boot:-none}"
check "fstab: /boot/firmware type vfat" [ "${fs_boot_type:-}" = vfat ]
rootpart=$(dbg "cat /etc/default/raspi-firmware" | sed -n 's/^ROOTPART=//p' | tail -1)
check "/etc/default/raspi-firmware: ROOTPART=${rootpart:-none}, as root=" [ "$rootpart" = "$root_arg" ]

echo "check-sd-image: $passed ok, $failed failed"
[ "$failed" = 0 ]
