"""The oracle: the "truth" views computed from the raw Kafka log with plain DuckDB SQL.

It shares no code with the pipelines, so a bug in theirs cannot hide in an equality test: it
imports nothing from views/, batch_layer/, speed_layer/, kappa/, streaming/, serving_layer/ or
architectures/, never loads Spark, and from core/ only settings, errors, layout, atomic and
locks. Modules, one job each:

- `log`: read the topic from its start up to end offsets taken at the start (kafka-python);
- `json_text`: a strict reader of one JSON text (RFC 8259, exact numbers);
- `validation`: the verdict on one record (accepted event or rejection reason);
- `params`: the view parameters per logic version;
- `tables`: accepted events and rejected records as Arrow tables;
- `views_sql`: the four views in DuckDB SQL;
- `truth`: compute every view of a logic version and publish it under `truth/<version>/`;
- `report`: the summary as readable lines.
"""
