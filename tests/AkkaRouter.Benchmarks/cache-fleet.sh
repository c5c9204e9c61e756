#!/usr/bin/env bash
# The cache-fleet benchmark: six real cache services (LRU cache, a miss costs 20 ms) in two zones,
# clients in both zones sending a Zipf stream over 100,000 keys, and one cell per policy and scenario:
#   policies:  nginx round-robin, nginx least_conn, nginx hash consistent, AkkaRouter's plain ring,
#              AkkaRouter state-aware (signals, slow start, zone affinity, bounded loads) and
#              state-aware with each of those switched off alone;
#   scenarios: steady, a backend killed, a cold backend added, heterogeneous caches, a degraded zone.
# It runs tests/AkkaRouter.Cluster.Tests/CacheFleetSpecs with AKKAROUTER_FLEET=full and writes the
# table (markdown) to the file given as the first argument (default: artifacts/cache-fleet.md) and a
# log beside it. About 45 minutes on 2 cores.
#
#   tests/AkkaRouter.Benchmarks/cache-fleet.sh [REPORT.md]
#   AKKAROUTER_FLEET_POLICIES="ring,state-aware" AKKAROUTER_FLEET_SCENARIOS="steady,kill" tests/AkkaRouter.Benchmarks/cache-fleet.sh
#   tests/AkkaRouter.Benchmarks/cache-fleet.sh --smoke    # the suite's short version (about 1.5 minutes)
#
# Needs: dotnet, nginx (tests/run.sh installs it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mode=full
if [ "${1:-}" = "--smoke" ]; then mode=smoke; shift; fi
report="$(realpath -m "${1:-$root/artifacts/cache-fleet.md}")"
mkdir -p "$(dirname "$report")"
rm -f "$report" "$report.log"

dotnet build "$root/tests/AkkaRouter.Cluster.Tests" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
echo "cache-fleet: $mode run, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; table: $report"
status=0
AKKAROUTER_FLEET="$mode" AKKAROUTER_FLEET_REPORT="$report" dotnet test "$root/tests/AkkaRouter.Cluster.Tests" -c Release --no-build -nologo \
  --filter "FullyQualifiedName~CacheFleetSpecs" --logger "console;verbosity=detailed" >"$report.test.log" 2>&1 || status=$?
[ -f "$report.log" ] && sed -n '1p' "$report.log"
[ -f "$report" ] && cat "$report"
if [ "$status" -ne 0 ]; then
  echo "cache-fleet: the run failed; its output:" >&2
  grep -E "Error Message" -A8 "$report.test.log" >&2 || tail -50 "$report.test.log" >&2
fi
exit "$status"
