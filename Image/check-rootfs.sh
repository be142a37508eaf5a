#!/bin/bash
# check-rootfs.sh TAR|DIR [--arch arm64|amd64] [--board BOARD]
#
# Checks a root file system from Image/build-image.sh without booting it (a Pi cannot be booted
# here; the amd64 one is booted by Image/boot-check.sh). Prints one line per check, `ok` or
# `FAILED`, and `GAP` for what the recipe knowingly does not provide yet; exits 1 on any FAILED.
#   - binaries: /usr/bin/bash, systemd and the Debian libraries chargerd links are ELF64 for --arch
#     (e_machine 183 aarch64, 62 x86-64), read from their headers; /usr/bin/chargerd too if present
#   - packages: the ones the recipe installs (the shims' libgpiod2, libsocketcan2, libi2c0,
#     libmosquitto1, libyaml-0-2; systemd, udev, ...) `install ok installed` for --arch in dpkg's status
#   - the chargekit user (nologin) in the groups gpio, spi, i2c, dialout, netdev
#   - /etc/udev/rules.d/60-chargekit.rules and /etc/systemd/system/chargerd.service as in Image/,
#     chargerd.service enabled (a .wants link to it), the board file and chargerd.env naming the board
#   - arm64: initramfs-tools told the root is ext4 (FSTYPE, so the initrd gets fsck), the kernel
#     and initrd in /boot and /boot/firmware, config.txt booting that kernel with
#     arm_64bit=1 and ending with the board's Overlays/BOARD.txt verbatim, cmdline.txt (root= the SD
#     card, no cma=, no serial console for a board whose helper is on /dev/serial0), the bcm2711
#     (Pi 4) device trees, the firmware's start4.elf/fixup4.dat, and the kernel driver each line of
#     the fragment needs (CONFIG_* in /boot/config-*). A missing .dtbo of a dtoverlay= line or a
#     missing driver is a GAP (Debian's raspi-firmware ships no overlays; its kernel has no qcaspi)
# --board defaults to CHARGEKIT_BOARD in the root file system's /etc/chargekit/chargerd.env.
# A tarball is listed once and its /etc, /var/lib/dpkg, /boot and the binaries checked are
# extracted to a temporary directory.
set -euo pipefail

usage() { sed -n '2p' "$0" | sed 's/^# //' >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
input="" arch=arm64 board=""
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch=${2:?}; shift 2 ;;
        --board) board=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$input" ] || usage; input=$1; shift ;;
    esac
done
[ -n "$input" ] || usage
case "$arch" in
    arm64) machine=183 triplet=aarch64-linux-gnu ;;
    amd64) machine=62 triplet=x86_64-linux-gnu ;;
    *) echo "--arch must be arm64 or amd64" >&2; exit 2 ;;
esac

failed=0 passed=0 gaps=0
ok() { echo "ok      $*"; passed=$((passed + 1)); }
bad() { echo "FAILED  $*"; failed=$((failed + 1)); }
gap() { echo "GAP     $*"; gaps=$((gaps + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# The files the checks read: the directory itself, or what is extracted from the tarball.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -d "$input" ]; then
    root=$(cd "$input" && pwd)
    exists() { [ -e "$root$1" ] || [ -L "$root$1" ]; }
    glob() { (cd "$root" && compgen -G ".$1" | sed 's|^\.||') || true; }
elif [ -f "$input" ]; then
    root=$tmp/root
    mkdir "$root"
    tar -tf "$input" | sed 's|^\./|/|; s|/$||' > "$tmp/list"
    exists() { grep -qxF "$1" "$tmp/list"; }
    # glob PATTERN: the listed paths matching a shell pattern (`*` may cross /).
    glob() { local p; while IFS= read -r p; do [[ $p == $1 ]] && echo "$p"; done < "$tmp/list"; return 0; }
    members=(./etc ./var/lib/dpkg)
    for p in /boot /usr/bin/bash /usr/lib/systemd/systemd /usr/bin/chargerd; do exists "$p" && members+=(".$p"); done
    for p in $(glob "/usr/lib/$triplet/lib*.so.*"); do
        case "$p" in */libgpiod.so.*|*/libsocketcan.so.*|*/libi2c.so.*|*/libmosquitto.so.*|*/libyaml-0.so.*|*/libstdc++.so.*|*/libc.so.*) members+=(".$p") ;; esac
    done
    tar -xf "$input" -C "$root" "${members[@]}"
else
    echo "no such tarball or directory: $input" >&2; exit 2
fi
echo "checking $input ($arch, $( [ -d "$input" ] && echo directory || echo "tarball, $(wc -l < "$tmp/list") entries"))"

# A path inside the root file system with its symlinks resolved against that root (an absolute
# link target is relative to the root file system, not the host).
resolve() {
    local p=$1 n=0 t
    while [ -L "$root$p" ] && [ $n -lt 20 ]; do
        t=$(readlink "$root$p")
        case "$t" in /*) p=$t ;; *) p=$(dirname "$p")/$t ;; esac
        n=$((n + 1))
    done
    echo "$p"
}
# elf_machine PATH: "class e_machine" from the ELF header (class 2 = 64-bit), or nothing.
elf_machine() {
    local f; f=$root$(resolve "$1")
    [ -f "$f" ] || return 0
    [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || return 0
    echo "$(od -An -tu1 -j4 -N1 "$f" | tr -d ' ') $(od -An -tu2 -j18 -N2 --endian=little "$f" | tr -d ' ')"
}
is_arch_elf() { [ "$(elf_machine "$1")" = "2 $machine" ]; }

if [ -z "$board" ]; then
    board=$(sed -n 's/^CHARGEKIT_BOARD=//p' "$root/etc/chargekit/chargerd.env" 2>/dev/null || true)
    [ -n "$board" ] || { bad "/etc/chargekit/chargerd.env names a board (CHARGEKIT_BOARD=)"; board=unknown; }
fi
echo "board $board"

# Binaries.
for b in /usr/bin/bash /usr/lib/systemd/systemd; do
    check "$b is ELF64 e_machine $machine ($arch): $(elf_machine "$b")" is_arch_elf "$b"
done
if exists /usr/bin/chargerd; then
    check "/usr/bin/chargerd is ELF64 e_machine $machine ($arch)" is_arch_elf /usr/bin/chargerd
else
    echo "note    no /usr/bin/chargerd (built with --chargerd none)"
fi
for lib in libgpiod.so.2 libsocketcan.so.2 libi2c.so.0 libmosquitto.so.1 libyaml-0.so.2 libstdc++.so.6; do
    p=/usr/lib/$triplet/$lib
    check "$p is ELF64 e_machine $machine" is_arch_elf "$p"
done

# Packages, from dpkg's status file: "name arch status" per package.
awk -v RS= -F '\n' '{ n = a = s = ""
    for (i = 1; i <= NF; i++) {
        if ($i ~ /^Package: /) n = substr($i, 10)
        else if ($i ~ /^Architecture: /) a = substr($i, 15)
        else if ($i ~ /^Status: /) s = substr($i, 9)
    }
    if (n != "") print n, a, s }' "$root/var/lib/dpkg/status" > "$tmp/packages"
installed() { awk -v p="$1" -v a="$arch" '$1 == p && ($2 == a || $2 == "all") && / install ok installed$/ { f = 1 } END { exit !f }' "$tmp/packages"; }
wanted=(libc6 libgpiod2 libsocketcan2 libi2c0 libmosquitto1 libyaml-0-2 libstdc++6 systemd systemd-sysv udev dbus iproute2 kmod ca-certificates)
[ "$arch" = arm64 ] && wanted+=(raspi-firmware linux-image-arm64 firmware-brcm80211)
for p in "${wanted[@]}"; do check "package $p installed ($arch)" installed "$p"; done
count=$(grep -c ' install ok installed$' "$tmp/packages" || true)
foreign=$(awk -v a="$arch" '$2 != a && $2 != "all" && / install ok installed$/' "$tmp/packages" | wc -l)
check "$count packages installed, none for another architecture ($foreign)" [ "$foreign" = 0 ]

# The user and its groups.
pw=$(grep '^chargekit:' "$root/etc/passwd" || true)
check "user chargekit, shell /usr/sbin/nologin" [ "${pw##*:}" = /usr/sbin/nologin ]
for g in gpio spi i2c dialout netdev; do
    members=$(awk -F: -v g="$g" '$1 == g { print $4 }' "$root/etc/group")
    check "group $g has chargekit" grep -qw chargekit <<<"$members"
done

# What the recipe copies in from this repository, and the unit enabled.
check "/etc/udev/rules.d/60-chargekit.rules as Image/udev" cmp -s "$root/etc/udev/rules.d/60-chargekit.rules" "$repo/Image/udev/60-chargekit.rules"
check "/etc/systemd/system/chargerd.service as Image/systemd" cmp -s "$root/etc/systemd/system/chargerd.service" "$repo/Image/systemd/chargerd.service"
wants=$(cd "$root" && ls -d etc/systemd/system/*.wants/chargerd.service 2>/dev/null | head -1 || true)
enabled() { [ -n "$wants" ] && [ "$(resolve "/$wants")" = /etc/systemd/system/chargerd.service ]; }
check "chargerd.service enabled (/${wants:-no .wants link} -> $( [ -n "$wants" ] && readlink "$root/$wants"))" enabled
check "/etc/chargekit/boards/$board.yaml" [ -f "$root/etc/chargekit/boards/$board.yaml" ]

if [ "$arch" = arm64 ]; then
    # The kernel Debian's raspi-firmware hook copied to the firmware partition, and what boots it.
    kernel=$(glob "/boot/vmlinuz-*" | sort -V | tail -1)
    version=${kernel#/boot/vmlinuz-}
    check "kernel ${kernel:-none} (is linux-image-arm64's)" [ -n "$kernel" ]
    for f in "/boot/firmware/vmlinuz-$version" "/boot/initrd.img-$version" "/boot/firmware/initrd.img-$version" \
             /boot/firmware/start4.elf /boot/firmware/fixup4.dat /boot/firmware/cmdline.txt; do
        check "$f" exists "$f"
    done
    for f in bcm2711-rpi-4-b.dtb bcm2711-rpi-400.dtb bcm2711-rpi-cm4-io.dtb; do
        check "device tree /boot/firmware/$f" exists "/boot/firmware/$f"
    done
    config=$root/boot/firmware/config.txt
    check "/boot/firmware/config.txt" [ -f "$config" ]
    [ -f "$config" ] || { config=$tmp/empty; : > "$config"; }    # the checks below then fail one by one
    check "config.txt: arm_64bit=1" grep -qx 'arm_64bit=1' "$config"
    check "config.txt: kernel=vmlinuz-$version" grep -qx "kernel=vmlinuz-$version" "$config"
    check "config.txt: initramfs initrd.img-$version" grep -qx "initramfs initrd.img-$version" "$config"
    # The fragment goes in verbatim after raspi-firmware's marker (trailing blank lines aside).
    fragment=$repo/Overlays/$board.txt
    if [ -f "$fragment" ]; then
        sed -n '/^# Inserted by \/etc\/default\/raspi-firmware-custom$/,$p' "$config" | tail -n +2 > "$tmp/inserted"
        check "config.txt ends with Overlays/$board.txt ($(grep -c . "$fragment") lines)" \
            cmp -s <(sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp/inserted") <(sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$fragment")
        for o in $(sed -n 's/^dtoverlay=\([^,]*\).*/\1/p' "$fragment"); do
            exists "/boot/firmware/overlays/$o.dtbo" && ok "overlays/$o.dtbo" \
                || gap "/boot/firmware/overlays/$o.dtbo (dtoverlay=$o): Debian's raspi-firmware ships no overlays"
        done
        # The kernel drivers the fragment's lines bind, from the kernel's config (built in or a module).
        kconfig=$root/boot/config-$version
        while read -r line symbols; do
            grep -q "^$line" "$fragment" || continue
            for sym in $symbols; do
                if grep -Eq "^CONFIG_$sym=(y|m)$" "$kconfig" 2>/dev/null; then
                    ok "kernel CONFIG_$sym=$(sed -n "s/^CONFIG_$sym=//p" "$kconfig") (for $line)"
                else
                    gap "kernel: no CONFIG_$sym in Debian's $version (for $line)"
                fi
            done
        done <<'DRIVERS'
dtparam=spi=on SPI_BCM2835 SPI_SPIDEV
dtparam=i2c_arm=on I2C_BCM2835
dtoverlay=qca7000 QCA7000_SPI
dtoverlay=mcp2515 CAN_MCP251X
dtoverlay=pwm PWM_BCM2835
enable_uart=1 SERIAL_AMBA_PL011
DRIVERS
    else
        echo "note    no Overlays/$board.txt: no fragment to look for"
    fi
    # Without FSTYPE the initramfs's fsck hook probes the root device, absent where the image is
    # built, and leaves fsck out of the initrd: the root would never be checked at boot.
    check "initramfs-tools: FSTYPE=ext4 (fsck in the initrd)" grep -sqx 'FSTYPE=ext4' "$root/etc/initramfs-tools/conf.d/chargekit-fstype"
    echo "cmdline.txt: $(cat "$root/boot/firmware/cmdline.txt" 2>/dev/null)"
    root_dev=$(sed -n 's/.*root=\([^ ]*\).*/\1/p' "$root/boot/firmware/cmdline.txt" 2>/dev/null || true)
    check "cmdline.txt: root=/dev/mmcblk0p2 (the SD card, not the build host's disk)" [ "$root_dev" = /dev/mmcblk0p2 ]
    no_cma() { [ -f "$root/boot/firmware/cmdline.txt" ] && ! grep -q 'cma=' "$root/boot/firmware/cmdline.txt"; }
    check "cmdline.txt: no cma= (raspi-firmware leaves it out on a Pi 4)" no_cma
    if grep -Eq 'path: */dev/(serial0|ttyAMA0|ttyS)' "$root/etc/chargekit/boards/$board.yaml" 2>/dev/null; then
        no_serial_console() { [ -f "$root/boot/firmware/cmdline.txt" ] && ! grep -Eq 'console=(serial|ttyAMA|ttyS)' "$root/boot/firmware/cmdline.txt"; }
        check "cmdline.txt: no serial console (the board's helper is on /dev/serial0)" no_serial_console
    fi
fi

echo "check-rootfs: $passed ok, $failed failed, $gaps gaps"
[ "$failed" = 0 ]
