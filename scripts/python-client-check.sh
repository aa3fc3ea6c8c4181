#!/usr/bin/env bash
# Checks the Argilla 1.8 Python client against this server with a personal access token (and, as control, with the
# API key): builds the server if needed, starts it on a fresh SQLite home on a free port, creates tokens through the
# HTTP API as the default user, runs scripts/python-client-check.py with the client's source on PYTHONPATH, and
# stops the server whatever happens. Exits non-zero on any mismatch.
#
#   PYTHON_CLIENT_SOURCE=/path/to/argilla-v1.8.0 scripts/python-client-check.sh
#
# PYTHON_CLIENT_SOURCE: a copy of the Argilla repository at v1.8.0 (the folder holding `src/argilla`).
# PYTHON: the interpreter (default /usr/bin/python3, where Debian's python3-httpx, python3-pydantic, ... install).
# ARGILLA_DATABASE_URL: optional, a PostgreSQL database to run the check on as well, after SQLite. It must be empty
#   and expendable: the check migrates it, the server creates the default user there, and the check leaves its
#   workspace and tokens behind.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
SERVER="$ROOT/dist/apps/argilla-server/main.js"
CLI="$ROOT/dist/apps/argilla-cli/main.js"

if [[ -z "${PYTHON_CLIENT_SOURCE:-}" || ! -f "${PYTHON_CLIENT_SOURCE}/src/argilla/__init__.py" ]]; then
  echo "PYTHON_CLIENT_SOURCE must name a copy of the Argilla v1.8.0 repository (with src/argilla/__init__.py)" >&2
  exit 2
fi
# The server, the CLI and the client all read ARGILLA_* variables: none of the caller's may reach them (the database
# URL is kept for the PostgreSQL run alone).
POSTGRESQL_URL=${ARGILLA_DATABASE_URL:-}
while read -r name; do
  [[ "$name" == PYTHON_CLIENT_SOURCE ]] || unset "$name"
done < <(compgen -e | grep -E '^(ARGILLA_|DEFAULT_USER_)')

for tool in node curl jq "$PYTHON"; do
  command -v "$tool" > /dev/null || { echo "$tool not found" >&2; exit 2; }
done

# Build when there is no build, or when a source file is newer than it.
if [[ ! -f "$SERVER" || ! -f "$CLI" ]] || [[ -n "$(find "$ROOT/apps" "$ROOT/libs" -newer "$SERVER" -type f -print -quit)" ]]; then
  echo "== npm run build"
  (cd "$ROOT" && npm run build > /dev/null)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/python-client-check.XXXXXX")
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2> /dev/null; then
    kill -TERM "$SERVER_PID" 2> /dev/null || true
    wait "$SERVER_PID" 2> /dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# run_check NAME [DATABASE_URL]: one full run on a new server.
run_check() {
  local name=$1 database_url=${2:-} home port base log
  home="$WORK/$name"
  mkdir -p "$home"
  log="$home/server.log"
  local vars=(ARGILLA_HOME_PATH="$home" DEFAULT_USER_ENABLED=true ARGILLA_LOG_LEVEL=warn
    ARGILLA_LOCAL_AUTH_SECRET_KEY="$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("hex"))')")
  if [[ -n "$database_url" ]]; then vars+=(ARGILLA_DATABASE_URL="$database_url"); fi

  echo "== $name: argilla-cli database migrate"
  env "${vars[@]}" node "$CLI" database migrate | sed 's/^/  /' || return 1

  port=$(free_port)
  base="http://127.0.0.1:$port"
  echo "== $name: server on $base"
  env "${vars[@]}" ARGILLA_HOST=127.0.0.1 ARGILLA_PORT="$port" node "$SERVER" > "$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    curl -sf "$base/api/_info" > /dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2> /dev/null || { echo "the server exited:" >&2; cat "$log" >&2; return 1; }
    sleep 0.1
  done
  curl -sf "$base/api/_info" > /dev/null || { echo "the server does not answer:" >&2; cat "$log" >&2; return 1; }

  local key=argilla.apikey
  token() { # token NAME SCOPE: creates a token of the default user (with its API key), prints the whole answer
    curl -sS --fail-with-body -X POST "$base/api/v1/me/tokens" -H "X-Argilla-Api-Key: $key" -H 'Content-Type: application/json' \
      -d "{\"name\": \"$1\", \"scope\": \"$2\", \"expires_in_days\": 1}"
  }
  local full read revoked
  full=$(token python-client-full full) || { echo "creating a token failed: $full" >&2; return 1; }
  read=$(token python-client-read read) || { echo "creating a token failed: $read" >&2; return 1; }
  revoked=$(token python-client-revoked read) || { echo "creating a token failed: $revoked" >&2; return 1; }
  echo "  POST /api/v1/me/tokens {\"name\": \"python-client-full\", \"scope\": \"full\", ...} -> $(jq -c 'del(.secret)' <<< "$full")"
  echo "  POST /api/v1/me/tokens {\"name\": \"python-client-read\", \"scope\": \"read\", ...} -> $(jq -c 'del(.secret)' <<< "$read")"
  curl -sf -X DELETE "$base/api/v1/me/tokens/$(jq -r .id <<< "$revoked")" -H "X-Argilla-Api-Key: $key" > /dev/null ||
    { echo "revoking a token failed" >&2; return 1; }
  echo "  DELETE /api/v1/me/tokens/<id of python-client-revoked>"

  echo "== $name: Argilla client"
  local status=0
  env ARGILLA_API_URL="$base" CHECK_API_KEY="$key" \
    CHECK_TOKEN_FULL="$(jq -r .secret <<< "$full")" CHECK_TOKEN_READ="$(jq -r .secret <<< "$read")" \
    CHECK_TOKEN_REVOKED="$(jq -r .secret <<< "$revoked")" CHECK_WORKSPACE="pat-check-$port" \
    PYTHONPATH="$PYTHON_CLIENT_SOURCE/src" "$PYTHON" "$ROOT/scripts/python-client-check.py" || status=$?

  # What the server logged at warn and above (the default user's known credentials are expected).
  grep -v "still accepts the default password" "$log" | sed 's/^/  server: /' || true
  stop_server
  return "$status"
}

result=0
run_check sqlite || result=1
if [[ -n "$POSTGRESQL_URL" ]]; then
  run_check postgresql "$POSTGRESQL_URL" || result=1
fi
if [[ $result -ne 0 ]]; then
  echo "== FAILED"
else
  echo "== passed"
fi
exit "$result"
