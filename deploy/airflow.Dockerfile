# Airflow with what the project's tasks need: the official image, a Java 17 runtime for
# spark-submit, and the project's pinned packages (requirements.lock) installed on top.
FROM apache/airflow:3.3.2-python3.11
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
USER airflow
COPY requirements.lock /opt/lk/requirements.lock
RUN pip install --no-cache-dir -r /opt/lk/requirements.lock
COPY --chown=airflow:root . /opt/lk
# The Kafka connector and broker jars come from the host's `make setup` (Maven), not from git.
RUN test -d /opt/lk/infra/jars/spark-connector \
 || { echo "infra/jars is missing: run make setup on the host before building"; exit 1; }
RUN pip install --no-cache-dir --no-deps -e /opt/lk
ENV PYTHONPATH=/opt/lk
