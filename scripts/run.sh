#!/usr/bin/env bash
# Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
BIN=.venv/bin

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT

$BIN/celery -A config worker -Q io,media --concurrency 2 --loglevel info &
$BIN/celery -A config beat --loglevel info &
$BIN/python manage.py runserver "127.0.0.1:${PORT}" &
echo "Lockstep on http://127.0.0.1:${PORT}/ (Ctrl-C stops the server, the worker and beat)"
wait -n
