#!/usr/bin/env bash
# Issues the certificates for akka-router.security.remote-tls: a private CA used for nothing else, and one
# certificate per node signed by it (ECDSA P-256, client and server authentication, 1 year).
#   docker/certs/issue.sh [OUT] [NODE ...]    (default: docker/certs/out and the compose file's nodes)
# Writes OUT/ca/ca.crt + ca.key (keep ca.key off every node) and OUT/NODE/{node.crt,node.key,ca.crt}, the
# directory docker-compose.remote-tls.yml mounts into that node's container at /app/certs.
# Re-running keeps an existing CA, so nodes issued later join the same cluster.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/out}"
shift || true
nodes=("$@")
[ ${#nodes[@]} -gt 0 ] || nodes=(router-1 router-2 backend-1-sidecar backend-2-sidecar backend-3-sidecar)
command -v openssl >/dev/null || { echo "issue.sh: openssl is required (apt-get install openssl)" >&2; exit 1; }

mkdir -p "$out/ca"
if [ ! -f "$out/ca/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -keyout "$out/ca/ca.key" -out "$out/ca/ca.crt" -subj "/CN=akkarouter cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 "$out/ca/ca.key"
fi

extensions="$(mktemp)"
trap 'rm -f "$extensions"' EXIT
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' > "$extensions"
for node in "${nodes[@]}"; do
  dir="$out/$node"
  mkdir -p "$dir"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/node.key" -out "$dir/node.csr" \
    -subj "/CN=$node" 2>/dev/null
  openssl x509 -req -in "$dir/node.csr" -CA "$out/ca/ca.crt" -CAkey "$out/ca/ca.key" -CAcreateserial \
    -days 365 -extfile "$extensions" -out "$dir/node.crt" 2>/dev/null
  rm -f "$dir/node.csr"
  cp "$out/ca/ca.crt" "$dir/ca.crt"
  # The image runs as uid 1654, which must read the key through the bind mount. For a host-local compose
  # cluster the key is made world-readable; in production give keys to nodes through the orchestrator's secrets.
  chmod 644 "$dir/node.key"
  echo "$dir: node.crt (CN=$node), node.key, ca.crt"
done
