#!/usr/bin/env bash
# Stop the test broker started by start.sh: SIGTERM (clean controlled shutdown), then
# SIGKILL after KAFKA_STOP_TIMEOUT seconds (default 30). Not running is not an error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${KAFKA_DIR:-$ROOT/.kafka}"
PIDFILE="$DIR/broker.pid"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

[[ -f "$PIDFILE" ]] || exit 0
PID="$(cat "$PIDFILE")"
# Only signal the pid if it is still our broker: pids get reused after reboots/crashes.
if [[ "$PID" =~ ^[0-9]+$ ]] && grep -qa 'kafka\.Kafka' "/proc/$PID/cmdline" 2>/dev/null; then
  kill -TERM "$PID" 2>/dev/null || true
  for ((i = 0; i < TIMEOUT * 10; i++)); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$PID" 2>/dev/null; then
    echo "kafka: pid $PID ignored SIGTERM for ${TIMEOUT}s, sending SIGKILL" >&2
    kill -KILL "$PID" 2>/dev/null || true
    while kill -0 "$PID" 2>/dev/null; do sleep 0.1; done   # SIGKILL cannot be ignored
  fi
  echo "kafka: stopped broker pid $PID"
fi
rm -f "$PIDFILE"
