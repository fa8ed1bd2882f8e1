#!/usr/bin/env bash
# The whole test suite, as CI runs it: type-check, real Kafka broker, real Chromium, mocha.
# Everything it needs is installed here (npm, apt-get, Maven), so a fresh clone works.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

echo "== type-check"
npm run typecheck

echo "== browser for the console tests"
bash infra/install-chromium.sh

echo "== schemathesis (PyPI) for the OpenAPI fuzzing test"
bash infra/install-schemathesis.sh

echo "== Kafka broker (KRaft, from Maven Central)"
export KAFKA_PORT="${KAFKA_PORT:-19092}"
bash infra/kafka/start.sh
trap 'bash infra/kafka/stop.sh >/dev/null 2>&1 || true' EXIT
export LEDGER_TEST_KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT}"

echo "== mocha: the whole suite (embedded SQLite ledger, real Kafka, real Chromium)"
mkdir -p test-artifacts
npx mocha 'test/**/*.spec.ts' "$@"

echo "== mocha: the API suite again, on the EventStoreDB adapter over its protocol stand-in"
LEDGER_TEST_EVENTSTORE=esdb npx mocha 'test/api/**/*.spec.ts' "$@"
