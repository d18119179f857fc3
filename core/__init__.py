"""The shared runtime every layer, job and the command line build on: settings, errors, the
on-disk layout, atomic publication and locks, durations, processes, the Kafka client and the
Spark session factory. It imports no layer, no architecture and not the command line."""
