#!/usr/bin/env bash
# Builds the real Pulumi engine toolchain for the e2e tier into .e2e/ from Go
# modules served by the Go module proxy, and installs the provider plugins
# into .e2e/home. Idempotent: a part whose inputs (versions, templates, Go
# version) are unchanged is skipped, so a second run takes seconds.
#
#   bash e2e/toolchain/build.sh        run from anywhere; paths follow the script
#
# Exit codes: 0 built (or up to date); 1 a step failed (its log is named);
#             3 `go` is not on PATH (the caller may skip the e2e tier).
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
E2E="$ROOT/.e2e"
# shellcheck source=versions.env
source "$HERE/versions.env"

if ! command -v go >/dev/null 2>&1; then
    echo "e2e toolchain: Go not found on PATH: skipping the build (exit 3)" >&2
    exit 3
fi

BIN="$E2E/bin"
BIN_OLD="$E2E/bin-old"
LOGS="$E2E/logs"
STAMPS="$E2E/stamps"
WORK="$E2E/build"
mkdir -p "$BIN" "$BIN_OLD" "$LOGS" "$STAMPS" "$WORK" "$E2E/home" "$E2E/state"

# Two runs at once would write the same files: the second waits for the first.
exec 9>"$E2E/build.lock"
if ! flock -n 9; then
    echo "e2e toolchain: another build.sh is running; waiting for it"
    flock 9
fi

export GOFLAGS="${GOFLAGS:--buildvcs=false}"
# The machine's own Go; every go.mod here asks for at most what it has.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
GO_VERSION="$(go env GOVERSION)"
# -trimpath and -s -w: smaller binaries and less link time; the same flags on
# every build keep one set of entries in the build cache.
GOBUILD=(go build -p 2 -trimpath)

SDK_VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
TOTAL_START=$SECONDS
CURRENT_STEP=""
CURRENT_LOG=""

on_error() {
    local rc=$?
    # Subshells inherit the trap (set -E); only the script itself reports.
    [ "$BASHPID" = "$$" ] || exit "$rc"
    echo "e2e toolchain: FAILED at step '$CURRENT_STEP' (exit $rc)" >&2
    if [ -n "$CURRENT_LOG" ] && [ -f "$CURRENT_LOG" ]; then
        echo "---- last lines of $CURRENT_LOG ----" >&2
        tail -n 30 "$CURRENT_LOG" >&2
    fi
    exit 1
}
trap on_error ERR

# key NAME PARTS...: a hash of the given strings and files (files by content),
# of the Go version and of this script (its flags and steps are inputs too).
key() {
    local part
    {
        echo "go=$GO_VERSION"
        for part in "$@" "$HERE/build.sh"; do
            if [ -f "$part" ]; then
                echo "file=${part#"$ROOT"/}"
                sha256sum <"$part"
            else
                echo "str=$part"
            fi
        done
    } | sha256sum | cut -d' ' -f1
}

# fresh NAME KEY OUTPUT...: true when every output exists and NAME's stamp holds KEY.
fresh() {
    local name=$1 want=$2 out
    shift 2
    for out in "$@"; do [ -e "$out" ] || return 1; done
    [ -f "$STAMPS/$name" ] && [ "$(cat "$STAMPS/$name")" = "$want" ]
}

stamp() { echo "$2" >"$STAMPS/$1"; }

step() {
    CURRENT_STEP=$1
    CURRENT_LOG="$LOGS/$1.log"
    : >"$CURRENT_LOG"
    STEP_START=$SECONDS
    echo "e2e toolchain: $1 ..."
}

done_step() { echo "e2e toolchain: $CURRENT_STEP done in $((SECONDS - STEP_START))s"; }

files_of() { find "$1" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) | LC_ALL=C sort; }

# ---- the CLI -----------------------------------------------------------------
CLI_DIR="$HERE/cli"
mapfile -t CLI_FILES < <(files_of "$CLI_DIR")
build_cli() { # OUT VERSION
    (cd "$CLI_DIR" && "${GOBUILD[@]}" \
        -ldflags "-s -w -X $SDK_VERSION_VAR=v$2" \
        -o "$1" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >>"$CURRENT_LOG" 2>&1
}

k=$(key cli "$PULUMI_VERSION" "${CLI_FILES[@]}")
if fresh cli "$k" "$BIN/pulumi"; then
    echo "e2e toolchain: pulumi v$PULUMI_VERSION up to date"
else
    step cli
    build_cli "$BIN/pulumi" "$PULUMI_VERSION"
    stamp cli "$k"
    done_step
fi

# Same source and flags, another version string: only a relink.
k=$(key cli-old "$PULUMI_OLD_VERSION" "${CLI_FILES[@]}")
if fresh cli-old "$k" "$BIN_OLD/pulumi"; then
    echo "e2e toolchain: old pulumi v$PULUMI_OLD_VERSION up to date"
else
    step cli-old
    build_cli "$BIN_OLD/pulumi" "$PULUMI_OLD_VERSION"
    stamp cli-old "$k"
    done_step
fi

# ---- the python language host -------------------------------------------------
# The e2e tier's own host (cli/pulumi-language-python, see its header and
# VERSIONS.md), in the CLI's module so it shares the CLI's build cache.
k=$(key langhost "$PULUMI_VERSION" "${CLI_FILES[@]}")
if fresh langhost "$k" "$BIN/pulumi-language-python" "$BIN/pulumi-language-python-exec" \
    "$BIN/pulumi-resource-pulumi-python" "$BIN_OLD/pulumi-language-python" \
    "$BIN_OLD/pulumi-language-python-exec" "$BIN_OLD/pulumi-resource-pulumi-python"; then
    echo "e2e toolchain: pulumi-language-python up to date"
else
    step langhost
    (cd "$CLI_DIR" && "${GOBUILD[@]}" \
        -ldflags "-s -w -X $SDK_VERSION_VAR=v$PULUMI_VERSION+e2e" \
        -o "$BIN/pulumi-language-python" ./pulumi-language-python) >>"$CURRENT_LOG" 2>&1
    # The exec script that the host runs with python ships in the sdk module.
    sdk_dir=$(cd "$CLI_DIR" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
    install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
    # Python dynamic providers (components/exchange_rbac_provider.py) run in Pulumi's
    # own plugin, a shell script in the same zip (python/dist) that starts
    # `python -u -m pulumi.dynamic` in the project's virtualenv. The engine counts it
    # as bundled (workspace.IsPluginBundled), so it is found beside the CLI.
    install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"
    # The engine looks for a language host next to its own executable.
    install -m 0755 "$BIN/pulumi-language-python" "$BIN_OLD/pulumi-language-python"
    install -m 0755 "$BIN/pulumi-language-python-exec" "$BIN_OLD/pulumi-language-python-exec"
    install -m 0755 "$BIN/pulumi-resource-pulumi-python" "$BIN_OLD/pulumi-resource-pulumi-python"
    stamp langhost "$k"
    done_step
fi

# ---- providers ------------------------------------------------------------------
# build_provider NAME VERSION: tfgen writes schema.json and bridge-metadata.json,
# the schema gets its version, the provider embeds both.
build_provider() {
    # tfgen looks for the upstream docs from ./provider, as in a provider repository.
    local name=$1 version=$2 src="$HERE/providers/$1" dst="$WORK/$1/provider"
    local mod="exocba.invalid/e2e/toolchain/providers/$name"
    local files k
    mapfile -t files < <(files_of "$src")
    k=$(key "provider-$name" "$version" "${files[@]}")
    if fresh "provider-$name" "$k" "$BIN/pulumi-resource-$name"; then
        echo "e2e toolchain: pulumi-resource-$name $version up to date"
        return 0
    fi
    step "provider-$name"
    rm -rf "$WORK/$name"
    mkdir -p "$dst"
    cp -R "$src/." "$dst/"
    local ld="-s -w -X $mod/info.Version=$version"
    (cd "$dst" && "${GOBUILD[@]}" -ldflags "$ld" -o "$WORK/pulumi-tfgen-$name" "./cmd/pulumi-tfgen-$name") \
        >>"$CURRENT_LOG" 2>&1
    local out="$dst/cmd/pulumi-resource-$name"
    # --skip-examples: converting the docs' HCL examples needs a converter plugin
    # that would be downloaded; descriptions still come from the upstream docs.
    (cd "$WORK/$name" && "$WORK/pulumi-tfgen-$name" schema --skip-examples --out "$out") >>"$CURRENT_LOG" 2>&1
    python3 - "$out/schema.json" "$version" <<'PY'
import json, sys
path, version = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    spec = json.load(f)
spec["version"] = version
with open(path, "w", encoding="utf-8") as f:
    json.dump(spec, f, indent=4)
PY
    (cd "$dst" && "${GOBUILD[@]}" -ldflags "$ld" -o "$BIN/pulumi-resource-$name" "./cmd/pulumi-resource-$name") \
        >>"$CURRENT_LOG" 2>&1
    stamp "provider-$name" "$k"
    done_step
}

build_provider tls "$TLS_VERSION"

# azuread: no version builds from served modules, so a STAND-IN plugin of our
# own (providers/azuread-standin, VERSIONS.md) under the name and version the
# pulumi-azuread package asks for. Its only module beyond the CLI's is
# go-pkcs12 (the PFX reader go-azure-sdk uses); go.sum pins it.
AZUREAD_DIR="$HERE/providers/azuread-standin"
mapfile -t AZUREAD_FILES < <(files_of "$AZUREAD_DIR")
k=$(key provider-azuread "$AZUREAD_VERSION" "${AZUREAD_FILES[@]}")
if fresh provider-azuread "$k" "$BIN/pulumi-resource-azuread"; then
    echo "e2e toolchain: pulumi-resource-azuread $AZUREAD_VERSION (stand-in) up to date"
else
    step provider-azuread
    (cd "$AZUREAD_DIR" && "${GOBUILD[@]}" -ldflags "-s -w -X main.Version=$AZUREAD_VERSION" \
        -o "$BIN/pulumi-resource-azuread" .) >>"$CURRENT_LOG" 2>&1
    stamp provider-azuread "$k"
    done_step
fi

# ---- plugin install into PULUMI_HOME ----------------------------------------------
# The plugin cache is what a user's machine has after `pulumi plugin install`.
install_plugin() { # NAME VERSION
    local name=$1 version=$2 k
    k=$(key "install-$name" "$version" "$BIN/pulumi-resource-$name" "$BIN/pulumi")
    if fresh "install-$name" "$k" "$E2E/home/plugins/resource-$name-v$version"; then
        echo "e2e toolchain: plugin $name $version installed"
        return 0
    fi
    step "install-$name"
    # shellcheck source=/dev/null
    (eval "$(bash "$HERE/env.sh")" &&
        pulumi plugin install resource "$name" "$version" --file "$BIN/pulumi-resource-$name" --reinstall) \
        >>"$CURRENT_LOG" 2>&1
    stamp "install-$name" "$k"
    done_step
}

install_plugin tls "$TLS_VERSION"
install_plugin azuread "$AZUREAD_VERSION"

CURRENT_STEP=check
"$BIN/pulumi" version >/dev/null
echo "e2e toolchain: ready in $((SECONDS - TOTAL_START))s: $("$BIN/pulumi" version) in $BIN (old CLI: $("$BIN_OLD/pulumi" version))"
echo "e2e toolchain: use it with: eval \"\$(bash e2e/toolchain/env.sh)\""
