"""Tooling that is not the dashboard: the benchmark, the load test and the colour checks.

Run through `python -m dashboard bench` / `loadtest` (the CLI imports them lazily) and by the tests; never imported
while serving."""
