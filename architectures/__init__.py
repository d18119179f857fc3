"""One module per architecture that runs it end to end; the command line and the DAGs call these."""
