#!/usr/bin/env bash
# Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
BIN=.venv/bin

stop_all() {
  trap - INT TERM EXIT
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

# --quiet: no banners; the worker still logs each task at info.
$BIN/celery -A config --quiet worker -Q io,media --concurrency 2 --loglevel info &
$BIN/celery -A config --quiet beat --loglevel warning &
$BIN/python manage.py runserver "127.0.0.1:${PORT}" &
echo "Lockstep on http://127.0.0.1:${PORT}/ (Ctrl-C stops the server, the worker and beat)"
# If any of the three exits, stop the others.
wait -n
