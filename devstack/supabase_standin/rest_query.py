"""PostgREST's URL grammar turned into SQL, for the subset supabase-py sends here.

    select=*  |  select=col,col          (no embedding, aliases or casts)
    <col>=<op>.<value>                   eq neq gt gte lt lte like ilike is in, each may follow not.
    order=col.asc|desc[.nullsfirst|.nullslast],...   limit=N   offset=N
    on_conflict=col,col                  for upserts
    columns=col,col                      which keys of the body to write

Every identifier is checked against the schema cache before it is quoted into SQL, and every
value travels as a bind parameter cast to its column's type, so nothing in a URL or body becomes
SQL text. Like PostgREST, statements return their rows as one JSON array built by PostgreSQL.
This module only builds statements; `rest.py` runs them as the request's role.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import asyncpg

OPERATORS = {
    "eq": "=",
    "neq": "<>",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "like": "like",
    "ilike": "ilike",
}
RESERVED_PARAMS = frozenset({"select", "order", "limit", "offset", "on_conflict", "columns"})
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class QueryError(Exception):
    """A request PostgREST would refuse, with its status and error body."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "details": details, "hint": hint, "message": message}


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, str]  # name -> SQL type, as format_type() spells it
    primary_key: list[str]

    @property
    def qualified(self) -> str:
        return f'"{self.schema}"."{self.name}"'

    def column(self, name: str) -> str:
        if name not in self.columns:
            raise QueryError(
                400,
                "42703",
                f"column {self.name}.{name} does not exist",
            )
        return f'"{name}"'


@dataclass
class Function:
    schema: str
    name: str
    args: dict[str, str]  # name -> SQL type, in declaration order
    returns_set: bool
    return_type: str


@dataclass
class SchemaCache:
    tables: dict[str, Table] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)

    @classmethod
    async def load(cls, conn: asyncpg.Connection, schema: str = "public") -> SchemaCache:
        cache = cls()
        rows = await conn.fetch(
            """select c.relname as table, a.attname as column,
                      format_type(a.atttypid, a.atttypmod) as type
               from pg_class c
               join pg_namespace n on n.oid = c.relnamespace
               join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               where n.nspname = $1 and c.relkind in ('r', 'v', 'p', 'm')
               order by c.relname, a.attnum""",
            schema,
        )
        for r in rows:
            table = cache.tables.setdefault(r["table"], Table(schema, r["table"], {}, []))
            table.columns[r["column"]] = r["type"]
        pks = await conn.fetch(
            """select c.relname as table, a.attname as column
               from pg_index i
               join pg_class c on c.oid = i.indrelid
               join pg_namespace n on n.oid = c.relnamespace
               join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey)
               where n.nspname = $1 and i.indisprimary""",
            schema,
        )
        for r in pks:
            cache.tables[r["table"]].primary_key.append(r["column"])
        funcs = await conn.fetch(
            """select p.proname as name, p.proretset as returns_set,
                      format_type(p.prorettype, null) as return_type,
                      coalesce(p.proargnames, '{}') as arg_names,
                      coalesce(array(select format_type(t, null)
                                     from unnest(p.proargtypes) as t), '{}') as arg_types
               from pg_proc p join pg_namespace n on n.oid = p.pronamespace
               where n.nspname = $1 and p.prokind = 'f'
                 and format_type(p.prorettype, null) <> 'trigger'""",
            schema,
        )
        for f in funcs:
            names = list(f["arg_names"])[: len(f["arg_types"])]
            if len(names) != len(f["arg_types"]) or not all(names):
                continue  # PostgREST can only call functions whose arguments all have names
            cache.functions[f["name"]] = Function(
                schema, f["name"], dict(zip(names, f["arg_types"], strict=True)),
                f["returns_set"], f["return_type"],
            )
        return cache


@dataclass
class Statement:
    sql: str
    args: list = field(default_factory=list)

    def bind(self, value: object, sql_type: str) -> str:
        """A placeholder for `value`, sent as text and cast by PostgreSQL to `sql_type`, so
        PostgreSQL parses every value exactly as it would parse PostgREST's."""
        if sql_type in ("json", "jsonb"):
            value, wire = json.dumps(value), "text"
        elif isinstance(value, list):
            value, wire = [None if v is None else _text(v) for v in value], "text[]"
        else:
            value, wire = (None if value is None else _text(value)), "text"
        self.args.append(value)
        return f"(${len(self.args)}::{wire})::{sql_type}"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _split_list(raw: str) -> list[str]:
    """The items of `(a,"b,c",d)`: PostgREST's list syntax, with double-quoted items."""
    if not (raw.startswith("(") and raw.endswith(")")):
        raise QueryError(400, "PGRST100", f'"failed to parse filter (in.{raw})" (line 1, column 4)')
    inner, items, current, quoted, i = raw[1:-1], [], [], False, 0
    while i < len(inner):
        ch = inner[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and quoted and i + 1 < len(inner):
            i += 1
            current.append(inner[i])
        elif ch == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    if inner:
        items.append("".join(current))
    return items


def _where(table: Table, params: list[tuple[str, str]], stmt: Statement) -> str:
    clauses = []
    for key, raw in params:
        if key in RESERVED_PARAMS:
            continue
        if not _IDENT.match(key):
            raise QueryError(400, "PGRST100", f'"failed to parse filter ({key})"')
        col = table.column(key)
        col_type = table.columns[key]
        negate = raw.startswith("not.")
        expr = raw[4:] if negate else raw
        op, dot, value = expr.partition(".")
        if not dot:
            raise QueryError(400, "PGRST100", f'"failed to parse filter ({raw})" (line 1, column 1)')
        if op in OPERATORS:
            if op in ("like", "ilike"):
                clause = f"{col}::text {OPERATORS[op]} {stmt.bind(value.replace('*', '%'), 'text')}"
            else:
                clause = f"{col} {OPERATORS[op]} {stmt.bind(value, col_type)}"
        elif op == "in":
            clause = f"{col} = any({stmt.bind(_split_list(value), col_type + '[]')})"
        elif op == "is":
            word = value.lower()
            if word not in ("null", "true", "false", "unknown"):
                raise QueryError(400, "PGRST100", f'"failed to parse filter ({raw})"')
            clause = f"{col} is {word}"
        else:
            raise QueryError(400, "PGRST100", f'"failed to parse filter ({raw})" (line 1, column 1)')
        clauses.append(f"not ({clause})" if negate else clause)
    return (" where " + " and ".join(clauses)) if clauses else ""


def _select_list(table: Table, select: str | None) -> str:
    if select is None or select.strip() == "*" or select.strip() == "":
        return "*"
    names = [s.strip() for s in select.split(",")]
    for name in names:
        if not _IDENT.match(name):
            raise QueryError(
                400, "PGRST100", f'"failed to parse select parameter ({select})"',
                hint="The stand-in supports plain column lists only.",
            )
    return ", ".join(table.column(n) for n in names)


def _order(table: Table, raw: str | None) -> str:
    if not raw:
        return ""
    parts = []
    for item in raw.split(","):
        name, *mods = item.split(".")
        sql = table.column(name)
        for mod in mods:
            if mod not in ("asc", "desc", "nullsfirst", "nullslast"):
                raise QueryError(400, "PGRST100", f'"failed to parse order ({raw})"')
            sql += {"asc": " asc", "desc": " desc", "nullsfirst": " nulls first",
                    "nullslast": " nulls last"}[mod]
        parts.append(sql)
    return " order by " + ", ".join(parts)


def _non_negative(name: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise QueryError(400, "PGRST100", f'"failed to parse {name} ({raw})"')
    return int(raw)


def _wrap(source: str, returning: bool) -> str:
    """Run `source` and hand back its rows as one JSON array plus their count."""
    body = "coalesce(json_agg(_r), '[]')::text" if returning else "null"
    return f"with pgrst_source as ({source}) select {body} as body, count(*) as n from pgrst_source _r"


def build_select(table: Table, params: list[tuple[str, str]]) -> Statement:
    q = dict(params)
    stmt = Statement("")
    where = _where(table, params, stmt)
    sql = f"select {_select_list(table, q.get('select'))} from {table.qualified}{where}"
    sql += _order(table, q.get("order"))
    if (limit := _non_negative("limit", q.get("limit"))) is not None:
        sql += f" limit {limit}"
    if (offset := _non_negative("offset", q.get("offset"))) is not None:
        sql += f" offset {offset}"
    stmt.sql = _wrap(sql, True)
    return stmt


def _payload_columns(table: Table, rows: list[dict], columns: str | None) -> list[str]:
    if columns:
        names = [c.strip() for c in columns.split(",")]
    else:
        names = []
        for row in rows:
            names.extend(k for k in row if k not in names)
    for name in names:
        if name not in table.columns:
            raise QueryError(
                400, "PGRST204",
                f"Could not find the '{name}' column of '{table.name}' in the schema cache",
            )
    return names


def build_insert(
    table: Table,
    params: list[tuple[str, str]],
    rows: list[dict],
    *,
    resolution: str | None,
    returning: bool,
) -> Statement:
    q = dict(params)
    names = _payload_columns(table, rows, q.get("columns"))
    if not names:
        raise QueryError(400, "PGRST102", "Empty or invalid json")
    stmt = Statement("")
    cols = ", ".join(f'"{n}"' for n in names)
    source = stmt.bind(rows, "json")
    sql = (
        f"insert into {table.qualified} ({cols}) "
        f"select {cols} from json_populate_recordset(null::{table.qualified}, {source})"
    )
    if resolution:
        conflict = [c.strip() for c in q["on_conflict"].split(",")] if q.get("on_conflict") else table.primary_key
        if not conflict:
            raise QueryError(400, "PGRST100", "on_conflict needs a primary key or column list")
        target = ", ".join(table.column(c) for c in conflict)
        if resolution == "merge-duplicates":
            updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n not in conflict)
            sql += f" on conflict ({target}) do update set {updates}" if updates else f" on conflict ({target}) do nothing"
        else:
            sql += f" on conflict ({target}) do nothing"
    sql += " returning *"
    stmt.sql = _wrap(sql, returning)
    return stmt


def build_update(
    table: Table, params: list[tuple[str, str]], values: dict, *, returning: bool
) -> Statement:
    names = _payload_columns(table, [values], dict(params).get("columns"))
    if not names:
        raise QueryError(400, "PGRST102", "Empty or invalid json")
    stmt = Statement("")
    source = stmt.bind(values, "json")
    cols = ", ".join(f'"{n}"' for n in names)
    where = _where(table, params, stmt)
    sql = (
        f"update {table.qualified} set ({cols}) = (select {cols} from "
        f"json_populate_record(null::{table.qualified}, {source})){where} returning *"
    )
    # A one-column row needs the ROW keyword on the left-hand side.
    if len(names) == 1:
        sql = sql.replace(f"set ({cols}) =", f"set {cols} =", 1)
    stmt.sql = _wrap(sql, returning)
    return stmt


def build_delete(table: Table, params: list[tuple[str, str]], *, returning: bool) -> Statement:
    stmt = Statement("")
    where = _where(table, params, stmt)
    stmt.sql = _wrap(f"delete from {table.qualified}{where} returning *", returning)
    return stmt


def build_rpc(function: Function, args: dict) -> Statement:
    unknown = set(args) - set(function.args)
    if unknown:
        raise QueryError(
            404, "PGRST202",
            f"Could not find the function {function.schema}.{function.name}"
            f"({', '.join(sorted(args))}) in the schema cache",
        )
    stmt = Statement("")
    named = []
    for name, sql_type in function.args.items():
        if name not in args:
            continue
        named.append(f'"{name}" => {stmt.bind(args[name], sql_type)}')
    call = f'"{function.schema}"."{function.name}"({", ".join(named)})'
    if function.returns_set:
        stmt.sql = _wrap(f"select * from {call}", True)
    else:
        stmt.sql = f"select to_json({call})::text as body, 1 as n"
    return stmt
