#!/usr/bin/env bash
# Prints the environment of the e2e tier as `export` lines, so that
#   eval "$(bash e2e/toolchain/env.sh)"          the built CLI
#   eval "$(bash e2e/toolchain/env.sh --old)"    the CLI linked below the minimum
# sets it in a shell. Nothing in it lets the CLI or a plugin reach the network:
# no update check, no plugin download, no registry, no ambient plugins.
#
# Override: E2E_BACKEND_DIR (the file backend's directory, default .e2e/state).
# Python comes from the `virtualenv` runtime option of Pulumi.yaml (or
# PulumiPolicy.yaml), as with the real language host.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
E2E="$ROOT/.e2e"

bin="$E2E/bin"
if [ "${1:-}" = "--old" ]; then
    bin="$E2E/bin-old"
fi
backend="${E2E_BACKEND_DIR:-$E2E/state}"

q() { printf '%q' "$1"; }

# The file backend's passphrase lives in a 0600 file, so that nothing prints it.
# It guards only throwaway e2e state; a fixed value keeps stacks readable across runs.
passphrase="$E2E/passphrase"
if [ ! -f "$passphrase" ]; then
    mkdir -p "$E2E"
    (umask 077 && echo "e2e-file-backend-only" >"$passphrase")
fi

cat <<EOF
export PATH=$(q "$bin"):\$PATH
export PULUMI_HOME=$(q "$E2E/home")
export PULUMI_BACKEND_URL=$(q "file://$backend")
export PULUMI_CONFIG_PASSPHRASE_FILE=$(q "$passphrase")
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
EOF
