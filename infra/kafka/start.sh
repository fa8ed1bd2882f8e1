#!/usr/bin/env bash
# Start a throw-away single-node Kafka (KRaft: combined broker+controller, no ZooKeeper)
# on 127.0.0.1 for the test suite. Jars come from Maven Central via infra/kafka/pom.xml.
#
#   infra/kafka/start.sh                      # fresh, empty cluster on 127.0.0.1:19092
#   KAFKA_KEEP_DATA=1 infra/kafka/start.sh    # restart on the existing log dir (outage tests)
#
# Env: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), KAFKA_DIR (<root>/.kafka),
#      KAFKA_LIBS (<root>/.kafka/libs), KAFKA_HEAP_OPTS, KAFKA_START_TIMEOUT (90 s),
#      KAFKA_KEEP_DATA (unset = wipe and re-format every start).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"   # works from any cwd
HERE="$ROOT/infra/kafka"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
DIR="${KAFKA_DIR:-$ROOT/.kafka}"
LIBS="${KAFKA_LIBS:-$ROOT/.kafka/libs}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"   # absolute: it ends up in server.properties and log4j config

# 1. Idempotent: a broker left over from an earlier start would hold the ports.
KAFKA_DIR="$DIR" "$HERE/stop.sh"
# Anything else on our ports would answer the readiness probe in our broker's place.
for p in "$PORT" "$CONTROLLER_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "kafka: 127.0.0.1:$p is already in use (another broker? set KAFKA_PORT/KAFKA_CONTROLLER_PORT)" >&2
    exit 1
  fi
done

# 2. Jars. A copy of the pom marks a complete fetch, so an interrupted or outdated
#    copy (pom changed, e.g. new Kafka version) is redone from scratch.
if ! cmp -s "$HERE/pom.xml" "$LIBS/.pom.xml"; then
  echo "kafka: resolving jars from Maven (~/.m2 is reused) into $LIBS ..."
  rm -rf "$LIBS"
  # Output goes to a file (Maven prints stray ANSI codes even with -q); shown on failure.
  if ! mvn -q -B -f "$HERE/pom.xml" package -Dkafka.libs.dir="$LIBS" >"$DIR/maven.log" 2>&1; then
    echo "kafka: Maven could not fetch the jars:" >&2; tail -n 40 "$DIR/maven.log" >&2; exit 1
  fi
  cp "$HERE/pom.xml" "$LIBS/.pom.xml"
fi

# 3. Config: one combined node, loopback only, everything sized for tests.
DATA="$DIR/data"
cat > "$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
# Internal topics default to RF 3 / 50 partitions, impossible or slow on one node.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
# Consumers in tests should join immediately instead of waiting 3 s for peers.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS

# Everything to stdout; stdout goes to broker.log (so JVM crashes land there too).
cat > "$DIR/log4j.properties" <<'PROPS'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
PROPS

JAVA_OPTS=(-Djava.awt.headless=true "-Dlog4j.configuration=file:$DIR/log4j.properties"
           "-Dkafka.logs.dir=$DIR" -cp "$LIBS/*")

# 4. KRaft storage must be formatted before first start. By default wipe it so each
#    start is a brand-new cluster (random id) and tests never see old topics/offsets.
if [[ -z "${KAFKA_KEEP_DATA:-}" || ! -f "$DATA/meta.properties" ]]; then
  rm -rf "$DATA"
  # Kafka cluster ids are 16 random bytes, base64url without padding. A leading '-'
  # would be parsed as a CLI flag (Kafka's own generator avoids it too).
  CLUSTER_ID="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  [[ "$CLUSTER_ID" == -* ]] && CLUSTER_ID="A${CLUSTER_ID:1}"
  java -Xmx256m -XX:TieredStopAtLevel=1 "${JAVA_OPTS[@]}" \
    kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$DIR/server.properties" >/dev/null
  : > "$DIR/broker.log"   # new cluster, new log; with KAFKA_KEEP_DATA the log is appended to
fi

# 5. Start detached: own session (setsid) and no inherited stdio, so a caller such as
#    execFileSync() returns as soon as this script exits instead of waiting on the broker.
setsid java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${JAVA_OPTS[@]}" \
  kafka.Kafka "$DIR/server.properties" </dev/null >>"$DIR/broker.log" 2>&1 &
PID=$!
echo "$PID" > "$DIR/broker.pid"

# 6. Wait until it answers real Kafka requests (metadata via kafkajs), not just TCP.
echo -n "kafka: waiting for broker pid $PID on 127.0.0.1:$PORT "
START=$SECONDS
until node "$HERE/probe.mjs" "127.0.0.1:$PORT" 2>/dev/null; do
  if ! kill -0 "$PID" 2>/dev/null || (( SECONDS - START >= TIMEOUT )); then
    echo; echo "kafka: broker not ready (exited or ${TIMEOUT}s timeout); tail of $DIR/broker.log:" >&2
    tail -n 40 "$DIR/broker.log" >&2
    KAFKA_DIR="$DIR" "$HERE/stop.sh" || true
    exit 1
  fi
  echo -n "."
  sleep 0.5
done
echo " ready after $((SECONDS - START))s (log: $DIR/broker.log)"
