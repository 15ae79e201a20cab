#!/usr/bin/env bash
# CI: the committed OpenAPI document (docs/api/openapi.json) and the web UI's generated API types
# (services/web/src/api-types.d.ts) must match the code. Regenerates both and fails on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm openapi
pnpm --filter @tk/web gen-types
if ! git diff --exit-code -- docs/api/openapi.json services/web/src/api-types.d.ts; then
  echo "OpenAPI document or web API types are out of date: run 'pnpm openapi && pnpm --filter @tk/web gen-types' and commit." >&2
  exit 1
fi
# A new, never committed file is also out of date.
if [ -n "$(git status --porcelain -- docs/api/openapi.json services/web/src/api-types.d.ts)" ]; then
  echo "docs/api/openapi.json or services/web/src/api-types.d.ts is not committed." >&2
  exit 1
fi
echo "OpenAPI document and web API types are up to date."
