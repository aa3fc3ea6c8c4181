#!/bin/sh
# Starts the server in a container: migrates the database schema first (unless ARGILLA_MIGRATE_ON_START is
# false, where a Kubernetes Job migrates once per release), then replaces this shell with the server, so that
# the server is the container's main process and receives SIGTERM itself. Every setting comes from the
# environment; the server creates the default user on an empty database by itself.
set -eu

# The image runs /app/docker/entrypoint.sh; a checkout runs docker/entrypoint.sh: the app is one level up.
APP_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)

# The same words as the settings' booleans, in any case, surrounding blanks ignored. Any other value migrates,
# and the CLI then rejects an invalid one with a message naming the variable.
migrate_on_start=$(printf '%s' "${ARGILLA_MIGRATE_ON_START:-}" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')
case "$migrate_on_start" in
  false | 0 | no | off)
    echo "entrypoint: ARGILLA_MIGRATE_ON_START=${ARGILLA_MIGRATE_ON_START}, not migrating the database" >&2
    ;;
  *)
    node "$APP_DIR/dist/apps/argilla-cli/main.js" database migrate || exit $?
    ;;
esac

exec node "$APP_DIR/dist/apps/argilla-server/main.js" "$@"
