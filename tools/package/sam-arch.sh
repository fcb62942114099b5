#!/usr/bin/env bash
# Prints the architecture the Makefile builds when ARCH is not given: the Architecture that
# samconfig.toml's parameter_overrides name (what `sam deploy --guided` saved), else arm64, the
# template's default. sam build does not tell the Makefile which architecture it resolved.
root=$(cd "$(dirname "$0")/../.." && pwd)
arch=$(sed -n 's/^ *parameter_overrides *=.*Architecture=\\*"*\(arm64\|x86_64\).*/\1/p' "$root/samconfig.toml" 2>/dev/null | head -1)
echo "${arch:-arm64}"
