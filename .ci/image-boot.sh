#!/usr/bin/env bash
# The amd64 image boots under qemu (issue 19 item 3): Image/boot-check.sh boots the root file system
# of Image/build-image.sh with the HIL VM's kernel and systemd as PID 1 and checks chargerd as the
# service: READY, restart after kill -9, the watchdog on a stalled loop (`CK-REQUIRED-RAN image-boot
# ready|restart|watchdog`; .ci/required-suites requires all three).
#
# In CI: .ci/run starts the root file system build (mmdebstrap: network and disk bound, .debs cached
# in $CHARGEKIT_APT_CACHE, default /var/tmp/chargekit-apt-cache) in the background before the README
# test command (`image-boot.sh --start-rootfs`), so it overlaps the build and the tests; the extra
# .ci/extra/image-boot.sh then runs this script without arguments: it waits for that build (it has
# normally ended long before), boots and checks. chargerd is the debug build the test step made.
#   .ci/image-boot.sh --start-rootfs   start the background build (returns at once)
#   .ci/image-boot.sh                  wait for it (or build now, when none was started), boot, check
# Every wait is bounded. Under CI (CI=true) a missing capability (no qemu, no HIL kernel, no
# mmdebstrap and no way to install it) fails with the reason; by hand Image/boot-check.sh skips.
set -euo pipefail
cd "$(dirname "$0")/.."
export HIL_CACHE="${HIL_CACHE:-/var/tmp/hil-cache}"
log_dir="${LOG_DIR:-/tmp/chargekit-ci-logs}"
mkdir -p "$log_dir"
state="$log_dir/image-rootfs"      # .dir: where the background build writes; .log; .rc when it ended
build_limit=1500                   # s: the root file system build, whether in the background or here
wait_limit=600                     # s: how long the extra waits for a background build still running

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
install_missing() {
    local missing=() p
    for p in mmdebstrap e2fsprogs busybox-static qemu-system-x86 binutils; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} = 0 ] && return 0
    echo "image-boot: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq \
        && as_root env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { echo "image-boot: FAILED: cannot install ${missing[*]} (needed to build and boot the image)"; return 1; }
}
# The build: idle-ish priority, so the tests it overlaps keep their CPU and disk.
build_rootfs() {  # DIR
    timeout "$build_limit" nice -n 10 ionice -c 2 -n 7 Image/build-image.sh sim --arch amd64 --format dir --chargerd none --out "$1"
}

if [ "${1:-}" = --start-rootfs ]; then
    # Root file systems left by runs that never reached the extra (a failed test step), over 3 h old.
    find /var/tmp -maxdepth 1 -name 'chargekit-ci-image.*' -type d -mmin +180 -exec rm -rf {} + 2>/dev/null || true
    rm -f "$state.dir" "$state.rc"
    if ! install_missing > "$state.log" 2>&1; then
        cat "$state.log"; echo 1 > "$state.rc"; exit 1
    fi
    dir=$(mktemp -d /var/tmp/chargekit-ci-image.XXXXXX)
    echo "$dir" > "$state.dir"
    # Detached: .ci/run goes on at once; the rc file tells the extra it ended.
    setsid bash -c "start=\$(date +%s); build_limit=$build_limit; $(declare -f build_rootfs); build_rootfs '$dir' >>'$state.log' 2>&1; rc=\$?; \
        echo \"image-boot: root file system built in \$(( \$(date +%s) - start )) s (exit \$rc)\" >>'$state.log'; echo \$rc >'$state.rc'" \
        </dev/null >/dev/null 2>&1 &
    echo "image-boot: building the amd64 root file system in the background ($dir, log $state.log)"
    exit 0
fi

start=$SECONDS
if [ -f "$state.dir" ] || [ -f "$state.rc" ]; then
    dir=$(cat "$state.dir" 2>/dev/null || true)
    waited=0
    until [ -f "$state.rc" ]; do
        [ "$waited" -lt "$wait_limit" ] || { echo "image-boot: FAILED: the background root file system build did not end within $wait_limit s of this extra"; tail -20 "$state.log"; exit 1; }
        sleep 2; waited=$((waited + 2))
    done
    echo "image-boot: waited ${waited} s for the background root file system build"
    grep -E "^(built|image-boot:)" "$state.log" || true
    [ "$(cat "$state.rc")" = 0 ] && [ -n "$dir" ] || { echo "image-boot: FAILED: the root file system build failed:"; tail -30 "$state.log"; exit 1; }
else
    echo "image-boot: no background build (.ci/run starts one with --start-rootfs): building the root file system now"
    install_missing
    dir=$(mktemp -d /var/tmp/chargekit-ci-image.XXXXXX)
    build_rootfs "$dir" > "$log_dir/image-rootfs.log" 2>&1 || { echo "image-boot: FAILED: the root file system build failed:"; tail -30 "$log_dir/image-rootfs.log"; rm -rf "$dir"; exit 1; }
    grep "^built" "$log_dir/image-rootfs.log" || true
fi
# The root file system goes afterwards, detached: removing its ~10,000 files on a busy disk took
# tens of seconds, which the lane need not wait for.
trap 'rm -f "$state.dir" "$state.rc"; setsid rm -rf "$dir" </dev/null >/dev/null 2>&1 &' EXIT

# The debug chargerd of the test step (not `swift build --show-bin-path`: the fuzzers' lane may hold
# SwiftPM's lock on .build); built here only when it is missing.
chargerd=.build/debug/chargerd
if [ ! -x "$chargerd" ]; then
    echo "image-boot: no $chargerd: building it"
    timeout 1200 nice swift build --product chargerd >"$log_dir/image-boot-build.log" 2>&1 \
        || { tail -30 "$log_dir/image-boot-build.log"; echo "image-boot: FAILED: building chargerd"; exit 1; }
fi
status=0
Image/boot-check.sh --rootfs "$dir/chargekit-sim-amd64" --chargerd "$chargerd" --timeout 300 || status=$?
echo "image-boot: this extra took $((SECONDS - start)) s of CI wall time (exit $status)"
exit $status
