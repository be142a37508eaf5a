#!/bin/bash
# boot-check.sh [--rootfs DIR] [--chargerd PATH] [--timeout SEC] [--keep] [--verbose]
#
# Boots the amd64 root file system of Image/build-image.sh under qemu with the HIL VM's kernel
# (Debian 12's 6.1 amd64, from $HIL_CACHE: ../shared/tools/hil-vm/setup.sh) and systemd as PID 1,
# and checks chargerd as the service it is on a Pi (issue 19 item 3):
#   ready     `chargerd --board sim` reaches READY=1: active/running, its STATUS=, "Started" in the journal
#   restart   after kill -9 systemd restarts it (new PID, READY again, inside the start rate limit)
#   watchdog  a stalled loop (SIGUSR2 with the test hook --test-stall-on-sigusr2) is killed with
#             SIGABRT after WatchdogSec and restarted
# The checks run in the guest (Image/boot-check/chargerd-boot-check, a oneshot unit after chargerd),
# which prints them on the serial console and powers off; this script only reads the console. It
# prints `CK-REQUIRED-RAN image-boot <check>` for each check that passed and exits 0 when all three did.
#
# The root file system: --rootfs DIR (built with `Image/build-image.sh sim --arch amd64 --format dir
# --chargerd none`), default $CHARGEKIT_ROOTFS, else /var/tmp/chargekit-image/chargekit-sim-amd64
# (built here when missing). It is not changed: an overlay on it (in tmpfs) gets chargerd (--chargerd, default
# .build/release/chargerd, else .build/debug/chargerd) with its Swift runtime, the check unit and a
# test drop-in for chargerd.service, and becomes an ext4 image on a virtio disk. The initramfs is the
# HIL VM's (busybox, virtio) with Image/boot-check/init and the virtio_blk/ext4 modules appended.
#
# What the test drop-in changes in the shipped unit, and why: `--test-stall-on-sigusr2` (the stall
# hook), `--no-v2g` (on the sim board a whole V2G session would run and chargerd would exit 0
# after ~25 s; under qemu's CPU emulation that session is also the costliest part) and
# `--tick-us 10000` with `WatchdogSec=10s` and `TimeoutStartSec=150s` (under TCG on a busy host a debug build's ticks overrun
# and the shipped 2 s watchdog rightly fires). Everything else (Type=notify, Restart=on-failure, RestartSec, the rate limit, the sandbox, the
# chargekit user, --realtime 80) is the unit as shipped; CPUAffinity is reset as in every amd64 image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rootfs=${CHARGEKIT_ROOTFS:-/var/tmp/chargekit-image/chargekit-sim-amd64}
chargerd="" timeout=240 keep=0 verbose=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rootfs) rootfs=${2:?}; shift 2 ;;
        --chargerd) chargerd=${2:?}; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        --keep) keep=1; shift ;;
        --verbose) verbose=1; shift ;;
        -h|--help) sed -n '2p' "$0" | sed 's/^# //' >&2; exit 2 ;;
        *) echo "boot-check: unknown option $1" >&2; exit 2 ;;
    esac
done
say() { echo "boot-check: $*"; }
t_start=$(date +%s.%N)
elapsed() { awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

hil_cache=${HIL_CACHE:-/var/tmp/hil-cache}
[ -f "$hil_cache/current" ] || { say "no HIL kernel in $hil_cache (run ../shared/tools/hil-vm/setup.sh)"; exit 2; }
abi=$(cat "$hil_cache/current")
kernel="$hil_cache/$abi"
for f in vmlinux initramfs.cpio "lib/modules/$abi/modules.dep"; do
    [ -e "$kernel/$f" ] || { say "missing $kernel/$f (run ../shared/tools/hil-vm/setup.sh)"; exit 2; }
done
for tool in qemu-system-x86_64 mke2fs busybox; do
    command -v "$tool" >/dev/null || { say "$tool not found (.ci/setup installs it)"; exit 2; }
done
if [ -z "$chargerd" ]; then
    for c in "$root/.build/release/chargerd" "$root/.build/debug/chargerd"; do
        [ -x "$c" ] && { chargerd=$c; break; }
    done
fi
[ -n "$chargerd" ] && [ -x "$chargerd" ] || { say "no chargerd (swift build, or --chargerd PATH)"; exit 2; }
if [ ! -x "$rootfs/usr/lib/systemd/systemd" ]; then
    [ "$(basename "$rootfs")" = chargekit-sim-amd64 ] || { say "no root file system at $rootfs"; exit 2; }
    say "no root file system at $rootfs: building it"
    "$here/build-image.sh" sim --arch amd64 --format dir --chargerd none --out "$(dirname "$rootfs")"
fi

# Everything this run writes is in tmpfs: the disk image is built in memory, not flushed to a busy disk.
work=$(mktemp -d "${BOOT_CHECK_TMP:-/dev/shm}/chargekit-boot-check.XXXXXX")
qpid=""
tree="$work/root"
cleanup() {
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
    mountpoint -q "$tree" && umount "$tree"
    if [ "$keep" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the disk: the root file system (read-only, the lower layer of an overlay) plus chargerd and the
# check in the upper layer, written out as ext4
mkdir -p "$tree" "$work/upper" "$work/overlay-work"
mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$work/upper,workdir=$work/overlay-work" "$tree"
"$here/stage-chargerd.sh" "$tree" "$chargerd" --arch amd64
strip --strip-debug "$tree/usr/bin/chargerd"    # a debug build's DWARF is most of its size
ldconfig -r "$tree"
install -D -m 0755 "$here/boot-check/chargerd-boot-check" "$tree/usr/lib/chargekit/chargerd-boot-check"
install -D -m 0644 "$here/boot-check/chargekit-boot-check.service" "$tree/etc/systemd/system/chargekit-boot-check.service"
install -d "$tree/etc/systemd/system/chargerd.service.d" "$tree/etc/systemd/system/multi-user.target.wants"
cat > "$tree/etc/systemd/system/chargerd.service.d/90-boot-check.conf" <<'EOF2'
# Test image only (Image/boot-check.sh): the stall hook for the watchdog check, no V2G session
# (which would end, exit 0 and leave the unit inactive mid-check), and a 10 ms tick: qemu emulates
# the CPU (TCG) 10-50 times slower, where a debug build's 1 ms ticks overrun and starve the watchdog;
# for the same reason WatchdogSec=10s: on a busy host the emulated loop's first windows after READY
# can be late by more than the shipped 2 s (which the Pi's native loop keeps).
# A debug build's start takes ~30 s of emulated CPU there, past the shipped TimeoutStartSec=30s.
[Service]
WatchdogSec=10s
TimeoutStartSec=150s
ExecStart=
ExecStart=/usr/bin/chargerd --board ${CHARGEKIT_BOARD} --realtime 80 --no-v2g --tick-us 10000 --test-stall-on-sigusr2
# chargerd's log on the serial console too, for the host to show when a check fails.
StandardOutput=journal+console
StandardError=journal+console
EOF2
ln -sf ../chargekit-boot-check.service "$tree/etc/systemd/system/multi-user.target.wants/chargekit-boot-check.service"
# Nothing logs in on the console, and nothing else runs on a timer, during the check.
for u in serial-getty@ttyS0.service getty@tty1.service console-getty.service apt-daily.timer \
         apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer systemd-tmpfiles-clean.timer; do
    ln -sf /dev/null "$tree/etc/systemd/system/$u"
done
echo chargekit-boot-check > "$tree/etc/hostname"
size_mb=$(( $(du -sm "$tree" | cut -f1) + 256 ))
mke2fs -q -t ext4 -L chargekit -E root_owner=0:0 -d "$tree" "$work/root.img" "${size_mb}M"
umount "$tree"
rm -rf "$work/upper"

# --- the initramfs: the HIL VM's, with our /init and the disk's modules appended (a later cpio
# member replaces an earlier one of the same name)
extra="$work/initramfs"
install -D -m 0755 "$here/boot-check/init" "$extra/init"
modules=(drivers/block/virtio_blk lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4)
for m in "${modules[@]}"; do
    install -D -m 0644 "$kernel/lib/modules/$abi/kernel/$m.ko" "$extra/lib/modules/$abi/kernel/$m.ko"
done
printf '%s\n' "${modules[@]}" > "$extra/modules"
cp "$kernel/initramfs.cpio" "$work/initramfs.cpio"
(cd "$extra" && find . -mindepth 1 | busybox cpio -o -H newc -R 0:0 2>/dev/null) >> "$work/initramfs.cpio"
t_image=$(elapsed)
say "image: ${size_mb} MB ext4 with $(basename "$chargerd") from $(dirname "$chargerd"), built in $t_image s"

# --- boot
accel=(-accel tcg,thread=multi,tb-size=256 -cpu max)
accel_name=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && grep -qE '\b(vmx|svm)\b' /proc/cpuinfo; then
    accel=(-accel kvm -cpu host); accel_name=kvm    # as hil-run.sh: PVM hosts boot Debian's kernel only under TCG
fi
bios=()
[ -f /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)
# The clock is the HPET (emulated from the host's clock), not the TSC: a TSC calibrated while a busy
# host starved the vCPU runs the guest's time many times too fast, and WatchdogSec with it.
cmdline="console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init mitigations=off no_timer_check clocksource=hpet nosoftlockup"
cmdline+=" i8042.noaux i8042.nokbd i8042.nopnp 8250.nr_uarts=1 random.trust_cpu=1 cryptomgr.notests"
cmdline+=" systemd.show_status=error chargekit.abi=$abi"
console="$work/console.log"
: > "$console"
timeout -k 5 "$timeout" qemu-system-x86_64 "${accel[@]}" -M q35 "${bios[@]}" -m 1024 -smp 2 \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$kernel/vmlinux" -initrd "$work/initramfs.cpio" -append "$cmdline" \
    -chardev "file,id=con,path=$console" -serial chardev:con \
    -drive "file=$work/root.img,format=raw,if=none,id=root,cache=unsafe" -device virtio-blk-pci,drive=root \
    </dev/null >"$work/qemu.log" 2>&1 &
qpid=$!
[ "$verbose" = 1 ] && tail -q -s 0.2 --pid="$qpid" -c +1 -f "$console" >&2 &
set +e
wait "$qpid"; qrc=$?
set -e
qpid=""
t_end=$(elapsed)

# journald puts "[uptime] unit[pid]: " before each line it copies to the console
grep -ao 'boot-check: .*' "$console" | tr -d '\r' || true
passed=0
for check in ready restart watchdog; do
    if grep -aq "boot-check: PASS $check" "$console"; then
        echo "CK-REQUIRED-RAN image-boot $check"
        passed=$((passed + 1))
    fi
done
guest_end=$(grep -ao 'boot-check: end (uptime [0-9.]* s' "$console" | sed 's/.*uptime \([0-9.]*\) s.*/\1/' | tr -d '\r' || true)
say "$passed of 3 checks passed; qemu exit $qrc ($accel_name, kernel $abi); wall $t_end s: image $t_image s, boot+checks+poweroff $(awk -v a="$t_end" -v b="$t_image" 'BEGIN { printf "%.1f", a - b }') s (guest uptime at the end ${guest_end:-?} s)"
if [ "$passed" != 3 ]; then
    [ "$qrc" = 124 ] && say "qemu killed after --timeout $timeout s"
    say "console (tail):"
    tail -n 60 "$console" | tr -d '\r' | sed 's/^/  /'
    [ -s "$work/qemu.log" ] && { say "qemu:"; sed 's/^/  /' "$work/qemu.log"; }
    exit 1
fi
