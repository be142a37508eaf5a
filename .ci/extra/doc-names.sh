#!/usr/bin/env bash
# Docs match code (a few seconds): every executable, target and type README.md and ARCHITECTURE.md
# name exists in Package.swift or the sources, or is marked "(planned)" (.ci/tools/doc-names.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
package=$(mktemp /tmp/chargekit-package.XXXXXX.json)
trap 'rm -f "$package"' EXIT
timeout 300 swift package dump-package >"$package"
python3 .ci/tools/doc-names.py "$package" --root .
