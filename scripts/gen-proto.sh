#!/usr/bin/env bash
# Regenerates the TypeScript gRPC code in src/api/gen from proto/ (buf + ts-proto).
# The output is committed; run this after changing a .proto file.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/api/gen
npx buf generate proto
npx prettier --log-level warn --write src/api/gen
