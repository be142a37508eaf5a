#!/bin/bash
# setup-foreign-arch.sh [--check]
#
# Makes an amd64 Debian host able to build the arm64 root file system (Image/build-image.sh BOARD
# --arch arm64): mmdebstrap runs the arm64 packages' maintainer scripts in the chroot, which the
# kernel hands to qemu-aarch64 through binfmt_misc. Steps, each skipped when already done:
#   1. apt-get install qemu-user-static binfmt-support arch-test (mmdebstrap needs it for a foreign
#      architecture) and mmdebstrap;
#   2. mount binfmt_misc on /proc/sys/fs/binfmt_misc when it is not (no systemd to do it at boot);
#   3. enable the qemu-aarch64 handler (update-binfmts, else the register line qemu-user-static ships);
#   4. check: the handler is `enabled`, its interpreter exists, it has the F flag (the interpreter is
#      opened at registration, so it works inside the chroot), and a 132-byte aarch64 ELF made here
#      (exit(42) through the svc instruction) runs and exits 42; `arch-test arm64` passes.
# --check: only step 4, nothing installed or changed. Needs root. Exits non-zero with the reason
# when the host cannot do it (no root, binfmt_misc cannot be mounted, e.g. in an unprivileged container).
set -euo pipefail

check_only=0
case "${1:-}" in
    "") ;;
    --check) check_only=1 ;;
    *) sed -n '2p' "$0" | sed 's/^# //' >&2; exit 2 ;;
esac

mnt=/proc/sys/fs/binfmt_misc
handler=$mnt/qemu-aarch64
say() { echo "setup-foreign-arch: $*"; }
fail() { echo "setup-foreign-arch: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (apt-get, mounting binfmt_misc, registering the handler)"

if [ "$check_only" = 0 ]; then
    missing=()
    for p in qemu-user-static binfmt-support arch-test mmdebstrap; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq || fail "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || fail "cannot install ${missing[*]}"
    else
        say "qemu-user-static, binfmt-support, arch-test and mmdebstrap are installed"
    fi

    if [ -f "$mnt/status" ]; then
        say "binfmt_misc is mounted on $mnt"
    else
        mount -t binfmt_misc binfmt_misc "$mnt" 2>/dev/null \
            || fail "cannot mount binfmt_misc on $mnt (a container needs it from its host, or the privilege to mount it)"
        say "mounted binfmt_misc on $mnt"
    fi
    [ "$(cat "$mnt/status")" = enabled ] || { echo 1 > "$mnt/status"; say "binfmt_misc was disabled: enabled it"; }

    if [ -f "$handler" ] && grep -qx enabled "$handler"; then
        say "the qemu-aarch64 handler is registered and enabled"
    else
        if [ -f "$handler" ]; then
            echo 1 > "$handler"              # registered but disabled
        elif ! update-binfmts --enable qemu-aarch64 2>/dev/null || [ ! -f "$handler" ]; then
            # No binfmt-support entry: the line qemu-user-static ships for systemd-binfmt.
            conf=/usr/lib/binfmt.d/qemu-aarch64.conf
            [ -f "$conf" ] || fail "neither update-binfmts nor $conf can register qemu-aarch64"
            grep -v '^#' "$conf" | head -1 > "$mnt/register" || fail "the kernel refused the register line in $conf"
        fi
        say "enabled the qemu-aarch64 handler"
    fi
fi

# The check.
[ -f "$handler" ] || fail "no qemu-aarch64 handler in $mnt (run without --check to register it)"
grep -qx enabled "$handler" || fail "the qemu-aarch64 handler is registered but disabled"
interp=$(awk '$1 == "interpreter" { print $2 }' "$handler")
[ -n "$interp" ] && [ -x "$interp" ] || fail "the handler's interpreter '$interp' does not exist"
flags=$(awk '$1 == "flags:" { print $2 }' "$handler")
case "$flags" in *F*) ;; *) fail "the handler's flags '$flags' lack F: the interpreter would not be found inside a chroot" ;; esac
say "handler: enabled, interpreter $interp, flags $flags"

# A minimal static aarch64 executable: ELF header (64 bytes), one PT_LOAD program header (56 bytes)
# mapping the file at 0x400000, and three instructions at 0x400078: movz x0,#42; movz x8,#93 (exit);
# svc #0. e_machine is 183 (EM_AARCH64), which is what the handler's magic matches.
elf=$(mktemp)
trap 'rm -f "$elf"' EXIT
{
    printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'   # e_ident: 64-bit, little endian
    printf '\x02\x00\xb7\x00\x01\x00\x00\x00'                           # ET_EXEC, EM_AARCH64, version 1
    printf '\x78\x00\x40\x00\x00\x00\x00\x00'                           # e_entry 0x400078
    printf '\x40\x00\x00\x00\x00\x00\x00\x00'                           # e_phoff 64
    printf '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'           # e_shoff 0, e_flags 0
    printf '\x40\x00\x38\x00\x01\x00\x00\x00\x00\x00\x00\x00'           # ehsize, phentsize, phnum 1, no sections
    printf '\x01\x00\x00\x00\x05\x00\x00\x00'                           # PT_LOAD, R+X
    printf '\x00\x00\x00\x00\x00\x00\x00\x00'                           # p_offset 0
    printf '\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00'  # p_vaddr, p_paddr
    printf '\x84\x00\x00\x00\x00\x00\x00\x00\x84\x00\x00\x00\x00\x00\x00\x00'  # p_filesz, p_memsz 132
    printf '\x00\x10\x00\x00\x00\x00\x00\x00'                           # p_align 4096
    printf '\x40\x05\x80\xd2\xa8\x0b\x80\xd2\x01\x00\x00\xd4'           # movz x0,#42; movz x8,#93; svc #0
} > "$elf"
chmod 0755 "$elf"
rc=0
"$elf" 2>/dev/null || rc=$?
[ "$rc" = 42 ] || fail "a test aarch64 executable exited $rc, not 42: the kernel does not run aarch64 binaries through qemu"
say "ok: an aarch64 executable runs here (exit 42 through $interp)"
command -v arch-test >/dev/null || fail "arch-test is not installed (mmdebstrap needs it for a foreign architecture)"
arch-test arm64 >/dev/null 2>&1 || fail "arch-test arm64 fails (what mmdebstrap asks before it builds)"
say "ok: arch-test arm64 (what mmdebstrap and Image/build-image.sh ask)"
