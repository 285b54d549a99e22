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

# The web server first, on its own: on a small machine the worker and beat starting alongside it
# (three Django start-ups at once) delay the first page. They start once it answers, or after 60 s.
# Its system checks run once, beside it (below), instead of before it answers.
$BIN/python manage.py runserver --skip-checks "127.0.0.1:${PORT}" &
server=$!
for _ in $(seq 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null && break
  sleep 0.2
done
echo "Lockstep on http://127.0.0.1:${PORT}/ (Ctrl-C stops the server, the worker and beat)"
$BIN/python manage.py check &
# --quiet: no banners; the worker still logs each task at info.
$BIN/celery -A config --quiet worker -Q io,media --concurrency 2 --loglevel info &
worker=$!
$BIN/celery -A config --quiet beat --loglevel warning &
beat=$!
# If any of the three exits, stop the others (the check's own exit is not one of them).
wait -n "$server" "$worker" "$beat"
