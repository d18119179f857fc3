"""The streaming engine the speed layer and every Kappa version run: a Kafka source parsed with
the event contract, the views over it, an exactly-once micro-batch file sink, and progress."""
