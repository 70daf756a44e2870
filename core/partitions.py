"""Tables partitioned by year on PostgreSQL (docs/scaling.md, Step 3).

`titles_recognition`, `reports_statrollup` and `reports_valuerollup` are `PARTITION BY RANGE (year)` on
PostgreSQL: one partition per year FIRST_YEAR..LAST_YEAR plus a DEFAULT partition, so that no insert ever fails
for want of a partition. Every query that says `year = …` (a commune's list, the rollup's rows of a year, a
title check) then reads one year's partition and its indexes, and a closed year can be vacuumed, reindexed or
detached on its own. Django does not know: the models keep `id` as their key, the migrations (titles 0007,
reports 0005) call `partition_by_year` / `unpartition` from RunPython, and SQLite keeps plain tables.

What partitioning costs, and how it is paid here:
- The primary key must contain the partition key: it is (id, year). `id` still comes from one sequence owned by
  the column (PostgreSQL 15 has no identity on a partitioned table), so ids stay unique, Django's
  INSERT … RETURNING and TransactionTestCase's `reset_sequences` (sequences owned by the table) keep working.
- Every unique key must contain `year`. A unique key without it (the recognition's one-to-one to its evaluation)
  gets `year` appended and a comment saying so, which `unpartition` reads to give the key back its old form.
- A foreign key cannot reference a partitioned table's `id` alone. Foreign keys *into* the table (the awards
  nomination ↔ recognitions many-to-many) become a pair of deferred constraint triggers that check what the
  foreign key checked: the referenced id exists (its row locked FOR KEY SHARE, as a foreign key locks it), and
  a referenced row is not deleted. Foreign keys *out of* the table stay foreign keys.

`ensure_partitions` creates the coming years' partitions ahead (the `partitions_ensure` command), and a
year's rows that landed in DEFAULT meanwhile are moved into their new partition in the same transaction:
PostgreSQL refuses to create a partition while DEFAULT holds rows of its range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from core.params import MAX_YEAR

FIRST_YEAR = 2020  # the data starts in 2023 (forms refuse earlier years); 2020 leaves room for late imports
LAST_YEAR = 2031   # the campaign ends in 2030; one year ahead. Later years: `partitions_ensure`.
YEARS_AHEAD = 2    # `partitions_ensure` keeps partitions up to this year + 2
KEY = "year"
PARTITIONED_TABLES = ("titles_recognition", "reports_statrollup", "reports_valuerollup")
YEAR_ADDED = "xhht: year appended for partitioning by year; unpartition removes it"
REF_CHECK = "xhht_partition_ref_check"      # on the referencing table: the id exists
REF_DELETE = "xhht_partition_ref_delete"    # on the partitioned table: a referenced id does not disappear


def qn(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def year_partition(table: str, year: int) -> str:
    return f"{table}_y{year}"


def default_partition(table: str) -> str:
    return f"{table}_default"


def is_partitioned(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                   "WHERE c.relname = %s AND pg_table_is_visible(c.oid))", [table])
    return bool(cursor.fetchone()[0])


def partitions(cursor: CursorWrapper, table: str) -> dict[str, int | None]:
    """The partitions of `table`: name → its year (None for DEFAULT)."""
    cursor.execute("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                   "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass", [table])
    found: dict[str, int | None] = {}
    for name, bound in cursor.fetchall():
        match = re.fullmatch(r"FOR VALUES FROM \('?(\d+)'?\) TO \('?(\d+)'?\)", bound)
        if match and int(match[2]) == int(match[1]) + 1:
            found[name] = int(match[1])
        elif bound == "DEFAULT":
            found[name] = None
        else:  # a range made by hand (several years): not ours to manage, but it must not be created again
            found[name] = -1
    return found


@dataclass
class _Shape:
    """What a table has besides its columns: constraints, indexes, foreign keys into it, its id sequence."""

    constraints: list[tuple[str, str, str, str | None]] = field(default_factory=list)  # name, type, def, comment
    indexes: list[tuple[str, str]] = field(default_factory=list)  # name, CREATE INDEX … (not backing a constraint)
    incoming: list[tuple[str, str, str]] = field(default_factory=list)  # constraint, referencing table, column
    id_type: str = "bigint"
    next_id: int = 1


def _shape(cursor: CursorWrapper, table: str) -> _Shape:
    shape = _Shape()
    cursor.execute(
        "SELECT con.conname, con.contype, pg_get_constraintdef(con.oid), obj_description(con.oid, 'pg_constraint') "
        "FROM pg_constraint con WHERE con.conrelid = %s::regclass AND con.contype IN ('p', 'u', 'c', 'f') "
        "ORDER BY con.conname", [table])
    shape.constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid) ORDER BY i.relname", [table])
    # A partitioned table's own indexes print as "ON ONLY t": created on the parent they must cover its partitions.
    shape.indexes = [(name, definition.replace(" ON ONLY ", " ON ")) for name, definition in cursor.fetchall()]
    cursor.execute(
        "SELECT con.conname, cr.relname, a.attname FROM pg_constraint con "
        "JOIN pg_class cr ON cr.oid = con.conrelid "
        "JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] "
        "WHERE con.confrelid = %s::regclass AND con.contype = 'f' AND con.conrelid <> con.confrelid "
        "AND con.conparentid = 0 ORDER BY con.conname", [table])
    shape.incoming = cursor.fetchall()
    cursor.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                   "WHERE attrelid = %s::regclass AND attname = 'id'", [table])
    shape.id_type = str(cursor.fetchone()[0])
    # The next id: past the sequence's last value (ids of deleted rows are not given again) and past every row.
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    last = 0
    if sequence:
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}")  # noqa: S608
        last = cursor.fetchone()[0]
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(table)}")  # noqa: S608 - a table name of ours
    shape.next_id = max(last, cursor.fetchone()[0]) + 1
    return shape


def _columns(definition: str) -> list[str]:
    """The column list of `UNIQUE (a, b)` / `PRIMARY KEY (a)`."""
    inner = definition[definition.index("(") + 1:definition.index(")")]
    return [c.strip().strip('"') for c in inner.split(",")]


def _name_indexes(cursor: CursorWrapper, partition: str) -> None:
    """Name a partition's indexes after its parent's ("recognition_one_live_household_y2026"), not PostgreSQL's
    column-list names: a unique violation then still names the constraint the code and the models know."""
    suffix = partition.rsplit("_", 1)[1]
    cursor.execute(
        "SELECT ci.relname, cp.relname FROM pg_index x JOIN pg_class ci ON ci.oid = x.indexrelid "
        "JOIN pg_inherits i ON i.inhrelid = x.indexrelid JOIN pg_class cp ON cp.oid = i.inhparent "
        "WHERE x.indrelid = %s::regclass", [partition])
    for child, parent in cursor.fetchall():
        wanted = f"{parent[:62 - len(suffix)]}_{suffix}"
        if child != wanted:
            cursor.execute(f"ALTER INDEX {qn(child)} RENAME TO {qn(wanted)}")


def _ref_functions(cursor: CursorWrapper) -> None:
    # TG_ARGV: 0 the partitioned table, 1 the referencing table, 2 its column, 3 the foreign key it replaces.
    cursor.execute(f"""
        CREATE OR REPLACE FUNCTION {REF_CHECK}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE ref bigint; n integer;
        BEGIN
            EXECUTE format('SELECT ($1).%I', TG_ARGV[2]) INTO ref USING NEW;
            IF ref IS NULL THEN RETURN NULL; END IF;
            -- FOR KEY SHARE, as a foreign key's check: a concurrent delete of the row waits for this transaction.
            EXECUTE format('SELECT 1 FROM %I WHERE id = $1 FOR KEY SHARE', TG_ARGV[0]) USING ref;
            GET DIAGNOSTICS n = ROW_COUNT;
            IF n = 0 THEN
                RAISE EXCEPTION 'insert or update on table "%" violates foreign key "%"', TG_ARGV[1], TG_ARGV[3]
                    USING ERRCODE = 'foreign_key_violation',
                          DETAIL = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[2], ref, TG_ARGV[0]);
            END IF;
            RETURN NULL;
        END $$""")  # noqa: S608 - constants only
    cursor.execute(f"""
        CREATE OR REPLACE FUNCTION {REF_DELETE}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE n integer;
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN RETURN NULL; END IF;
            -- Almost no row is referenced: one probe of the referencing table's index settles most deletes.
            EXECUTE format('SELECT 1 FROM %I WHERE %I = $1 LIMIT 1', TG_ARGV[1], TG_ARGV[2]) USING OLD.id;
            GET DIAGNOSTICS n = ROW_COUNT;
            IF n = 0 THEN RETURN NULL; END IF;
            -- Deferred: a row moved to another year's partition is deleted and inserted; it still exists then.
            EXECUTE format('SELECT 1 FROM %I WHERE id = $1', TG_ARGV[0]) USING OLD.id;
            GET DIAGNOSTICS n = ROW_COUNT;
            IF n = 0 THEN
                RAISE EXCEPTION 'update or delete on table "%" violates foreign key "%" on table "%"',
                    TG_ARGV[0], TG_ARGV[3], TG_ARGV[1]
                    USING ERRCODE = 'foreign_key_violation',
                          DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, TG_ARGV[1]);
            END IF;
            RETURN NULL;
        END $$""")  # noqa: S608 - constants only


def _ref_trigger_names(constraint: str) -> tuple[str, str]:
    return f"{constraint[:50]}_chk", f"{constraint[:50]}_del"


def partition_by_year(cursor: CursorWrapper, table: str, *, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> int:
    """Turn the plain `table` into one partitioned by year, its rows, ids, indexes and constraints kept.

    In the caller's transaction (a migration's): a new partitioned table is made beside the old one, the rows
    copied, the old table dropped and the new one renamed; the indexes and constraints are then created under
    their old names. Idempotent. Returns the number of rows copied."""
    if is_partitioned(cursor, table):
        return 0
    shape = _shape(cursor, table)
    new = f"{table}__p"
    cursor.execute(f"CREATE TABLE {qn(new)} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING STORAGE) "
                   f"PARTITION BY RANGE ({KEY})")
    for year in range(first, last + 1):
        cursor.execute(f"CREATE TABLE {qn(year_partition(table, year))} PARTITION OF {qn(new)} "
                       f"FOR VALUES FROM ({year}) TO ({year + 1})")
    cursor.execute(f"CREATE TABLE {qn(default_partition(table))} PARTITION OF {qn(new)} DEFAULT")
    # Rows first, indexes after: one sorted build per partition instead of 3.8 M index insertions.
    cursor.execute(f"INSERT INTO {qn(new)} SELECT * FROM {qn(table)}")  # noqa: S608 - table names of ours
    copied = int(cursor.rowcount)
    for constraint, referencing, _column in shape.incoming:
        cursor.execute(f"ALTER TABLE {qn(referencing)} DROP CONSTRAINT {qn(constraint)}")
    cursor.execute(f"DROP TABLE {qn(table)}")  # its identity sequence goes with it
    cursor.execute(f"ALTER TABLE {qn(new)} RENAME TO {qn(table)}")
    sequence = f"{table}_id_seq"
    cursor.execute(f"CREATE SEQUENCE {qn(sequence)} AS {shape.id_type} OWNED BY {qn(table)}.id")
    cursor.execute("SELECT setval(%s, %s, false)", [sequence, shape.next_id])
    cursor.execute(f"ALTER TABLE {qn(table)} ALTER COLUMN id SET DEFAULT nextval('{sequence}'::regclass)")
    foreign = []
    for name, kind, definition, _comment in shape.constraints:
        if kind == "p":
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} PRIMARY KEY (id, {KEY})")
        elif kind == "u" and KEY not in _columns(definition):
            definition = definition.replace(")", f", {KEY})", 1)
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            cursor.execute(f"COMMENT ON CONSTRAINT {qn(name)} ON {qn(table)} IS '{YEAR_ADDED}'")
        elif kind == "f":
            foreign.append((name, definition))
        else:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
    for _name, definition in shape.indexes:
        cursor.execute(definition)
    for name, definition in foreign:  # validated against every row, as the old ones were
        cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
    for partition in partitions(cursor, table):
        _name_indexes(cursor, partition)
    if shape.incoming:
        _ref_functions(cursor)
    for constraint, referencing, column in shape.incoming:
        check, delete = _ref_trigger_names(constraint)
        args = ", ".join(f"'{a}'" for a in (table, referencing, column, constraint))
        cursor.execute(f"CREATE CONSTRAINT TRIGGER {qn(check)} AFTER INSERT OR UPDATE OF {qn(column)} "
                       f"ON {qn(referencing)} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                       f"EXECUTE FUNCTION {REF_CHECK}({args})")
        cursor.execute(f"CREATE CONSTRAINT TRIGGER {qn(delete)} AFTER DELETE OR UPDATE OF id ON {qn(table)} "
                       f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {REF_DELETE}({args})")
    cursor.execute(f"ANALYZE {qn(table)}")  # a new table has no statistics: the next plans would be blind
    return copied


def _replaced_foreign_keys(cursor: CursorWrapper, table: str) -> list[tuple[str, str, str, str]]:
    """The foreign keys into `table` replaced by triggers: (check trigger, referencing table, column, key)."""
    cursor.execute(
        "SELECT t.tgname, c.relname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = %s AND NOT t.tgisinternal", [REF_CHECK])
    found = []
    for trigger, referencing, raw in cursor.fetchall():
        args = bytes(raw).decode().split("\x00")
        if args[0] == table:
            found.append((trigger, referencing, args[2], args[3]))
    return found


def unpartition(cursor: CursorWrapper, table: str) -> int:
    """The reverse of `partition_by_year`: a plain table again, with an identity `id`, its rows, ids, indexes,
    constraints and the foreign keys into it as they were. Idempotent. Returns the number of rows copied."""
    if not is_partitioned(cursor, table):
        return 0
    shape = _shape(cursor, table)
    replaced = _replaced_foreign_keys(cursor, table)
    plain = f"{table}__plain"
    cursor.execute(f"CREATE TABLE {qn(plain)} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING STORAGE)")
    cursor.execute(f"ALTER TABLE {qn(plain)} ALTER COLUMN id DROP DEFAULT")  # the sequence goes with the table
    cursor.execute(f"INSERT INTO {qn(plain)} SELECT * FROM {qn(table)}")  # noqa: S608 - table names of ours
    copied = int(cursor.rowcount)
    for trigger, referencing, _column, _constraint in replaced:
        cursor.execute(f"DROP TRIGGER {qn(trigger)} ON {qn(referencing)}")
    cursor.execute(f"DROP TABLE {qn(table)}")  # its partitions, sequence and triggers with it
    cursor.execute(f"ALTER TABLE {qn(plain)} RENAME TO {qn(table)}")
    cursor.execute(f"ALTER TABLE {qn(table)} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, shape.next_id])
    foreign = []
    for name, kind, definition, comment in shape.constraints:
        if kind == "p":
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} PRIMARY KEY (id)")
        elif kind == "u" and comment == YEAR_ADDED:
            columns = [c for c in _columns(definition) if c != KEY]
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} UNIQUE ({', '.join(map(qn, columns))})")
        elif kind == "f":
            foreign.append((name, definition))
        else:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
    for _name, definition in shape.indexes:
        cursor.execute(definition)
    for name, definition in foreign:
        cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
    for _trigger, referencing, column, constraint in replaced:
        # As Django creates every foreign key on PostgreSQL.
        cursor.execute(f"ALTER TABLE {qn(referencing)} ADD CONSTRAINT {qn(constraint)} FOREIGN KEY ({qn(column)}) "
                       f"REFERENCES {qn(table)} (id) DEFERRABLE INITIALLY DEFERRED")
    cursor.execute(f"ANALYZE {qn(table)}")
    return copied


def create_year(cursor: CursorWrapper, table: str, year: int) -> int | None:
    """Create `table`'s partition for `year` unless it exists; the year's rows that landed in DEFAULT move into
    it. Returns the number of rows moved, or None when the partition was there. In the caller's transaction."""
    existing = partitions(cursor, table)
    if year in existing.values():
        return None
    # Writers wait (readers do not) while the rows move: none may slip into DEFAULT between the move and the
    # CREATE, which would then fail on the default partition's new constraint.
    cursor.execute(f"LOCK TABLE {qn(table)} IN SHARE ROW EXCLUSIVE MODE")
    moved = 0
    default = default_partition(table)
    if default in existing:
        cursor.execute(f"CREATE TEMP TABLE xhht_moving (LIKE {qn(default)}) ON COMMIT DROP")
        cursor.execute(f"WITH moved AS (DELETE FROM {qn(default)} WHERE {KEY} = %s RETURNING *) "  # noqa: S608
                       "INSERT INTO xhht_moving SELECT * FROM moved", [year])
        moved = int(cursor.rowcount)
    cursor.execute(f"CREATE TABLE {qn(year_partition(table, year))} PARTITION OF {qn(table)} "
                   f"FOR VALUES FROM ({year}) TO ({year + 1})")
    _name_indexes(cursor, year_partition(table, year))
    if default in existing:
        cursor.execute(f"INSERT INTO {qn(table)} SELECT * FROM xhht_moving")  # noqa: S608 - ids and all kept
        cursor.execute("DROP TABLE xhht_moving")
    return moved


def default_years(cursor: CursorWrapper, table: str) -> list[int]:
    """The years of the rows in `table`'s DEFAULT partition."""
    default = default_partition(table)
    if default not in partitions(cursor, table):
        return []
    cursor.execute(f"SELECT DISTINCT {KEY} FROM {qn(default)} ORDER BY 1")  # noqa: S608
    return [row[0] for row in cursor.fetchall()]


@dataclass
class Ensured:
    table: str
    year: int
    moved: int


def ensure_partitions(*, through: int | None = None, using: str = "default") -> list[Ensured]:
    """Create every partitioned table's partitions up to `through` (default: this year + YEARS_AHEAD), and one
    for every year from FIRST_YEAR on that has rows in DEFAULT (those rows moved into it). Idempotent; one
    transaction per table. Nothing on a database that is not PostgreSQL or a table that is not partitioned.
    Years before FIRST_YEAR (or past MAX_YEAR, which no form accepts) stay in DEFAULT."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    through = through or timezone.localdate().year + YEARS_AHEAD
    done = []
    for table in PARTITIONED_TABLES:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            if not is_partitioned(cursor, table):
                continue
            years = set(range(FIRST_YEAR, through + 1)) | {
                y for y in default_years(cursor, table) if FIRST_YEAR <= y <= MAX_YEAR}
            for year in sorted(years):
                moved = create_year(cursor, table, year)
                if moved is not None:
                    done.append(Ensured(table, year, moved))
    return done
