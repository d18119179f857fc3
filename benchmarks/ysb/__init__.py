"""`lk bench ysb`: the Yahoo Streaming Benchmark, run by both architectures.

All of YSB lives here, apart from the measured pipelines: `generator` (its workload: ad events and
the ad → campaign map), `query` (its query as DataFrame functions), `job` (the streaming job:
Kappa's job and Lambda's speed path), `batch` (Lambda's batch recompute over the stored log),
`run` (running a query while sending), `truth` (the second opinion in plain Python),
`published` (published figures) and `bench` (the benchmark itself).
"""
