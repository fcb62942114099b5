#!/usr/bin/env bash
# Validates template.yaml against the SAM and CloudFormation schemas in ../shared/sam-schema, and
# proves the check can fail: a copy with a misspelled property must be rejected with its line.
set -uo pipefail
source_dir=$1
validator="$source_dir/../shared/tools/validate-sam-template.mjs"
schemas="$source_dir/../shared/sam-schema"
if [ ! -f "$validator" ] || [ ! -d "$schemas" ]; then
	echo "SKIP: ../shared/tools/validate-sam-template.mjs or ../shared/sam-schema is absent"
	exit 77
fi
if [ ! -d "$source_dir/node_modules/ajv" ] || [ ! -d "$source_dir/node_modules/yaml" ]; then
	echo "FAIL: node_modules lacks ajv/yaml: run npm ci (tools/test.sh does)"
	exit 1
fi
export SAMVAL_NPM_PREFIX="$source_dir" SAM_SCHEMA_DIR="$schemas"
if ! node "$validator" "$source_dir/template.yaml"; then
	echo "FAIL: template.yaml does not validate"
	exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed -e 's/^\(\s*\)FunctionResponseTypes:/\1FunctionResponseType:/' -e '0,/VisibilityTimeout: 180/s//VisibiltyTimeout: 180/' \
	"$source_dir/template.yaml" >"$scratch/misspelled.yaml"
out=$(node "$validator" "$scratch/misspelled.yaml" 2>/dev/null)
rc=$?
echo "$out"
if [ $rc -ne 1 ]; then
	echo "FAIL: a template with misspelled properties was not rejected (exit $rc)"
	exit 1
fi
for want in "unknown property 'FunctionResponseType'" "VisibiltyTimeout"; do
	if ! grep -q "$want" <<<"$out"; then
		echo "FAIL: expected an error mentioning $want"
		exit 1
	fi
done
echo "template.yaml valid; misspelled copy rejected"
