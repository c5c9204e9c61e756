#!/usr/bin/env bash
# Health failover figures on real processes: runs the cluster scenario
# tests/AkkaRouter.Cluster.Tests/BackendHealthSpecs (2 routers, 3 sidecars, each checking a real HTTP
# service with the shipped defaults) with more crash cycles than the suite's short version, and
# prints what it measured:
#   - service crash -> the backend off every router's ring (target: fall x interval + 1 s = 4 s),
#   - sidecar verdict -> every router's new ring (agreement latency, 2 per cycle),
#   - failed requests under load through both routers' HTTP edges, the nginx front and RESP.
#
#   tests/AkkaRouter.Benchmarks/health-failover.sh             # 30 crash/restart cycles (~3 minutes)
#   CYCLES=100 tests/AkkaRouter.Benchmarks/health-failover.sh  # more cycles
#   tests/AkkaRouter.Benchmarks/health-failover.sh --smoke     # 2 cycles: checks the script
#
# Needs: dotnet, nginx with libnginx-mod-http-lua and lua-nginx-redis (tests/run.sh installs them).
# Exit code: non-zero when a request failed or a crash took longer than the target to leave a ring.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cycles="${CYCLES:-30}"
[ "${1:-}" = "--smoke" ] && cycles=2
out="$(mktemp -d /tmp/health-failover.XXXXXX)"
trap 'rm -rf "$out"' EXIT

dotnet build "$root/tests/AkkaRouter.Cluster.Tests" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
status=0
AKKAROUTER_HEALTH_CYCLES="$cycles" dotnet test "$root/tests/AkkaRouter.Cluster.Tests" -c Release --no-build -nologo \
  --filter "FullyQualifiedName~BackendHealthSpecs" --logger "console;verbosity=detailed" >"$out/test.log" 2>&1 || status=$?

echo "health-failover: $cycles crash/restart cycles, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
grep -E "^ +(HTTP:|RESP:|service crash|sidecar verdict|router-1's rings|step [0-9]|drain command|hang ->|12 s of flapping)" "$out/test.log" | sed 's/^ */  /' || true
grep -E "^ +(Passed|Failed) [0-9]" "$out/test.log" | sed 's/^ */  /'
if [ "$status" -ne 0 ]; then
  echo "health-failover: a scenario failed; its output:" >&2
  grep -E "Error Message" -A6 "$out/test.log" >&2 || tail -50 "$out/test.log" >&2
fi
exit "$status"
