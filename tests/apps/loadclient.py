#!/usr/bin/env python3
"""loadclient -- many concurrent TLS connections to an echo service.

usage: loadclient.py -p PORT -n N [--ca FILE] [--bytes B] [--ramp K] [--timeout SECS]

Opens N TLS connections to 127.0.0.1:PORT (Python's ssl on asyncio; at
most K connects and handshakes in flight at a time, default 50, so that
the listen queue is not flooded), and holds every one of them open until
all N are up: then all N are open at once.  Then each sends B
pseudo-random bytes (default 20000, different on each connection), reads
as many back and compares them with what it sent, and closes (asyncio's
TLS sends close_notify; it cannot half-close).  The whole run is bounded by --timeout (default 120 s).

Prints "up N" once all are open, then "ok N failed M" and one line per
failure ("conn I: what"), and the time each phase took.  Exit 0 iff every
connection echoed its data exactly.
"""

import argparse
import asyncio
import random
import ssl
import sys
import time


async def one(i, a, ctx, sem, all_up, ready, results):
    rnd = random.Random(i)
    data = rnd.randbytes(a.bytes)
    try:
        async with sem:
            r, w = await asyncio.open_connection("127.0.0.1", a.port, ssl=ctx,
                                                 server_hostname="localhost" if a.ca else None)
        ready.append(i)
        if len(ready) == a.n:
            all_up.set()
        await all_up.wait()
        w.write(data)
        await w.drain()
        got = await r.readexactly(len(data))  # asyncio's TLS cannot half-close
        w.close()
        try:
            await w.wait_closed()
        except (ssl.SSLError, ConnectionError):
            pass
        if got != data:  # readexactly raises IncompleteReadError on a short echo
            results[i] = "echo differs: sent %d bytes, got %d" % (len(data), len(got))
        else:
            results[i] = None
    except Exception as e:  # noqa: BLE001 -- every failure is reported
        results[i] = "%s: %s" % (type(e).__name__, e)
        ready.append(i)  # a failed connection must not hold the others
        if len(ready) >= a.n:
            all_up.set()


async def main_async(a):
    if a.ca:
        ctx = ssl.create_default_context(cafile=a.ca)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    sem = asyncio.Semaphore(a.ramp)
    all_up = asyncio.Event()
    ready, results = [], {}
    t0 = time.monotonic()
    tasks = [asyncio.ensure_future(one(i, a, ctx, sem, all_up, ready, results)) for i in range(a.n)]
    await all_up.wait()
    up = sum(1 for i in ready if i not in results)
    print("up %d (%.1f s)" % (up, time.monotonic() - t0), flush=True)
    t1 = time.monotonic()
    await asyncio.gather(*tasks)
    failed = {i: e for i, e in results.items() if e}
    print("ok %d failed %d (echo phase %.1f s)" % (a.n - len(failed), len(failed), time.monotonic() - t1), flush=True)
    for i in sorted(failed)[:20]:
        print("conn %d: %s" % (i, failed[i]), flush=True)
    return 0 if not failed else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("--ca")
    ap.add_argument("--bytes", type=int, default=20000)
    ap.add_argument("--ramp", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    try:
        return asyncio.run(asyncio.wait_for(main_async(a), a.timeout))
    except asyncio.TimeoutError:
        print("timed out after %.0f s" % a.timeout, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
