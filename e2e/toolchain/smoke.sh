#!/usr/bin/env bash
# Smoke test of the e2e toolchain that build.sh made: the real CLI, the python
# language host and the tls provider deploy, re-preview and destroy one
# tls.PrivateKey on the file backend, and the old CLI reports its version.
# It runs inside a network namespace with only loopback (unshare -n, as root),
# so any attempt to reach the network fails the test instead of going out.
#
#   bash e2e/toolchain/smoke.sh            exit 0 when every check passed
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"

if [ "${E2E_SMOKE_IN_NETNS:-}" != 1 ]; then
    if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
        exec unshare -n env E2E_SMOKE_IN_NETNS=1 bash -c 'ip link set lo up && exec bash "$0"' "$0"
    fi
    echo "smoke: no network namespace (needs root, unshare, ip): running on the host network" >&2
fi

fail() {
    echo "smoke: FAIL: $*" >&2
    exit 1
}
pass() { echo "smoke: ok: $*"; }

venv="${E2E_VENV:-$ROOT/.venv}"
[ -x "$venv/bin/python" ] || fail "no virtualenv at $venv (run: make .venv/.installed)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state" "$work/project"
export E2E_BACKEND_DIR="$work/state"
eval "$(bash "$HERE/env.sh")"

got="$(pulumi version)"
[ "$got" = "v$PULUMI_VERSION" ] || fail "pulumi version printed '$got', not v$PULUMI_VERSION"
pass "pulumi version: $got"

old="$("$ROOT/.e2e/bin-old/pulumi" version)"
[ "$old" = "v$PULUMI_OLD_VERSION" ] || fail "old pulumi version printed '$old'"
pass "old pulumi version: $old"

plugins="$(pulumi plugin ls)"
echo "$plugins"
grep -Eq "^tls +resource +$TLS_VERSION " <<<"$plugins" || fail "tls $TLS_VERSION is not in 'pulumi plugin ls'"
pass "plugin tls $TLS_VERSION installed"

sdk_tls="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi-tls"))')"
[ "$sdk_tls" = "$TLS_VERSION" ] ||
    fail "the virtualenv has pulumi-tls $sdk_tls, which asks for plugin $sdk_tls; the plugin is $TLS_VERSION (pin: e2e/requirements-e2e.txt)"
# The plugin answers GetSchema offline, and its schema is the one the Python SDK was generated from.
pulumi package get-schema "tls@$TLS_VERSION" >"$work/tls-schema.json"
"$venv/bin/python" "$HERE/schema_parity.py" pulumi_tls <"$work/tls-schema.json" ||
    fail "the tls plugin's schema differs from the pulumi_tls package"
pass "tls schema (from the plugin) matches pulumi-tls $sdk_tls"

cd "$work/project"
cat >Pulumi.yaml <<EOF
name: e2e-smoke
runtime:
  name: python
  options:
    virtualenv: $venv
EOF
cat >__main__.py <<'EOF'
import pulumi
import pulumi_tls as tls

key = tls.PrivateKey("smoke", algorithm="ECDSA", ecdsa_curve="P256")
pulumi.export("public_key_openssh", key.public_key_openssh)
EOF

pulumi stack init smoke --non-interactive
pulumi up --yes --non-interactive --skip-preview
out="$(pulumi stack output public_key_openssh)"
[[ "$out" == ecdsa-sha2-nistp256\ * ]] || fail "stack output is not an ECDSA public key: '$out'"
pass "up created a tls.PrivateKey (output: ${out:0:30}...)"

pulumi preview --expect-no-changes --non-interactive
pass "preview --expect-no-changes"

# A policy pack, run by the CLI through the language host's RunPlugin: a
# mandatory violation must stop the preview, and the message carries the
# stack name, which reaches the pack only through the host's policy proxy.
mkdir -p "$work/pack"
cat >"$work/pack/PulumiPolicy.yaml" <<EOF
description: e2e smoke pack
runtime:
  name: python
  options:
    virtualenv: $venv
EOF
cat >"$work/pack/__main__.py" <<'EOF'
import pulumi
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def no_ecdsa(args, report_violation):
    if args.resource_type == "tls:index/privateKey:PrivateKey" and args.props.get("algorithm") == "ECDSA":
        report_violation(f"smoke-violation stack={pulumi.get_stack()}")


PolicyPack(
    name="smoke",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[ResourceValidationPolicy(name="no-ecdsa", description="smoke", validate=no_ecdsa)],
)
EOF
if policy_out="$(pulumi preview --non-interactive --policy-pack "$work/pack" 2>&1)"; then
    echo "$policy_out"
    fail "preview passed although the mandatory policy was violated"
fi
grep -q "smoke-violation stack=smoke" <<<"$policy_out" || {
    echo "$policy_out"
    fail "the policy pack's violation (with the stack name) is not in the preview output"
}
pass "a mandatory policy violation stopped the preview (the pack saw stack=smoke)"

pulumi destroy --yes --non-interactive
count="$(pulumi stack export | "$venv/bin/python" -c 'import json,sys; print(len(json.load(sys.stdin)["deployment"].get("resources") or []))')"
[ "$count" = 0 ] || fail "after destroy the stack still holds $count resources"
pass "destroy emptied the stack"
pulumi stack rm --yes --non-interactive smoke

echo "smoke: all checks passed"
