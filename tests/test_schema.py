"""schema.sql and the SQLAlchemy models describe the same database."""

from sqlalchemy import create_engine, inspect

from gateway.models import Base


def _reflected(url):
    engine = create_engine(url)
    inspector = inspect(engine)
    tables = {}
    for name in inspector.get_table_names():
        columns = {c["name"]: c for c in inspector.get_columns(name)}
        tables[name] = (
            columns,
            inspector.get_pk_constraint(name)["constrained_columns"],
        )
    engine.dispose()
    return tables


def test_every_model_table_exists_in_schema_sql(database_url):
    reflected = _reflected(database_url)

    missing = set(Base.metadata.tables) - set(reflected)
    extra = set(reflected) - set(Base.metadata.tables)

    assert missing == set()
    assert extra == set()


def test_columns_nullability_and_keys_agree(database_url):
    reflected = _reflected(database_url)

    differences = []
    for name, table in Base.metadata.tables.items():
        columns, primary_key = reflected[name]
        if set(columns) != {c.name for c in table.columns}:
            differences.append(
                (
                    name,
                    "columns",
                    sorted(set(columns) ^ {c.name for c in table.columns}),
                )
            )
            continue
        for column in table.columns:
            if (
                not column.primary_key
                and columns[column.name]["nullable"] != column.nullable
            ):
                differences.append((name, column.name, "nullable"))
        if sorted(primary_key) != sorted(c.name for c in table.primary_key):
            differences.append((name, "primary key"))

    assert differences == []


def test_column_types_agree_on_type_affinity(database_url):
    reflected = _reflected(database_url)

    def affinity(type_) -> str:
        return type_._type_affinity.__name__

    differences = [
        (
            name,
            column.name,
            affinity(column.type),
            affinity(reflected[name][0][column.name]["type"]),
        )
        for name, table in Base.metadata.tables.items()
        for column in table.columns
        if affinity(column.type) != affinity(reflected[name][0][column.name]["type"])
    ]

    assert differences == []
