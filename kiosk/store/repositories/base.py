"""What every repository shares: the unit's connection, the dialect, upserts by key.

A repository works on its unit of work's one ``Connection`` and speaks Core to the
tables. What differs between SQLite and PostgreSQL is asked of the unit's ``Dialect``
(``kiosk.store.repositories.dialects``), never decided in a repository's method.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, Executable, Table, and_, delete, null, or_, tuple_

from kiosk.domain.documents import is_older

if TYPE_CHECKING:
    from kiosk.store.repositories.dialects import Dialect

#: Rows per executemany. Large enough that per-statement overhead vanishes, small
#: enough that a snapshot of a big EMR does not build one huge parameter list.
CHUNK = 2000
#: Rows per ``IN (…)`` list; SQLite's default cap on bound variables is 32766.
IN_CHUNK = 500
#: Free text from upstream or from errors is cut to this before it is stored.
MAX_NOTE = 1000

_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def utc_text(at: datetime) -> str:
    """An aware instant as ISO text in UTC (values kept in text columns)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime without a time zone")
    return at.astimezone(UTC).isoformat()


class Upsert:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` of a table's ``columns``, keys first.

    Rows for it are tuples in ``columns`` order (``Dialect.upsert``) or mappings by
    column name (``Repository._save``). ``cleared``: columns not given, set back to
    their default on update. ``only_changed``: a row whose every column already holds
    the new value is left alone (``WHERE (columns) IS DISTINCT FROM (new values)``):
    the same table after, but an unchanged row is neither rewritten nor re-indexed. A
    sign-in refresh re-reads every document of the patient's EMRs and most have not
    changed since the last one: it then holds the write lock, which every audit append
    waits for, for a few milliseconds instead of seconds (issue 18, ``open_field_ms``).
    ``newer``: a column of instants; a row whose held instant is later than the new
    one is left alone (either missing: written), so that an older version read before
    a newer one was written never replaces it.

    The construct is built once per dialect, on first use: building a Core construct
    costs more than running a small query.
    """

    def __init__(self, table: Table, columns: Sequence[str], keys: Sequence[str], *,
                 cleared: Sequence[str] = (), only_changed: bool = False,
                 newer: str | None = None) -> None:
        if list(columns[: len(keys)]) != list(keys):
            raise ValueError("an upsert's columns start with its keys")
        self.table = table
        self.columns = tuple(columns)
        self.keys = tuple(keys)
        self.cleared = tuple(cleared)
        self.only_changed = only_changed
        if newer is not None and newer not in self.columns:
            raise ValueError("an upsert's newer column is one of its columns")
        self.newer = newer
        self._newer_at = self.columns.index(newer) if newer is not None else -1
        self._statements: dict[str, Executable] = {}

    def statement(self, dialect: Dialect) -> Executable:
        stmt = self._statements.get(dialect.name)
        if stmt is None:
            stmt = self._statements[dialect.name] = self._build(dialect.insert(self.table))
        return stmt

    def _build(self, insert: Any) -> Executable:
        table = self.table
        new = {name: insert.excluded[name] for name in self.columns[len(self.keys):]}
        for name in self.cleared:
            default: Any = table.c[name].server_default
            new[name] = default.arg if default is not None else null()
        stmt: Executable = insert.on_conflict_do_update(
            index_elements=list(self.keys), set_=new, where=self.condition(insert, new))
        return stmt

    def latest(self, rows: Sequence[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
        """One row per key, as writing ``rows`` in order through the statement leaves
        them: the later row of a key wins unless its ``newer`` instant is earlier."""
        keys, at = len(self.keys), self._newer_at
        kept: dict[Any, tuple[Any, ...]] = {}
        for row in rows:
            key = row[0] if keys == 1 else row[:keys]
            if at >= 0:
                held = kept.get(key)
                if held is not None and is_older(row[at], held[at]):
                    continue
            kept[key] = row
        return kept.values()

    def condition(self, insert: Any, new: Mapping[str, Any]) -> ColumnElement[bool] | None:
        """The ``DO UPDATE … WHERE`` of ``insert`` setting ``new`` (``only_changed``,
        ``newer``), for this statement and the PostgreSQL staging merge alike."""
        table = self.table
        parts: list[ColumnElement[bool]] = []
        if self.newer is not None:
            held, coming = table.c[self.newer], insert.excluded[self.newer]
            parts.append(or_(held.is_(None), coming.is_(None), coming >= held))
        if self.only_changed:
            parts.append(tuple_(*(table.c[name] for name in new)).is_distinct_from(
                tuple_(*new.values())))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else and_(*parts)


class Unit(Protocol):
    def connection(self) -> Connection: ...


class Repository:
    def __init__(self, unit: Unit, dialect: Dialect) -> None:
        self._unit = unit
        self._dialect = dialect

    @property
    def _conn(self) -> Connection:
        """The unit's connection; the first use begins its transaction."""
        return self._unit.connection()

    def _save(self, upsert: Upsert, row: Mapping[str, Any]) -> None:
        """One row through SQLAlchemy's column types (what is not written in bulk: the
        types convert times, JSON and booleans for either backend)."""
        self._conn.execute(upsert.statement(self._dialect), [row])

    def _delete_in(self, table: Table, column: str, values: Sequence[str]) -> None:
        if not values:
            return
        conn = self._conn
        col = table.c[column]
        for chunk in chunks(sorted(set(values)), IN_CHUNK):
            conn.execute(delete(table).where(col.in_(chunk)))
