"""Event sources for the pipelines: a seeded generator, file replay, and the Kafka producer."""
