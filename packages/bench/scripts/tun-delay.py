#!/usr/bin/env python3
"""A point-to-point link between two TUN interfaces that delays every packet by a fixed time each way.

For kernels without netem (CONFIG_NET_SCH_NETEM): scripts/latency.sh creates the two interfaces through
this relay, moves one into the server's network namespace and addresses both. Packets keep their order
(the delay is constant); none is dropped once both ends are up.

    tun-delay.py HOST_IF NS_IF ONE_WAY_DELAY_MS
"""
import fcntl
import os
import select
import signal
import struct
import sys
import time
from collections import deque

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def main() -> None:
    host_if, ns_if, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    delay = int(delay_ms * 1e6)
    a, b = open_tun(host_if), open_tun(ns_if)
    peer = {a: b, b: a}
    # One queue per direction: (due time in ns, packet), due times in order since the delay is constant.
    queues = {a: deque(), b: deque()}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    while True:
        now = time.monotonic_ns()
        for fd, queue in queues.items():
            while queue and queue[0][0] <= now:
                try:
                    os.write(peer[fd], queue.popleft()[1])
                except OSError:
                    pass  # the other end is down (not configured yet, or going away): the packet is lost

        due = [queue[0][0] for queue in queues.values() if queue]
        wait = None if not due else max(0, min(due) - now) / 1e9
        # select's sleep overshoots by tens of µs; spin for the last stretch.
        if wait is not None and wait < 100e-6:
            readable, _, _ = select.select([a, b], [], [], 0)
        else:
            readable, _, _ = select.select([a, b], [], [], None if wait is None else wait - 80e-6)
        arrived = time.monotonic_ns()
        for fd in readable:
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    return  # the interface went away: the namespace was deleted
                queues[fd].append((arrived + delay, packet))


if __name__ == "__main__":
    main()
