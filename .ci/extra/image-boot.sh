#!/usr/bin/env bash
# The amd64 image booted under qemu with systemd as PID 1: chargerd READY, restarted after kill -9,
# restarted by the watchdog after a stalled loop (issue 19 item 3; required: image-boot 3). The root
# file system was built in the background since the start of .ci/run; see .ci/image-boot.sh.
set -euo pipefail
exec "$(dirname "$0")/../image-boot.sh"
