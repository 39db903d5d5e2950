"""Statements compiled to SQL once per connection, for the few every request makes.

Turning a QuerySet into SQL costs Django more than running it: for the API token lookup
(a token, its user and the user's organization) about 0.3 ms of compiling against 0.04 ms
in the database, on every API request. A prepared statement compiles its QuerySet once,
with markers where the values go, keeps the SQL (and, for lookups, Django's own recipe for
turning rows into model instances) and from then on only executes. Queries still go
through Django's cursor, so query logging and counting see them.

Only for fixed shapes: `build` must give the same SQL whatever the values.

- `PreparedLookup.first(**values)`: the first model instance, with its select_related rows.
- `PreparedValues.rows(**values)`: every row of a `values_list` QuerySet, as tuples.
- `PreparedUpdate.run(**values)`: an `UPDATE`; returns how many rows it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql import UpdateQuery

M = TypeVar("M", bound=Model)


Value = str | int | datetime | None


class _Slots:
    """Where each named value goes in a compiled statement's parameters."""

    def __init__(
        self, names: tuple[str, ...], ints: tuple[str, ...], datetimes: tuple[str, ...]
    ) -> None:
        self.names, self.ints, self.datetimes = names, ints, datetimes

    def markers(self) -> dict[str, Any]:
        # Integer columns get a number no row has, times a moment no row has, text columns
        # a string no one sends.
        return {name: self._marker(name, i) for i, name in enumerate(self.names)}

    def _marker(self, name: str, index: int) -> Any:
        if name in self.ints:
            return -987_654_321_000 - index
        if name in self.datetimes:
            return datetime(1901, 2, 3, 4, 5, 6, 700_000 + index, tzinfo=UTC)
        return f"\x00deskpact-prepared:{name}\x00"

    def find(self, params: tuple[Any, ...], connection: Any) -> dict[int, str]:
        """Positions of the markers in `params` (as the database adapter gives them)."""
        wanted = {}
        for name, marker in self.markers().items():
            if name in self.datetimes:
                marker = connection.ops.adapt_datetimefield_value(marker)
            wanted[name] = marker
        slots = {}
        for position, value in enumerate(params):
            for name, marker in wanted.items():
                if type(value) is type(marker) and value == marker:
                    slots[position] = name
        if sorted(slots.values()) != sorted(self.names):
            raise ValueError("every value must appear once, unchanged, in the query's params")
        return slots

    def fill(
        self, params: tuple[Any, ...], slots: dict[int, str], values: dict[str, Value], conn: Any
    ) -> list[Any]:
        filled = list(params)
        for position, name in slots.items():
            value = values[name]
            if name in self.datetimes and value is not None:
                value = conn.ops.adapt_datetimefield_value(value)
            filled[position] = value
        return filled


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    slots: dict[int, str]  # position in params -> name of the value that goes there
    compiler: Any = None
    converters: Any = None


@dataclass(frozen=True)
class _Compiled(_Statement):
    """A lookup's statement with Django's recipe for turning its row into instances."""

    model: type[Model] | None = None
    start: int = 0
    end: int = 0
    init_list: tuple[str, ...] = ()
    populators: tuple[Any, ...] = ()


S = TypeVar("S", bound=_Statement)


class _Prepared(Generic[S]):
    """What every prepared statement shares: its recipe, markers, the compiled SQL (one
    per connection), and filling in the values of a call."""

    def __init__(
        self,
        build: Callable[..., Any],
        *names: str,
        ints: tuple[str, ...] = (),
        datetimes: tuple[str, ...] = (),
    ) -> None:
        self._build = build
        self._slots = _Slots(names, ints, datetimes)
        self._compiled: dict[int, S] = {}

    def _execute(self, cursor: Any, values: dict[str, Value]) -> S:
        """Run the statement with `values` on `cursor`, compiling it first if needed."""
        connection = connections["default"]
        compiled = self._compiled.get(id(connection))
        if compiled is None:
            compiled = self._compiled[id(connection)] = self._compile(connection)
        params = self._slots.fill(compiled.params, compiled.slots, values, connection)
        cursor.execute(compiled.sql, params)
        return compiled

    def _compile(self, connection: Any) -> S:
        raise NotImplementedError


class PreparedLookup(_Prepared[_Compiled], Generic[M]):
    """`first(**values)`: the first row of `build(**markers)` with the values filled in."""

    def __init__(
        self,
        build: Callable[..., QuerySet[M]],
        *names: str,
        ints: tuple[str, ...] = (),
        datetimes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(build, *names, ints=ints, datetimes=datetimes)

    def first(self, **values: Value) -> M | None:
        with connections["default"].cursor() as cursor:
            compiled = self._execute(cursor, values)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
        assert compiled.model is not None
        obj = compiled.model.from_db(
            "default", list(compiled.init_list), row[compiled.start : compiled.end]
        )
        for populator in compiled.populators:
            populator.populate(row, obj)
        return obj  # type: ignore[return-value]

    def _compile(self, connection: Any) -> _Compiled:
        queryset = self._build(**self._slots.markers())[:1]
        compiler = queryset.query.get_compiler(using="default")
        sql, params = compiler.as_sql()
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=self._slots.find(tuple(params), connection),
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            # django-stubs describe Django 6, which added an argument; 5.2 takes three.
            populators=tuple(get_related_populators(klass_info, select, "default")),  # type: ignore[call-arg]
        )


class PreparedValues(_Prepared[_Statement]):
    """`rows(**values)`: the rows of `build(**markers)`, a `values_list` QuerySet."""

    def rows(self, **values: Value) -> list[tuple[Any, ...]]:
        with connections["default"].cursor() as cursor:
            compiled = self._execute(cursor, values)
            rows = [tuple(row) for row in cursor.fetchall()]
        if compiled.converters:
            converted = compiled.compiler.apply_converters(rows, compiled.converters)
            rows = [tuple(row) for row in converted]
        return rows

    def _compile(self, connection: Any) -> _Statement:
        compiler = self._build(**self._slots.markers()).query.get_compiler(using="default")
        sql, params = compiler.as_sql()
        return _Statement(
            sql=sql,
            params=tuple(params),
            slots=self._slots.find(tuple(params), connection),
            compiler=compiler,
            converters=compiler.get_converters(
                [s[0] for s in compiler.select[: compiler.col_count]]
            ),
        )


class PreparedUpdate(_Prepared[_Statement]):
    """`run(**values)`: `build(**markers)` gives a QuerySet and the changes to make to its
    rows, as for `QuerySet.update`; returns the number of rows changed."""

    def run(self, **values: Value) -> int:
        with connections["default"].cursor() as cursor:
            self._execute(cursor, values)
            return int(cursor.rowcount)

    def _compile(self, connection: Any) -> _Statement:
        queryset, changes = self._build(**self._slots.markers())
        query: Any = queryset.query.chain(UpdateQuery)  # as QuerySet.update builds it
        query.add_update_values(changes)
        query.clear_ordering(force=True)
        sql, params = query.get_compiler(using="default").as_sql()
        return _Statement(
            sql=sql, params=tuple(params), slots=self._slots.find(tuple(params), connection)
        )
