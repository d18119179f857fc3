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
is computed once, into the cached micro-batch, by the one stage that fills the cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

OUTPUT = "_output"
"""The column that names, in the union, the output a row belongs to."""


def collect_together(frames: dict[str, DataFrame]) -> dict[str, pa.Table]:
    """Each DataFrame of `frames` (output name -> DataFrame) as an Arrow table with its own
    columns (names, order, types and nullability of its Spark schema), all computed by one
    Spark job. Same-named columns must have the same type in every frame (Spark raises its
    AnalysisException otherwise). An empty `frames` gives {}."""
    if not frames:
        return {}
    from pyspark.sql import functions as F

    tagged = [frame.withColumn(OUTPUT, F.lit(name)) for name, frame in frames.items()]
    union = tagged[0]
    for frame in tagged[1:]:
        union = union.unionByName(frame, allowMissingColumns=True)
    table = union.toArrow()
    return {name: _part(table, name, frame) for name, frame in frames.items()}


def _part(table: pa.Table, name: str, frame: DataFrame) -> pa.Table:
    """The rows of output `name`, with the columns of `frame` in its order and nullability."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.filter(pc.equal(table[OUTPUT], name)).select(frame.columns)
    nullable = {field.name: field.nullable for field in frame.schema.fields}
    schema = pa.schema(
        [field.with_nullable(nullable[field.name]) for field in rows.schema], rows.schema.metadata
    )
    return rows.cast(schema)


def with_constant(table: pa.Table, name: str, value: object, type_: pa.DataType) -> pa.Table:
    """`table` with one more column, `name`, holding `value` (of Arrow type `type_`) in every
    row, not null."""
    import pyarrow as pa

    column = pa.repeat(pa.scalar(value, type_), table.num_rows)
    return table.append_column(pa.field(name, type_, nullable=False), column)
