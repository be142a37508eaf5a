#!/usr/bin/env bash
# The layer rules of ARCHITECTURE.md on the build graph and the sources' imports.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 .ci/check-layers.py
