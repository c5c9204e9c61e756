#!/usr/bin/env bash
# Runs the whole AkkaRouter test suite on a fresh machine: installs what the tests need, restores,
# builds, runs every test project and prints one summary line counted from the TRX results:
#   tests: N passed, M failed, K skipped
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Debian packages the tests drive as real clients and peers. prometheus: for promtool, which checks
# docker/prometheus/prometheus.yml and the Grafana dashboard's queries (its daemon is not needed).
# chromium: the dashboard page's browser specs, driven with Playwright's .NET client, whose driver ships
# in its NuGet package; they keep screenshots in artifacts/dashboard/. python3: the endurance script's
# load client (tests/AkkaRouter.Benchmarks/endurance.py). afl++: afl-fuzz, which
# tests/AkkaRouter.Fuzz/fuzz.sh drives (FuzzScriptSpecs runs it briefly).
packages=(redis-tools redis-server nginx libnginx-mod-http-lua lua-nginx-redis docker-compose iproute2 haproxy wrk curl openssl dnsmasq-base prometheus chromium python3 afl++)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet build AkkaRouter.sln -c Release -nologo -v quiet -clp:ErrorsOnly
status=0
for project in tests/*.Tests/*.csproj; do
  name="$(basename "$project" .csproj)"
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo -v quiet \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1200000 || status=1
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
# The failed tests, each with the first lines of its message, printed last so that a log's tail names them.
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  awk '
    /<UnitTestResult / { name = ""; failedResult = 0
      if (match($0, /testName="[^"]*"/)) name = substr($0, RSTART + 10, RLENGTH - 11)
      if ($0 ~ /outcome="Failed"/) { failedResult = 1; print "FAILED: " name; shown = 0 } }
    failedResult && /<Message>/ { inMessage = 1 }
    failedResult && inMessage && shown < 8 { line = $0; ends = (line ~ /<\/Message>/)
      sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line)
      gsub(/&quot;/, "\"", line); gsub(/&lt;/, "<", line); gsub(/&gt;/, ">", line); gsub(/&amp;/, "\\&", line)
      print "    " line; shown++; if (ends) inMessage = 0 }
    failedResult && /<\/Message>/ { inMessage = 0 }
    /<\/UnitTestResult>/ { failedResult = 0; inMessage = 0 }
  ' "$trx"
done
if [ "$passed" = 0 ] && [ "$failed" = 0 ]; then
  echo "no test results were written" >&2
  status=1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
