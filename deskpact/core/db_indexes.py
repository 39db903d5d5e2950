"""Migration helper: drop a foreign key's own single-column index without remaking its table.

On SQLite, Django applies `AlterField(db_index=False)` by copying the whole table, which
takes long on a big desk and drops the table's triggers (ticket search). Migrations use
`SeparateDatabaseAndState` with these operations instead: the state changes as AlterField
says, the database only loses (or, going back, regains) the index.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _single_column_indexes(schema_editor: Any, table: str, column: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in found.items()
        if info.get("index")
        and not info.get("unique")
        and not info.get("primary_key")
        and list(info.get("columns") or []) == [column]
    ]


def drop_column_indexes(table: str, columns: list[str]) -> migrations.RunPython:
    """An operation that drops the plain one-column index of each column (and back)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        quote = schema_editor.quote_name
        for column in columns:
            for name in _single_column_indexes(schema_editor, table, column):
                schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")

    def backward(apps: Any, schema_editor: Any) -> None:
        quote = schema_editor.quote_name
        for column in columns:
            if _single_column_indexes(schema_editor, table, column):
                continue
            name = schema_editor._create_index_name(table, [column])
            schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")

    return migrations.RunPython(forward, backward)
