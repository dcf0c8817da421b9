#!/usr/bin/env bash
# Development helper: restart the dashboard in the background on port ${PORT:-8050}.
cd "$(dirname "$0")/.."
pkill -f "dashboard --port ${PORT:-8050}" 2>/dev/null; sleep 0.5
PYTHONPATH=. nohup .venv/bin/python -m dashboard --port "${PORT:-8050}" > /tmp/server.log 2>&1 &
for i in $(seq 1 40); do curl -s -o /dev/null http://127.0.0.1:${PORT:-8050}/ && exit 0; sleep 0.25; done
echo "server did not start"; tail -20 /tmp/server.log; exit 1
