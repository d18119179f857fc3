"""The local infrastructure: the Maven jars, a KRaft broker on loopback, and Kafka's own tools."""
