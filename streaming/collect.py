"""Several DataFrames of one micro-batch collected by one Spark job, and values that must not
enter Spark's generated code.

**One job.** A streaming job writes a micro-batch's rejected records, counted ids and the
partial rows of every view. Collected one by one, each is a Spark job of its own (scheduling,
a result stage, an Arrow transfer to Python); on two cores that fixed cost is most of a small
micro-batch's time. `collect_together` unions them (each row tagged with its output's name,
columns a branch lacks left null) and collects the union once, as Arrow; the table is then cut
back into one table per output, each with the columns and types of its DataFrame. Spark runs
the branches' stages side by side inside the one job.

**No per-micro-batch literal in generated code.** Spark compiles every stage to Java and caches
the compiled class by its source text (`spark.sql.codegen.cache.maxEntries`). A timestamp or
long literal is written into that source (`Literal.doGenCode`), so a value that changes each
micro-batch (a late threshold, a processing time) makes every stage that holds it a new class:
compiled again (20-100 ms each here), never warmed by the JIT, and evicting the classes that do
not change. (A decimal literal would be passed as a reference, but Spark's optimizer unwraps a
cast to decimal back to a long literal.) So a value that is the same for every row (processing
time) is added to the collected Arrow table (`with_constant`), and a per-micro-batch comparison
is computed once, into the micro-batch's checkpoint, by the one stage that fills it: the stages
that read it, the views', compile once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

OUTPUT = "_output"
"""The column that names, in the union, the output a row belongs to."""


def collect_together(frames: dict[str, DataFrame]) -> dict[str, pa.Table]:
    """Each DataFrame of `frames` (output name -> DataFrame) as the Arrow table `toArrow` would
    give it (its columns, order, types and nullability), all computed by one Spark job. Spark
    widens a column that has different types in different frames (int and bigint, say) in the
    union; each table is cast back to its own frame's types. ValueError if a frame has a column
    named OUTPUT. An empty `frames` gives {}."""
    if not frames:
        return {}
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import to_arrow_schema

    if any(OUTPUT in frame.columns for frame in frames.values()):
        raise ValueError(f"a frame to collect has a column named {OUTPUT!r}")
    first = next(iter(frames.values()))
    large = first.sparkSession.conf.get("spark.sql.execution.arrow.useLargeVarTypes", "false")
    tagged = [frame.withColumn(OUTPUT, F.lit(name)) for name, frame in frames.items()]
    union = tagged[0]
    for frame in tagged[1:]:
        union = union.unionByName(frame, allowMissingColumns=True)
    table = union.toArrow()
    schemas = {
        name: to_arrow_schema(frame.schema, timezone="UTC", prefers_large_types=large == "true")
        for name, frame in frames.items()
    }
    return {name: _part(table, name, schemas[name]) for name in frames}


def _part(table: pa.Table, name: str, schema: pa.Schema) -> pa.Table:
    """The rows of output `name`, with the columns of `schema`, cast to it."""
    import pyarrow.compute as pc

    rows = table.filter(pc.equal(table[OUTPUT], name)).select(schema.names)
    return rows.cast(schema)


def with_constant(table: pa.Table, name: str, value: object, type_: pa.DataType) -> pa.Table:
    """`table` with one more column, `name`, holding `value` (of Arrow type `type_`) in every
    row, not null."""
    import pyarrow as pa

    column = pa.repeat(pa.scalar(value, type_), table.num_rows)
    return table.append_column(pa.field(name, type_, nullable=False), column)
