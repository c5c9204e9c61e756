#!/usr/bin/env bash
# Coverage-guided fuzzing of the router's parsers: builds tests/AkkaRouter.Fuzz, instruments the product assemblies
# with SharpFuzz and runs each target under AFL++ for a bounded time, then prints one line per target:
#   fuzz TARGET: N executions in S s, C crashes, H hangs (K still running after 30 s alone), P paths
# and replays every crashing input to show its exception. Exits 1 when any target crashed or hung for good.
#
#   tests/AkkaRouter.Fuzz/fuzz.sh [SECONDS_PER_TARGET (default 600)] [TARGET...] [--no-build]
#   FUZZ_JOBS=1 tests/AkkaRouter.Fuzz/fuzz.sh 600    # one target at a time (default: one per core)
#
# Targets: resp, inline, palette, settings (all by default). Seeds: tests/AkkaRouter.Fuzz/corpus/TARGET.
# Findings (queue, crashes, hangs, fuzzer_stats): artifacts/fuzz/findings/TARGET/default.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${FUZZ_OUT:-$root/artifacts/fuzz}"

seconds=600
build=1
targets=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    ''|*[!0-9]*) targets+=("$arg") ;;
    *) seconds="$arg" ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(resp inline palette settings)

command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++ (tests/run.sh installs it)" >&2; exit 2; }

cd "$root"
if [ "$build" = 1 ]; then
  dotnet build tests/AkkaRouter.Fuzz -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
fi
built="$here/bin/Release/net10.0"
[ -f "$built/AkkaRouter.Fuzz.dll" ] || { echo "$built/AkkaRouter.Fuzz.dll is missing: build tests/AkkaRouter.Fuzz (or drop --no-build)" >&2; exit 2; }

# SharpFuzz rewrites assemblies in place, so it works on a fresh copy; the build output stays untouched.
dotnet tool restore >/dev/null
rm -rf "$out/bin"
mkdir -p "$out"
cp -r "$built" "$out/bin"
# The product's parsers (AkkaRouter.Resp, akkarouter) and Akka's HOCON parser, which the settings target goes through.
for assembly in AkkaRouter.Resp.dll akkarouter.dll Akka.dll; do
  dotnet tool run sharpfuzz "$out/bin/$assembly" >/dev/null
done

# No AFL-instrumented binary (dotnet is the target, SharpFuzz reports coverage), no terminal UI, no CPU pinning on
# a shared machine, no CPU-governor or core_pattern demands (a crash is an exception reported by SharpFuzz, not a
# core dump). The first execution JIT-compiles the target, hence the long start-up and per-run timeouts.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=60000 AFL_NO_WARN_INSTABILITY=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_TieredPGO=0

# fuzz_target TARGET: replays its seeds, fuzzes it for $seconds and writes its summary line to $out/TARGET.summary
# (its other output to stdout); returns 1 on a finding. Targets run FUZZ_JOBS at a time (default: one per core):
# afl-fuzz keeps one core busy, so two targets on two cores execute as many inputs as one after the other, in half
# the time.
fuzz_target() {
  local target="$1" findings="$out/findings/$1" line crashes stuck input replayed stats
  rm -rf "$findings"
  mkdir -p "$findings"
  # The seeds first (regression inputs among them), uninstrumented: afl-fuzz would only skip a crashing seed.
  if ! timeout 300 dotnet "$built/AkkaRouter.Fuzz.dll" "$target" --replay "$here/corpus/$target" >"$out/$target.replay.log" 2>&1; then
    line="fuzz $target: 0 executions in 0 s, $(grep -c '^CRASH' "$out/$target.replay.log") crashes (seeds), 0 hangs (0 still running after 30 s alone), 0 paths"
    echo "$line" >"$out/$target.summary"
    cat "$out/$target.replay.log"
    return 1
  fi
  # -V: stop after the given time; -m none: the CLR reserves far more address space than AFL's default limit.
  if ! afl-fuzz -V "$seconds" -t 5000 -m none -i "$here/corpus/$target" -o "$findings" \
    -- dotnet "$out/bin/AkkaRouter.Fuzz.dll" "$target" >"$out/$target.log" 2>&1; then
    echo "fuzz $target: afl-fuzz failed; the end of $out/$target.log:" >"$out/$target.summary"
    tail -n 30 "$out/$target.log" >>"$out/$target.summary"
    return 1
  fi
  stats="$findings/default/fuzzer_stats"
  stat() { sed -n "s/^$1 *: *//p" "$stats"; }
  crashes="$(stat saved_crashes)"
  # A hang is an input that outran afl-fuzz's 5 s timeout; on a loaded machine that can be slowness, so each is run
  # again alone (uninstrumented) for 30 s: one still running then is a finding, as a crash is.
  stuck=0
  for input in "$findings"/default/hangs/id*; do
    [ -f "$input" ] || continue
    replayed=0
    timeout 30 dotnet "$built/AkkaRouter.Fuzz.dll" "$target" --replay "$input" >/dev/null 2>&1 || replayed=$?
    if [ "$replayed" = 124 ]; then
      echo "HANG $target $input"
      stuck=$((stuck + 1))
    fi
  done
  echo "fuzz $target: $(stat execs_done) executions in $(stat run_time) s, $crashes crashes, $(stat saved_hangs) hangs ($stuck still running after 30 s alone), $(stat corpus_count) paths" >"$out/$target.summary"
  if [ "${crashes:-0}" != 0 ]; then
    dotnet "$built/AkkaRouter.Fuzz.dll" "$target" --replay "$findings/default/crashes" || true
  fi
  [ "${crashes:-0}" = 0 ] && [ "$stuck" = 0 ]
}

for target in "${targets[@]}"; do
  [ -d "$here/corpus/$target" ] || { echo "unknown target '$target' (no corpus/$target)" >&2; exit 2; }
  rm -f "$out/$target.summary"
done
jobs_max="${FUZZ_JOBS:-$(nproc)}"
declare -A job_of
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  fuzz_target "$target" >"$out/$target.out" 2>&1 &
  job_of[$target]=$!
done
status=0
summary=()
for target in "${targets[@]}"; do
  wait "${job_of[$target]}" || status=1
  cat "$out/$target.out"
  line="$(cat "$out/$target.summary" 2>/dev/null || echo "fuzz $target: no summary written")"
  echo "$line"
  summary+=("$line")
done

echo "== fuzz summary ($seconds s per target)"
printf '%s\n' "${summary[@]}"
exit $status
