#!/usr/bin/env bash
# Endurance: a cluster of real processes under steady RESP and HTTP load while faults are injected,
# one at a time, for DURATION; then a summary with PASS/FAIL per criterion.
#   cluster: 2 routers (each the other's second seed), 5 tests/AkkaRouter.CacheService processes each
#            with a backend sidecar from hocon/backend-sidecar.conf: 3 in service `default`, 2 in
#            `images` (the edge routes ^/images/ to it).
#   load:    endurance.py: per router pipelined GET / RING.GET lookups (every answer checked against
#            that router's ring, polled with RING.NODES every 250 ms), keep-alive HTTP through both
#            edges, RSS and open descriptors of every process from /proc every 5 s, and the live
#            objects of every akkarouter process (dotnet_gc_live_after_gen2_bytes on /metrics).
#   faults:  a seeded shuffle of kill -9 / SIGTERM of a sidecar, of a service, of a router, a drain
#            and undrain, a weight change (management API); each faulted part brought back and the
#            rings whole again before the next. Every fault logged with UTC timestamps.
#   witnesses: in runs of 20 minutes or more (WITNESS=on|off overrides), a third router and a sixth
#            backend (service and sidecar, service `default`) that take load and are never faulted: with
#            a router fault every few minutes no faulted process lives long enough for its memory to be
#            judged, and a long-lived router beside a churning fleet is what operators run.
#   restarts: a process that exits without a fault having stopped it (e.g. a node the split-brain
#            resolver downed, exit code 3) is logged, started again as an orchestrator would, and
#            fails the run.
#
#   tests/AkkaRouter.Benchmarks/endurance.sh            # 30 minutes
#   tests/AkkaRouter.Benchmarks/endurance.sh 2h         # any length: 90s, 45m, 2h
#   tests/AkkaRouter.Benchmarks/endurance.sh --smoke    # one round of faults (every kind once), closer together
#   SEED=7 ENDURANCE_OUT=/tmp/run tests/AkkaRouter.Benchmarks/endurance.sh
#   KINDS="router-kill drain" tests/AkkaRouter.Benchmarks/endurance.sh 5m   # only these faults
#   SIDECAR_REMOTING=fixed tests/AkkaRouter.Benchmarks/endurance.sh   # sidecars restart on their old address
#   ENV_ROUTER_2="MALLOC_ARENA_MAX=2" tests/AkkaRouter.Benchmarks/endurance.sh   # environment for one process
#   IMAGE_ENV=off tests/AkkaRouter.Benchmarks/endurance.sh   # without the Docker image's runtime environment (below)
#
# Needs: dotnet, python3, redis-cli, curl. ROUTER_EXE / CACHE_SERVICE_EXE use built executables.
# Output (logs of every process, faults.log, load.json, summary.txt): ENDURANCE_OUT (default
# artifacts/endurance/run). Exit code: non-zero when a criterion failed.
set -euo pipefail
bench=endurance
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/tests/AkkaRouter.Benchmarks"

duration=1800
smoke=0
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1; duration=120 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/!p}' "$0"; exit 0 ;;
    [0-9]*[smh]|[0-9]*)
      n="${arg%[smh]}"
      [[ "$n" =~ ^[0-9]+$ ]] || { echo "$bench: bad duration '$arg' (e.g. 90s, 30m, 2h)" >&2; exit 2; }
      case "$arg" in *h) duration=$((n * 3600)) ;; *m) duration=$((n * 60)) ;; *) duration=$n ;; esac ;;
    *) echo "$bench: unknown argument '$arg' (a duration such as 30m, or --smoke)" >&2; exit 2 ;;
  esac
done
seed="${SEED:-13}"

# shellcheck source=bench-common.sh
source "$here/bench-common.sh"
require_tools python3:python3 redis-cli:redis-tools curl:curl
publish_router
if [ -n "${CACHE_SERVICE_EXE:-}" ]; then
  service_exe="$CACHE_SERVICE_EXE"
else
  echo "== building tests/AkkaRouter.CacheService (Release)"
  dotnet build "$root/tests/AkkaRouter.CacheService" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
  service_exe="$root/tests/AkkaRouter.CacheService/bin/Release/net10.0/AkkaRouter.CacheService"
fi
[ -x "$service_exe" ] || { echo "$bench: $service_exe not built" >&2; exit 1; }

out="$(realpath -m "${ENDURANCE_OUT:-$root/artifacts/endurance/run}")"
rm -rf "$out"
mkdir -p "$out/pids" "$out/logs" "$out/held"
load_pid=""
supervisor_pid=""

# Stops what this run started: the processes named in $out/pids (their current incarnations) and the load.
cleanup() {
  local file pid
  touch "$out/stop" 2>/dev/null || true
  [ -n "$supervisor_pid" ] && kill -TERM "$supervisor_pid" 2>/dev/null || true
  [ -n "$load_pid" ] && kill -TERM "$load_pid" 2>/dev/null || true
  for file in "$out"/pids/*; do
    [ -f "$file" ] || continue
    pid="$(cat "$file")"
    running "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 100); do
    local alive=0
    for file in "$out"/pids/*; do [ -f "$file" ] && running "$(cat "$file")" && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for file in "$out"/pids/*; do
    [ -f "$file" ] && running "$(cat "$file")" && kill -KILL "$(cat "$file")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
  release_ports
}

# running PID: the process exists and is not a zombie waiting to be reaped.
running() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat="${stat##*) }"
  [ -n "$stat" ] && [ "${stat%% *}" != Z ]
}

stamp() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
now() { date +%s.%N; }
log() { echo "$(stamp) $*" | tee -a "$out/faults.log"; }

# ---------------------------------------------------------------- the cluster

routers=(router-1 router-2)
backends=(1 2 3 4 5)
# The parts faults pick from; witnesses (below) are never among them.
faulted_routers=("${routers[@]}")
faulted_backends=("${backends[@]}")
witness="${WITNESS:-auto}"
if [ "$witness" = auto ]; then if [ "$duration" -ge 1200 ]; then witness=on; else witness=off; fi; fi
case "$witness" in
  on) routers+=(router-3); backends+=(6) ;;
  off) ;;
  *) echo "$bench: WITNESS must be on, off or auto, not '$witness'" >&2; exit 2 ;;
esac
declare -A remoting resp_port http_port mgmt_port cmd_port svc_port svc_of
for r in "${routers[@]}"; do
  remoting[$r]="$(free_port)"; resp_port[$r]="$(free_port)"; http_port[$r]="$(free_port)"
  mgmt_port[$r]="$(free_port)"; cmd_port[$r]="$(free_port)"
done
for b in "${backends[@]}"; do
  svc_port[$b]="$(free_port)"; mgmt_port[sidecar-$b]="$(free_port)"
  # As shipped (hocon/backend-sidecar.conf): remoting on port 0, a new address per incarnation.
  # SIDECAR_REMOTING=fixed restarts each sidecar on its previous address instead.
  if [ "${SIDECAR_REMOTING:-shipped}" = fixed ]; then remoting[sidecar-$b]="$(free_port)"; fi
  if [ "$b" = 4 ] || [ "$b" = 5 ]; then svc_of[$b]=images; else svc_of[$b]=default; fi
done
seeds="[\"akka.tcp://akkarouter@127.0.0.1:${remoting[router-1]}\",\"akka.tcp://akkarouter@127.0.0.1:${remoting[router-2]}\"]"

start() {
  local name="$1"; shift
  "$@" >>"$out/logs/$name.log" 2>&1 &
  echo $! >"$out/pids/$name.new"
  mv "$out/pids/$name.new" "$out/pids/$name"
  disown $!
  echo "---- $(stamp) started pid $!" >>"$out/logs/$name.log.starts"
}

# The runtime environment the Docker image gives every node (docker/Dockerfile's `ENV MALLOC_*` and `ENV DOTNET_*`
# lines: the malloc arena cap and the GC's gen0 budget), so the run measures nodes as they are deployed. IMAGE_ENV=off
# runs bare processes. The cache services (stand-ins for the user's services, whose memory is judged too) get it with
# a 4 MB gen0 budget (SERVICE_ENV): one allocates about 1.5 MB a minute at this load, so with 32 MB its first
# collection came at minute 22 and its RSS rose until then (88 -> 106 MB, then flat; 2026-12-06), a budget being
# filled once, not a leak, and longer than any warm-up the run can afford.
image_env=()
if [ "${IMAGE_ENV:-on}" != off ]; then
  while read -r word; do image_env+=("$word"); done < <(sed -n 's/^ENV \(\(MALLOC\|DOTNET\)_[A-Za-z0-9_]*=[^ ]*\)$/\1/p' "$root/docker/Dockerfile")
  [ ${#image_env[@]} -gt 0 ] || { echo "$bench: no ENV MALLOC_*/DOTNET_* line in docker/Dockerfile (IMAGE_ENV=off runs without)" >&2; exit 1; }
fi
service_env=(${SERVICE_ENV-DOTNET_GCgen0size=0x400000})
echo "== runtime environment of every node: ${image_env[*]:-none (IMAGE_ENV=off)}; of the cache services: ${image_env[*]} ${service_env[*]}"

# extra_env NAME: the words of ENV_<NAME> (upper case, - as _), e.g. ENV_ROUTER_2="MALLOC_ARENA_MAX=2": runtime knobs
# for one process, to compare it with its peers under the same load.
extra_env() {
  local var="ENV_${1//-/_}"
  var="${var^^}"
  echo "${!var:-}"
}

start_router() {
  local r="$1" conf=router.conf
  [ "$r" = router-1 ] && conf=seed-router.conf
  # shellcheck disable=SC2046
  start "$r" env "${image_env[@]}" $(extra_env "$r") \
    AKKAROUTER__AKKA__REMOTE__DOT_NETTY__TCP__PORT="${remoting[$r]}" \
    AKKAROUTER__AKKA__CLUSTER__SEED_NODES="$seeds" \
    AKKAROUTER__AKKA_ROUTER__RESP__PORT="${resp_port[$r]}" AKKAROUTER__AKKA_ROUTER__HTTP__PORT="${http_port[$r]}" \
    AKKAROUTER__AKKA_ROUTER__MANAGEMENT__PORT="${mgmt_port[$r]}" AKKAROUTER__AKKA_ROUTER__CMD__PORT="${cmd_port[$r]}" \
    AKKAROUTER__AKKA_ROUTER__HTTP__ROUTES='[ { path = "^/images/", service = images }, { } ]' \
    "$router_exe" run --config "$root/hocon/$conf"
}

start_sidecar() {
  local b="$1"
  # shellcheck disable=SC2046
  start "sidecar-$b" env "${image_env[@]}" $(extra_env "sidecar-$b") \
    AKKAROUTER__AKKA__REMOTE__DOT_NETTY__TCP__PORT="${remoting[sidecar-$b]:-0}" \
    AKKAROUTER__AKKA__CLUSTER__SEED_NODES="$seeds" \
    AKKAROUTER__AKKA_ROUTER__NODE__SERVICE_ENDPOINT="127.0.0.1:${svc_port[$b]}" \
    AKKAROUTER__AKKA_ROUTER__NODE__SERVICE="${svc_of[$b]}" \
    AKKAROUTER__AKKA_ROUTER__RESP__PORT=0 AKKAROUTER__AKKA_ROUTER__HTTP__PORT=0 \
    AKKAROUTER__AKKA_ROUTER__MANAGEMENT__PORT="${mgmt_port[sidecar-$b]}" AKKAROUTER__AKKA_ROUTER__CMD__PORT=0 \
    "$router_exe" run --config "$root/hocon/backend-sidecar.conf"
}

start_service() {
  # shellcheck disable=SC2046
  start "service-$1" env "${image_env[@]}" "${service_env[@]}" $(extra_env "service-$1") "$service_exe" --name "service-$1" --port "${svc_port[$1]}" --miss-ms 0 --capacity 5000
}

{
  echo '{"routers": ['
  sep=""
  for r in "${routers[@]}"; do
    echo "$sep{\"name\": \"$r\", \"resp\": ${resp_port[$r]}, \"http\": ${http_port[$r]}, \"management\": ${mgmt_port[$r]}}"; sep=","
  done
  echo '], "services": {"default": {"prefix": "/web/", "backends": {'
  sep=""
  for b in "${backends[@]}"; do
    [ "${svc_of[$b]}" = default ] && { echo "$sep\"127.0.0.1:${svc_port[$b]}\": \"service-$b\""; sep=","; }
  done
  echo '}}, "images": {"prefix": "/images/", "backends": {'
  sep=""
  for b in "${backends[@]}"; do
    [ "${svc_of[$b]}" = images ] && { echo "$sep\"127.0.0.1:${svc_port[$b]}\": \"service-$b\""; sep=","; }
  done
  echo '}}}, "metrics": {'
  sep=""
  for n in "${!mgmt_port[@]}"; do echo "$sep\"$n\": ${mgmt_port[$n]}"; sep=","; done
  for b in "${backends[@]}"; do echo "$sep\"service-$b\": ${svc_port[$b]}"; sep=","; done
  echo '}}'
} >"$out/cluster.json"

echo "== $bench: $((duration / 60)) min $((duration % 60)) s, seed $seed, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); output in $out"
[ "$witness" = on ] && echo "== witnesses (load, no faults): router-3, service-6 and sidecar-6 (service default)"
for r in "${routers[@]}"; do start_router "$r"; done
for b in "${backends[@]}"; do start_service "$b"; done
for b in "${backends[@]}"; do start_sidecar "$b"; done
if ! python3 "$here/endurance.py" agree "$out" 120 >"$out/start-agreement.txt"; then
  echo "$bench: the cluster did not come up within 120 s: $(cat "$out/start-agreement.txt")" >&2
  # The processes that are gone first, each with its last lines: the test report shows only a few lines.
  for file in "$out"/pids/*; do
    running "$(cat "$file")" && continue
    name="$(basename "$file")"
    echo "$bench: $name is not running; it ended with: $(tail -n 3 "$out/logs/$name.log" | cut -c1-200 | tr '\n' ' ')" >&2
  done
  tail -n 20 "$out"/logs/*.log >&2
  exit 1
fi
echo "== cluster up: $(cat "$out/start-agreement.txt")"

python3 "$here/endurance.py" load "$out" >"$out/logs/load.log" 2>&1 &
load_pid=$!
started="$(now)"

# ---------------------------------------------------------------- restarts

# Starts NAME's process again (same ports, same configuration).
restart_part() {
  case "$1" in
    router-*) start_router "$1" ;;
    sidecar-*) start_sidecar "${1#sidecar-}" ;;
    service-*) start_service "${1#service-}" ;;
  esac
}

# Brings back any process that exits while no fault holds it down, as an orchestrator's restart policy would (a node
# the split-brain resolver downed exits with code 3 for exactly that); each one is logged and recorded in exits.jsonl.
supervise() {
  local file name pid why end recovered pass previous restarted
  trap - EXIT INT TERM
  previous="$(now)"
  while [ ! -f "$out/stop" ]; do
    pass="$(now)"
    # Every process found gone in this pass is started again first, then the rings are awaited once: a split-brain
    # downing takes two nodes at a time, and neither should wait for the other's recovery to be started.
    restarted=()
    for file in "$out"/pids/*; do
      name="${file##*/}"
      [[ "$name" == *.new ]] && continue
      pid="$(cat "$file" 2>/dev/null)" || continue
      [ -n "$pid" ] && ! running "$pid" || continue
      # death observed first, the marker read after: a fault marks its target before it signals it
      [ -e "$out/held/$name" ] && continue
      [ -f "$out/stop" ] && break
      why="$(tail -n 60 "$out/logs/$name.log" | grep -E 'Exiting with \[ExitCode|marked as DOWN|Unhandled exception' | tail -n 1 | cut -c1-160)" || why=""
      log "unplanned exit: $name (pid $pid)${why:+, last words: $why}; starting it again"
      restart_part "$name"
      restarted+=("$name:$pid")
    done
    if [ ${#restarted[@]} -gt 0 ]; then
      recovered=true
      python3 "$here/endurance.py" agree "$out" 120 >/dev/null || recovered=false
      end="$(now)"
      for entry in "${restarted[@]}"; do
        log "  ${entry%%:*} back after an unplanned exit; rings agree: $recovered"
        # it was running when the previous pass began
        printf '{"name": "%s", "pid": %s, "start": %s, "end": %s, "recovered": %s}\n' \
          "${entry%%:*}" "${entry##*:}" "$previous" "$end" "$recovered" >>"$out/exits.jsonl"
      done
      pass="$(now)"
    fi
    previous="$pass"
    sleep 1
  done
}

: >"$out/exits.jsonl"
supervise &
supervisor_pid=$!

# ---------------------------------------------------------------- faults

RANDOM="$seed"
read -r -a kinds <<<"${KINDS:-sidecar-kill sidecar-term service-kill service-term router-kill router-term drain weight}"
round=()
# pick N: sets `picked` to 0..N-1 from the seeded sequence (in this shell: a subshell would reseed RANDOM).
pick() { picked=$((RANDOM % $1)); }

# stop_process NAME SIGNAL: sends SIGNAL to NAME's current process and waits (30 s, then kill -9) until it is gone.
stop_process() {
  local name="$1" signal="$2" pid
  pid="$(cat "$out/pids/$name")"
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do running "$pid" || break; sleep 0.1; done
  if running "$pid"; then
    log "  $name (pid $pid) still running 30 s after SIG$signal: kill -9"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# management METHOD PATH: one call to a random router's management API; sets `via` to the router (and whether it failed).
management() {
  pick ${#routers[@]}
  local r="${routers[$picked]}"
  if curl -fsS -m 10 -X "$1" "http://127.0.0.1:${mgmt_port[$r]}$2" >>"$out/logs/management.log" 2>&1; then
    via="$r"
  else
    via="$r (failed)"
    log "  management $1 $2 on $r failed"
  fi
}

inject() {
  local kind="$1" n="$2" start_t target down recovered=true agreement b
  pick 5; down=$((2 + picked))
  start_t="$(now)"
  case "$kind" in
    sidecar-*|service-*)
      pick ${#faulted_backends[@]}; b="${faulted_backends[$picked]}"
      local part="${kind%-*}" signal=KILL
      [ "${kind#*-}" = term ] && signal=TERM
      target="$part-$b"
      touch "$out/held/$target"
      log "fault $n: $kind: SIG$signal to $target (service ${svc_of[$b]}), back after ${down} s"
      stop_process "$target" "$signal"
      sleep "$down"
      if [ "$part" = sidecar ]; then start_sidecar "$b"; else start_service "$b"; fi
      rm -f "$out/held/$target" ;;
    router-*)
      local signal=KILL
      pick ${#faulted_routers[@]}; target="${faulted_routers[$picked]}"
      [ "$kind" = router-term ] && signal=TERM
      touch "$out/held/$target"
      log "fault $n: $kind: SIG$signal to $target, back after ${down} s"
      stop_process "$target" "$signal"
      sleep "$down"
      start_router "$target"
      rm -f "$out/held/$target" ;;
    drain)
      pick ${#faulted_backends[@]}; b="${faulted_backends[$picked]}"
      target="127.0.0.1:${svc_port[$b]}"
      management POST "/api/backends/$target/drain"
      log "fault $n: drain $target (service ${svc_of[$b]}) through $via, undrain after ${down} s"
      sleep "$down"
      management POST "/api/backends/$target/undrain"
      log "  undrain $target through $via" ;;
    weight)
      local weights=(0.5 2 3) w
      pick ${#faulted_backends[@]}; b="${faulted_backends[$picked]}"
      pick 3; w="${weights[$picked]}"
      target="127.0.0.1:${svc_port[$b]}"
      management PUT "/api/backends/$target/weight?value=$w"
      log "fault $n: weight $target (service ${svc_of[$b]}) -> $w through $via, back to 1 after ${down} s"
      sleep "$down"
      management PUT "/api/backends/$target/weight?value=1"
      log "  weight $target -> 1 through $via" ;;
  esac
  if agreement="$(python3 "$here/endurance.py" agree "$out" 120)"; then
    log "  recovered after $(awk -v a="$start_t" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s: $agreement"
  else
    recovered=false
    log "  NOT recovered within 120 s of being brought back: $agreement"
  fi
  printf '{"n": %d, "kind": "%s", "target": "%s", "start": %s, "end": %s, "recovered": %s}\n' \
    "$n" "$kind" "$target" "$start_t" "$(now)" "$recovered" >>"$out/faults.jsonl"
}

: >"$out/faults.jsonl"
end=$(awk -v s="$started" -v d="$duration" 'BEGIN { printf "%d", s + d }')
n=0
while :; do
  if [ "$smoke" = 1 ]; then
    # The smoke run is one round: every kind once, however long that takes (about 2 minutes).
    [ "$n" -lt "${#kinds[@]}" ] || break
    pick 4; pause=$((3 + picked))
  else
    pick 13; pause=$((8 + picked))
    [ "$(date +%s)" -lt $((end - pause - 25)) ] || break
  fi
  sleep "$pause"
  if [ "${#round[@]}" -eq 0 ]; then
    round=("${kinds[@]}")
    for ((i = ${#round[@]} - 1; i > 0; i--)); do pick $((i + 1)); j=$picked; t="${round[i]}"; round[i]="${round[j]}"; round[j]="$t"; done
  fi
  # never two parts down at once: a fault that did not recover (or an unplanned exit) is waited out first
  python3 "$here/endurance.py" agree "$out" 120 >/dev/null || log "rings still not whole 120 s later; injecting anyway"
  kind="${round[0]}"; round=("${round[@]:1}")
  n=$((n + 1))
  inject "$kind" "$n"
done
remaining=$((end - $(date +%s)))
[ "$smoke" = 0 ] && [ "$remaining" -gt 0 ] && sleep "$remaining"

# ---------------------------------------------------------------- the end

if agreement="$(python3 "$here/endurance.py" agree "$out" 60)"; then
  echo "agree: $agreement" >"$out/final-agreement.txt"
else
  echo "disagree after 60 s: $agreement" >"$out/final-agreement.txt"
fi
touch "$out/stop"
kill -TERM "$supervisor_pid" 2>/dev/null || true
supervisor_pid=""
wait "$load_pid" || { echo "$bench: the load client failed:" >&2; tail -20 "$out/logs/load.log" >&2; exit 1; }
load_pid=""
status=0
python3 "$here/endurance.py" report "$out" | tee "$out/summary.txt" || status=$?
echo "== faults: $out/faults.log; process logs: $out/logs/"
exit "$status"
