#!/usr/bin/env python3
"""Prints a port of 127.0.0.1 for a benchmark or endurance process to bind later.

Picking a port by binding port 0 and letting it go (the usual trick) races every other socket on the
machine: the kernel hands the same ephemeral range to port-0 listeners (a sidecar's remoting, a RESP
listener in another test) and to the local end of every outbound connection, so a process that binds
its pre-picked port seconds later can find it taken. The endurance smoke lost a router that way.

So the port comes from below the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), which the
kernel never hands out by itself, and is claimed by creating a file named after it in a directory
every script shares; the file holds the claiming script's pid. A claim whose owner is gone and which
is older than ten minutes is cleared when another pick meets it. The port must also bind right now.

Usage: free_port.py OWNER_PID
"""
import os
import random
import socket
import sys
import time

owner = sys.argv[1] if len(sys.argv) > 1 else str(os.getppid())
claims = os.path.join(os.environ.get("TMPDIR", "/tmp"), "akkarouter-port-claims")
os.makedirs(claims, exist_ok=True)


def bindable(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def stale(path):
    try:
        with open(path) as f:
            pid = f.read().strip()
        alive = pid.isdigit() and os.path.exists(f"/proc/{pid}")
        return not alive and time.time() - os.path.getmtime(path) > 600
    except OSError:
        return False


low, high = 10000, ephemeral_low() - 1
if high - low < 1000:
    # No room below the ephemeral range: fall back to the kernel's pick.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    sys.exit(0)

for _ in range(2000):
    port = random.randint(low, high)
    path = os.path.join(claims, str(port))
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        if stale(path):
            try:
                os.unlink(path)
            except OSError:
                pass
        continue
    os.write(fd, owner.encode())
    os.close(fd)
    if bindable(port):
        print(port)
        sys.exit(0)
    # Taken by something that does not claim ports: leave the claim so nobody picks it for ten minutes.
sys.exit("free_port: no free port found below the ephemeral range")
