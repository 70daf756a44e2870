#!/usr/bin/env bash
# A PostgreSQL streaming replica of the local primary, for the read-replica router (docs/scaling.md, Step 2).
#
#   scripts/pg_replica.sh start    create it if needed (pg_basebackup -R from the primary), start it, wait until it streams
#   scripts/pg_replica.sh stop     stop it (the data directory and the replication slot stay: the next start catches up)
#   scripts/pg_replica.sh status   is it running, streaming, how far behind (exit 0 only when it streams)
#   scripts/pg_replica.sh remove   stop it, drop its slot on the primary, delete its data directory
#
# The primary is the Debian cluster .ci/run starts (127.0.0.1:5432, Debian binaries, user postgres with the
# password "postgres"); the replica listens on 127.0.0.1:5433 and is a plain pg_ctl instance of the same
# version, data under /var/lib/postgresql/<version>/replica. Run it as root (commands go through
# `su postgres`, like .ci/run), as postgres, or as a user who may `sudo -u postgres`. Every step checks before
# it changes anything, so running it twice is harmless. Overrides: PG_PRIMARY_PORT, PG_REPLICA_PORT,
# PG_REPLICA_DATA, PG_REPLICA_SLOT, PGPASSWORD (the primary's postgres password, used for replication).
set -Eeuo pipefail
trap 'echo "pg_replica.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

HOST=127.0.0.1
PRIMARY_PORT="${PG_PRIMARY_PORT:-5432}"
REPLICA_PORT="${PG_REPLICA_PORT:-5433}"
SLOT="${PG_REPLICA_SLOT:-xhht_replica}"
PASSWORD="${PGPASSWORD:-postgres}"
# A cap on the WAL the slot may hold back while the replica is stopped: without it a forgotten replica fills
# the primary's disk (every test run creates and drops databases, which is WAL). Past it the slot is lost
# and the next `start` rebuilds the replica from a fresh base backup.
SLOT_WAL_CAP="${PG_REPLICA_SLOT_WAL_CAP:-1GB}"
START_TIMEOUT="${PG_REPLICA_START_TIMEOUT:-300}"  # seconds

# The newest installed cluster version, as .ci/run picks it; the replica must run the primary's major version.
if [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
  VERSION="$(ls /etc/postgresql | sort -V | tail -1)"
else
  VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
fi
BIN="/usr/lib/postgresql/$VERSION/bin"
DATA="${PG_REPLICA_DATA:-/var/lib/postgresql/$VERSION/replica}"
# Debian's log directory (the primary's log is there too), else beside the data directory.
if [ -d /var/log/postgresql ]; then
  LOG="${PG_REPLICA_LOG:-/var/log/postgresql/postgresql-$VERSION-replica.log}"
else
  LOG="${PG_REPLICA_LOG:-$(dirname "$DATA")/replica.log}"
fi

die() { echo "pg_replica.sh: $*" >&2; exit 1; }

# Run a command line as the postgres OS user (peer authentication on the local socket, file ownership).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/bash -c "$1"
  elif [ "$(id -un)" = postgres ]; then
    bash -c "$1"
  else
    sudo -u postgres bash -c "$1"
  fi
}

q() { printf '%q' "$1"; }

# One value from the primary, over its local socket (peer authentication as postgres, as .ci/run does).
primary_sql() { as_postgres "psql -X -Atq -p $PRIMARY_PORT -d postgres -c $(q "$1")"; }
replica_sql() { as_postgres "psql -X -Atq -p $REPLICA_PORT -d postgres -c $(q "$1")"; }

replica_running() { as_postgres "$(q "$BIN/pg_ctl") status -D $(q "$DATA")" >/dev/null 2>&1; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: poll once a second
  local seconds="$1" what="$2"; shift 2
  for _ in $(seq 1 "$seconds"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  die "$what: not reached after ${seconds} s (log: $LOG)"
}

configure_primary() {
  local restart=""
  # wal_level, max_wal_senders and max_replication_slots need a restart; Debian's defaults (replica, 10, 10)
  # already allow a replica, so on a stock cluster this changes nothing and restarts nothing.
  if [ "$(primary_sql 'SHOW wal_level')" = minimal ]; then
    primary_sql "ALTER SYSTEM SET wal_level = 'replica'"; restart=1
  fi
  if [ "$(primary_sql 'SHOW max_wal_senders')" -lt 2 ]; then
    primary_sql "ALTER SYSTEM SET max_wal_senders = 10"; restart=1
  fi
  if [ "$(primary_sql 'SHOW max_replication_slots')" -lt 1 ]; then
    primary_sql "ALTER SYSTEM SET max_replication_slots = 10"; restart=1
  fi
  if [ "$(primary_sql 'SHOW max_slot_wal_keep_size')" = "-1" ]; then
    primary_sql "ALTER SYSTEM SET max_slot_wal_keep_size = '$SLOT_WAL_CAP'"
  fi
  # A replication connection from 127.0.0.1: "all" in pg_hba.conf does not cover replication, so unless one
  # already works, a line naming it is appended (a stock Debian cluster has one; .ci/run sets the password). It
  # asks for what the cluster already asks of any TCP connection from 127.0.0.1: a box that trusts local TCP
  # trusts it for replication too, a box that asks for a password asks for it here.
  if ! replication_login; then
    local hba method
    hba="$(primary_sql 'SHOW hba_file')"
    method="$(primary_sql "SELECT auth_method FROM pg_hba_file_rules WHERE type LIKE 'host%' AND 'all' = ANY(database) \
      AND address = '127.0.0.1' AND error IS NULL ORDER BY line_number LIMIT 1")"
    case "$method" in trust|scram-sha-256|md5|password) ;; *) method=scram-sha-256 ;; esac
    echo "Adding 'host replication postgres 127.0.0.1/32 $method' to $hba"
    # Our own line from an earlier run (marked by the comment above it) is replaced, never duplicated.
    as_postgres "sed -i '/^# scripts\/pg_replica.sh: /,+1d' $(q "$hba") && printf '%s\n' \
      '# scripts/pg_replica.sh: the streaming replica on this machine' \
      'host replication postgres 127.0.0.1/32 $method' >> $(q "$hba")"
  fi
  if [ -n "$restart" ]; then
    echo "Restarting the primary for wal_level / max_wal_senders / max_replication_slots"
    pg_ctlcluster "$VERSION" main restart
    wait_for 30 "primary accepting connections" pg_isready -q -h "$HOST" -p "$PRIMARY_PORT"
  else
    primary_sql "SELECT pg_reload_conf()" >/dev/null
  fi
  sleep 1  # the postmaster rereads pg_hba.conf on the signal, asynchronously
  replication_login || die "a replication connection to $HOST:$PRIMARY_PORT as postgres is refused: check \
pg_hba.conf and that PGPASSWORD (default \"postgres\") is the postgres user's password"
}

# Can pg_basebackup log in? A replication-protocol command over TCP, exactly as the replica will connect.
replication_login() {
  PGPASSWORD="$PASSWORD" psql -X -Atq "host=$HOST port=$PRIMARY_PORT user=postgres dbname=postgres replication=true" \
    -c "IDENTIFY_SYSTEM" >/dev/null 2>&1
}

# The standby must allow at least what the primary allows for these, or it refuses to start (hot standby).
standby_settings() {
  local name
  for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions \
              max_locks_per_transaction; do
    printf "%s = '%s'\n" "$name" "$(primary_sql "SHOW $name")"
  done
}

slot_state() {  # empty when the slot does not exist, else its wal_status (reserved, extended, unreserved, lost)
  primary_sql "SELECT coalesce(wal_status, 'reserved') FROM pg_replication_slots WHERE slot_name = '$SLOT'"
}

# Its contents as postgres (who owns them); the directory itself may sit in a directory only root can write.
empty_data() { as_postgres "find $(q "$DATA") -mindepth 1 -delete"; }

build_replica() {
  # Only a directory this script made (it holds standby.signal) or an empty one is ever deleted.
  if [ -e "$DATA" ]; then
    if [ -f "$DATA/standby.signal" ] || [ -z "$(ls -A "$DATA")" ]; then
      empty_data  # pg_basebackup fills an existing empty directory
    else
      die "$DATA exists and is not a replica made by this script; move it away or set PG_REPLICA_DATA"
    fi
  fi
  if [ -n "$(slot_state)" ]; then
    primary_sql "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null
  fi
  # The parent may belong to root (/var/lib/postgresql/<version> on some images): make the directory for postgres.
  if [ "$(id -u)" -eq 0 ]; then
    install -d -o postgres -g postgres -m 700 "$DATA"
  else
    as_postgres "mkdir -p -m 700 $(q "$DATA")"
  fi
  echo "Base backup of 127.0.0.1:$PRIMARY_PORT into $DATA (slot $SLOT)"
  # -R writes primary_conninfo (with this password) and standby.signal; -C -S creates the slot in the same
  # step, so no WAL between the backup and the first connection can be recycled.
  as_postgres "PGPASSWORD=$(q "$PASSWORD") $(q "$BIN/pg_basebackup") -h $HOST -p $PRIMARY_PORT -U postgres \
    -D $(q "$DATA") -R -C -S $(q "$SLOT") -X stream -c fast \
    -d $(q "application_name=xhht_replica")"
  # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy has neither. The replica's own, written after
  # the copy; postgresql.auto.conf (the primary's ALTER SYSTEM settings plus -R's primary_conninfo) still applies.
  {
    echo "# Written by scripts/pg_replica.sh: a hot standby of 127.0.0.1:$PRIMARY_PORT"
    echo "listen_addresses = '$HOST'"
    echo "port = $REPLICA_PORT"
    echo "unix_socket_directories = '/var/run/postgresql'"
    echo "hot_standby = on"
    # Reports the oldest snapshot in use to the primary, so a long statistics read on the replica is not cancelled
    # by the primary's vacuum ("canceling statement due to conflict with recovery").
    echo "hot_standby_feedback = on"
    echo "max_standby_streaming_delay = 30s"
    standby_settings
  } | as_postgres "cat > $(q "$DATA/postgresql.conf")"
  # Who may read the replica: the primary's own rules (trust on a dev box stays trust), else peer and password.
  local hba
  hba="$(primary_sql 'SHOW hba_file')"
  if ! as_postgres "cp $(q "$hba") $(q "$DATA/pg_hba.conf")" 2>/dev/null; then
    as_postgres "printf '%s\n' 'local all all peer' 'host all all 127.0.0.1/32 scram-sha-256' \
      > $(q "$DATA/pg_hba.conf")"
  fi
  as_postgres ": > $(q "$DATA/pg_ident.conf")"  # no user-name maps; an empty file keeps the log quiet
  as_postgres "chmod 700 $(q "$DATA")"
}

start() {
  [ -x "$BIN/pg_ctl" ] || die "no PostgreSQL binaries in $BIN"
  pg_isready -q -h "$HOST" -p "$PRIMARY_PORT" || die "the primary on $HOST:$PRIMARY_PORT is not running (.ci/run starts it)"
  if replica_running; then
    echo "Replica already running in $DATA"
  else
    configure_primary
    local state
    state="$(slot_state)"
    # A new base backup when there is none, when the slot is gone or lost (the WAL cap), or when the primary is
    # another cluster than the one the copy came from (re-created since): the old copy could never catch up.
    if [ ! -f "$DATA/standby.signal" ] || [ -z "$state" ] || [ "$state" = lost ] \
       || [ "$(copied_system)" != "$(primary_sql 'SELECT system_identifier FROM pg_control_system()')" ]; then
      build_replica
    fi
    if pg_isready -q -h "$HOST" -p "$REPLICA_PORT"; then
      die "something else listens on $HOST:$REPLICA_PORT"
    fi
    if [ "$(id -u)" -eq 0 ]; then
      touch "$LOG" && chown postgres:postgres "$LOG"
    fi
    # -W, pg_ctl does not wait: a standby opens for reads only once it has replayed to a consistent point and
    # seen a snapshot of the primary's transactions without overflowed subtransactions; on a busy primary (test
    # runs: savepoints) that took 3–6 minutes here. Waited for below, with the reason in the message.
    as_postgres "$(q "$BIN/pg_ctl") start -W -D $(q "$DATA") -l $(q "$LOG") -o $(q "-p $REPLICA_PORT")" >/dev/null
  fi
  wait_for "$START_TIMEOUT" "replica accepting connections on $HOST:$REPLICA_PORT (a busy primary delays a standby's \
first snapshot)" pg_isready -q -h "$HOST" -p "$REPLICA_PORT"
  [ "$(replica_sql 'SELECT pg_is_in_recovery()')" = t ] || die "the server on port $REPLICA_PORT is not a standby"
  wait_for "$START_TIMEOUT" "replica streaming from the primary" streaming
  status
}

copied_system() {  # the system identifier of the cluster the replica was copied from
  as_postgres "$(q "$BIN/pg_controldata") $(q "$DATA")" 2>/dev/null | sed -n 's/^Database system identifier: *//p'
}

streaming() { [ "$(replica_sql "SELECT status FROM pg_stat_wal_receiver")" = streaming ]; }

stop() {
  if replica_running; then
    as_postgres "$(q "$BIN/pg_ctl") stop -w -m fast -D $(q "$DATA")"
  else
    echo "Replica not running"
  fi
}

status() {
  if ! replica_running; then
    echo "Replica not running ($DATA)"
    return 3
  fi
  local receiver
  receiver="$(replica_sql "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'not connected')" 2>/dev/null \
    || echo "unknown (not accepting connections yet)")"
  echo "Replica running on $HOST:$REPLICA_PORT ($DATA), WAL receiver: $receiver"
  primary_sql "SELECT 'primary sees: ' || application_name || ' ' || state || ', replay lag ' || coalesce(replay_lag::text, '0') FROM pg_stat_replication WHERE application_name = 'xhht_replica'" || true
  primary_sql "SELECT 'slot $SLOT: ' || coalesce(wal_status, '?') || ', active ' || active FROM pg_replication_slots WHERE slot_name = '$SLOT'" || true
  [ "$receiver" = streaming ]
}

remove() {
  stop
  if [ -n "$(slot_state)" ]; then
    primary_sql "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null
  fi
  if [ -f "$DATA/standby.signal" ]; then
    empty_data
    if [ "$(id -u)" -eq 0 ]; then rmdir "$DATA"; else as_postgres "rmdir $(q "$DATA")" || true; fi
  fi
  echo "Replica removed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) rc=0; status || rc=$?; exit "$rc" ;;
  remove) remove ;;
  *) echo "usage: $0 start|stop|status|remove" >&2; exit 2 ;;
esac
