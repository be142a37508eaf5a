#!/bin/bash
# boot-sd-image.sh IMG [--timeout SEC] [--log FILE]
#
# Boots an SD-card image from Image/build-sd-image.sh under qemu-system-aarch64 (`-M virt -cpu
# cortex-a72`, TCG, 2 CPUs, 1 GiB, no network: -nic none) and waits for systemd to reach a login
# prompt on the serial console. Not a Pi: the kernel and initrd are taken from the image's FAT
# partition (the Pi's firmware, config.txt and device trees are not used), the image is the virtio
# disk /dev/vda (written to a snapshot, the file stays as it is) and root=/dev/vda2 replaces
# cmdline.txt's root=; /etc/fstab's PARTUUIDs name the same partitions on /dev/vda. What it shows:
# Debian's kernel and initrd from the image boot, the initrd finds and checks the ext4 root, systemd
# mounts /etc/fstab's entries (/boot/firmware from partition 1) and reaches the multi-user target.
# Prints the time to the login prompt and the units that failed; exits 0 when the prompt came within
# --timeout (default 600 s). Needs qemu-system-arm and mtools.
set -euo pipefail

usage() { sed -n '2p' "$0" | sed 's/^# //' >&2; exit 2; }
img="" timeout=600 log=""
while [ $# -gt 0 ]; do
    case "$1" in
        --timeout) timeout=${2:?}; shift 2 ;;
        --log) log=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$img" ] || usage; img=$1; shift ;;
    esac
done
[ -f "${img:-}" ] || usage
for t in qemu-system-aarch64 mcopy mdir sfdisk; do
    command -v "$t" >/dev/null || { echo "missing $t: apt-get install qemu-system-arm mtools fdisk" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/chargekit-sdboot.XXXXXX")
qemu_pid=""
cleanup() { [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
log=${log:-$tmp/console.log}
export MTOOLS_SKIP_CHECK=1
p1_start=$(sfdisk --dump "$img" | awk -F'[=,]' '/^[^ ]*1 : / { gsub(/ /, "", $2); print $2 }')
fat="$img@@$((p1_start * 512))"
kernel=$(mdir -i "$fat" -b :: | sed 's|^::/||' | grep '^vmlinuz-' | sort -V | tail -1)
initrd=initrd.img-${kernel#vmlinuz-}
mcopy -i "$fat" "::/$kernel" "$tmp/vmlinuz"
mcopy -i "$fat" "::/$initrd" "$tmp/initrd"
echo "booting $img: $kernel, $initrd, root=/dev/vda2, timeout ${timeout} s"

start=$(date +%s.%N)
: > "$log"
qemu-system-aarch64 -M virt -cpu cortex-a72 -accel tcg,thread=multi -smp 2 -m 1024 \
    -nic none -display none -monitor none -serial "file:$log" \
    -kernel "$tmp/vmlinuz" -initrd "$tmp/initrd" \
    -append "root=/dev/vda2 rw rootwait fsck.repair=yes console=ttyAMA0 net.ifnames=0 systemd.show_status=1" \
    -drive "file=$img,format=raw,if=virtio,snapshot=on" &
qemu_pid=$!
result=timeout
while :; do
    if grep -q 'login:' "$log" 2>/dev/null; then result=login; break; fi
    kill -0 "$qemu_pid" 2>/dev/null || { result=exited; break; }
    awk -v s="$start" -v n="$(date +%s.%N)" -v t="$timeout" 'BEGIN { exit !(n - s > t) }' && break
    sleep 1
done
elapsed=$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')
kill "$qemu_pid" 2>/dev/null || true
wait "$qemu_pid" 2>/dev/null || true
qemu_pid=""
tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g' > "$tmp/clean.log"
echo "kernel:  $(grep -m1 'Linux version' "$tmp/clean.log" | sed 's/.*Linux version \([^ ]*\).*/\1/')"
grep -E 'fsck not present|Will now check root file system|^e2fsck |: clean, [0-9]+/[0-9]+ files' "$tmp/clean.log" | sed 's/^/fsck:    /' || echo "fsck:    no line about the initramfs's check of the root"
grep -m1 -E 'EXT4-fs \(vda2\): mounted' "$tmp/clean.log" | sed 's/^\[ *\([0-9.]*\)\] */root:    [\1 s] /' || echo "root:    no 'EXT4-fs (vda2): mounted' line"
grep -E 'Mounted boot-firmware.mount|Reached target multi-user.target|Reached target.*Multi-User' "$tmp/clean.log" | sed 's/^/seen:    /' || true
grep -E '\[FAILED\]' "$tmp/clean.log" | sed 's/^/failed:  /' || true
case "$result" in
    login) echo "boot-sd-image: login prompt after $elapsed s (wall, TCG)"; exit 0 ;;
    exited) echo "boot-sd-image: FAILED: qemu exited after $elapsed s; the console's last lines:"; tail -20 "$tmp/clean.log"; exit 1 ;;
    *) echo "boot-sd-image: FAILED: no login prompt within $timeout s; the console's last lines:"; tail -20 "$tmp/clean.log"; exit 1 ;;
esac
