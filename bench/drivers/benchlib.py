"""What the Python drivers share with the others: argv, the approval, timing and the report line."""
import json
import os
import sys
import threading
import time


def args():
    if len(sys.argv) < 2:
        sys.exit("usage: DRIVER CONFIG_FILE [CALLS [WARMUP]]")
    with open(sys.argv[1], encoding="utf-8") as f:
        config = json.load(f)
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    return config, calls, warmup


def peak_rss_kb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def concurrency():
    """BENCH_CONCURRENCY=N (N > 1): the timed calls are shared by N threads on the one client."""
    n = int(os.environ.get("BENCH_CONCURRENCY") or 1)
    return n if n > 1 else 1


def measure(name, calls, warmup, fn):
    for i in range(warmup):
        fn(i)
    lat = []
    clock = time.perf_counter_ns
    n = concurrency()
    timed_ns = None  # the paired mode's sum of batches
    if os.environ.get("BENCH_PAIRED") == "1":
        # Batches on demand for bench/paired.py: `ready`, then per line on stdin CALLS timed calls and
        # `batch SECONDS`; the report line covers every timed call (bench/README.md, "How the ratios are measured").
        print("ready", flush=True)
        timed_ns, nxt = 0, warmup
        while sys.stdin.readline():
            start = clock()
            for i in range(nxt, nxt + calls):
                t = clock()
                fn(i)
                lat.append(clock() - t)
            batch = clock() - start
            timed_ns += batch
            nxt += calls
            print(f"batch {batch / 1e9}", flush=True)
        calls = len(lat)
    elif n > 1:
        name = f"{name}@{n}"
        per = -(-calls // n)

        def caller(t):
            mine = []
            for i in range(warmup + t * per, warmup + (t + 1) * per):
                c = clock()
                fn(i)
                mine.append(clock() - c)
            lat.extend(mine)  # list.extend is atomic under the GIL

        threads = [threading.Thread(target=caller, args=(t,)) for t in range(n)]
        start = clock()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        calls = len(lat)
    else:
        start = clock()
        for i in range(warmup, warmup + calls):
            t = clock()
            fn(i)
            lat.append(clock() - t)
    total = (clock() - start if timed_ns is None else timed_ns) / 1e9
    lat.sort()

    def pct(p):
        return lat[max(0, min(len(lat), -(-len(lat) * p // 100)) - 1)] / 1e3

    print(json.dumps({"name": name, "calls": calls, "seconds": total, "per_second": calls / total,
                      "p50_us": pct(50), "p99_us": pct(99), "rss_kb": peak_rss_kb()}))
