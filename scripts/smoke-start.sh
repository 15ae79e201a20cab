#!/usr/bin/env bash
# CI: the README's start command as a person runs it. `pnpm start` must build, start the compiled server on a
# fresh embedded database, print where to open the UI and the demo users, answer /readyz, serve the web UI,
# and print no engine warning. Then it is stopped (SIGTERM: graceful close).
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
log="$work/start.log"
PORT="${SMOKE_PORT:-0}" DATA_DIR="$work/data" setsid pnpm start >"$log" 2>&1 &
pid=$!
stop() { kill -TERM -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
trap stop EXIT
fail() { echo "smoke-start: $*"; echo "--- output of pnpm start"; cat "$log"; exit 1; }

url=""
for _ in $(seq 1 240); do
  url=$(sed -nE 's/^ *Teilhabekarte is ready: (http:[^ ]+).*/\1/p' "$log" | head -1)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || fail "pnpm start exited before it was ready"
  sleep 1
done
[ -n "$url" ] || fail "no ready banner within 240 s"
echo "ready at $url"
grep -q "Demo users (password Teilhabe-Demo-2026)" "$log" || fail "the banner lists no demo users"
grep -qE "^ +caseworker +sachbearbeitung$" "$log" || fail "the banner does not name the caseworker demo user"
! grep -qi "unsupported engine" "$log" || fail "engine warnings"
grep -qE "node --enable-source-maps .*dist/server.js" "$log" || fail "pnpm start did not run the compiled server"
node -e '
  const url = process.argv[1];
  const ready = await fetch(`${url}/readyz`);
  const body = await ready.json();
  if (ready.status !== 200 || body.status !== "ready") throw new Error(`/readyz: ${ready.status} ${JSON.stringify(body)}`);
  const page = await fetch(`${url}/`);
  const html = await page.text();
  if (page.status !== 200 || !html.includes("<div id=\"app\"")) throw new Error(`/: ${page.status}`);
  console.log(`/readyz ${JSON.stringify(body)}; / serves the web UI`);
' "$url" || fail "the server does not answer as expected"
