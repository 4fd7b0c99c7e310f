"""bench/run's last step: reads target/bench/*, prints the one table and writes bench/results.json.
usage: report.py OUT_DIR CALLS WARMUP ROUNDS WRK_CONNECTIONS WRK_SECONDS RESULTS_JSON (stdlib only)."""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

out, calls, warmup, rounds, wrk_conns, wrk_secs, results_path = sys.argv[1:8]


def read(name):
    with open(os.path.join(out, name), encoding="utf-8") as f:
        return f.read()


def jsonl(name):
    return [json.loads(line) for line in read(name).splitlines() if line.strip()]


# ---- core (criterion --output-format bencher: "test NAME ... bench:   1,234 ns/iter (+/- 56)")
core = {}
for line in read("criterion.txt").splitlines():
    m = re.match(r"test (\S+) \.\.\. bench:\s+([\d,\.]+) ns/iter", line)
    if m:
        core[m.group(1)] = float(m.group(2).replace(",", ""))

# ---- end to end: per client, the round with the median throughput
runs = jsonl("e2e.jsonl")
e2e = {}
for name in dict.fromkeys(r["name"] for r in runs):
    mine = sorted((r for r in runs if r["name"] == name), key=lambda r: r["per_second"])
    e2e[name] = dict(mine[len(mine) // 2], rounds_per_second=[round(r["per_second"]) for r in runs if r["name"] == name])
breakdown = jsonl("breakdown.jsonl") if os.path.exists(os.path.join(out, "breakdown.jsonl")) else []

# ---- wrk
wrk_txt = read("wrk.txt")


def dur_us(s):
    m = re.match(r"([\d\.]+)(us|ms|s)", s)
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)] if m else None


wrk = {"connections": int(wrk_conns), "seconds": int(wrk_secs), "threads": 2}
m = re.search(r"Requests/sec:\s+([\d\.]+)", wrk_txt)
wrk["per_second"] = float(m.group(1)) if m else None
for p in ("50", "99"):
    m = re.search(rf"^\s+{p}%\s+(\S+)", wrk_txt, re.M)
    wrk[f"p{p}_us"] = dur_us(m.group(1)) if m else None
m = re.search(r"(\d+) requests in", wrk_txt)
wrk["requests"] = int(m.group(1)) if m else None

sizes = {k: int(v) for k, v in (line.split() for line in read("sizes.txt").splitlines() if line.strip())}


# ---- machine
def cpuinfo():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def meminfo_kb():
    try:
        with open("/proc/meminfo") as f:
            return int(f.readline().split()[1])
    except OSError:
        return None


def git(*a):
    try:
        return subprocess.run(["git", *a], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


machine = {"nproc": os.cpu_count(), "cpu": cpuinfo(), "mem_total_kb": meminfo_kb(), "kernel": platform.release(),
           "loadavg_at_end": open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else None}


# ---- targets
def ratio(a, b):
    return e2e[a]["per_second"] / e2e[b]["per_second"] if a in e2e and b in e2e else None


targets = [
    {"what": "Rust client / bare ureq POST (throughput)", "value": ratio("rust-client", "bare-ureq"), "target": 0.9,
     "cmp": ">="},
    {"what": "Python binding / pure-Python reference (requests)",
     "value": ratio("python-binding", "python-reference-requests"), "target": 3.0, "cmp": ">="},
    {"what": "Python binding / pure-Python reference (urllib3)", "value": ratio("python-binding", "python-reference"),
     "target": None, "cmp": "info"},
    {"what": "Node addon / pure-Node reference", "value": ratio("node-addon", "node-reference"), "target": 1.5,
     "cmp": ">="},
    {"what": "PHP FFI / PHP curl reference", "value": ratio("php-ffi", "php-reference"), "target": 1.0, "cmp": ">="},
    {"what": "sandbox approvals/s under wrk (signatures checked)", "value": wrk["per_second"], "target": 20000,
     "cmp": ">="},
    {"what": "core approval prepared+signed+parsed (ns)", "value": core.get("approval_round_trip"), "target": 3000,
     "cmp": "<="},
]
for t in targets:
    v = t["value"]
    if t["cmp"] == "info" or v is None:
        t["met"] = None
    else:
        t["met"] = v >= t["target"] if t["cmp"] == ">=" else v <= t["target"]

results = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "commit": git("rev-parse", "HEAD"),
    "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    "machine": machine,
    "method": {"calls": int(calls), "warmup": int(warmup), "rounds": int(rounds),
               "e2e": "Payup keyin approvals, sequential, one keep-alive connection, against one release "
                      "`payup sandbox` process on loopback; the median-throughput round per client"},
    "core_ns": core,
    "end_to_end": e2e,
    "rust_client_breakdown": breakdown,
    "sandbox_wrk": wrk,
    "sizes_bytes": sizes,
    "targets": targets,
}
with open(results_path, "w", encoding="utf-8") as f:
    json.dump(results, f, indent=2, ensure_ascii=False)
    f.write("\n")

# ---- the table
print(f"\npayup benchmarks — {results['date']} — {results['commit'][:10] if results['commit'] else '?'}"
      f" — {machine['nproc']} × {machine['cpu']}, {(machine['mem_total_kb'] or 0) // 1024} MiB,"
      f" load {' '.join(machine['loadavg_at_end'] or [])}")
print("\ncore (criterion)                          ns/op")
for k, v in core.items():
    print(f"  {k:<38}{v:>8.0f}")
print(f"\nend to end ({calls} approvals after {warmup}, median of {rounds})"
      "   approvals/s   p50 µs   p99 µs  peak RSS MiB")
order = ["rust-client", "bare-ureq", "c-library", "python-binding", "python-reference", "python-reference-requests", "node-addon",
         "node-reference", "php-ffi", "php-ext", "php-reference"]
for k in order + [k for k in e2e if k not in order]:
    if k in e2e:
        r = e2e[k]
        print(f"  {k:<38}{r['per_second']:>12.0f}{r['p50_us']:>9.0f}{r['p99_us']:>9.0f}{r['rss_kb'] / 1024:>14.1f}")
print(f"\nsandbox under wrk ({wrk_conns} connections, {wrk_secs}s)     approvals/s   p50 µs   p99 µs")
print(f"  {'payup sandbox (release)':<38}{wrk['per_second'] or 0:>12.0f}{wrk['p50_us'] or 0:>9.0f}"
      f"{wrk['p99_us'] or 0:>9.0f}")
print("\nsizes                                          KiB")
for k, v in sizes.items():
    print(f"  {k:<38}{v / 1024:>9.0f}")
print("\ntargets")
for t in targets:
    v = t["value"]
    shown = "n/a" if v is None else (f"{v:.2f}×" if (t["target"] or 0) < 100 else f"{v:,.0f}")
    if t["cmp"] == "info":
        print(f"  {t['what']:<52}{shown:>10}  (for information)")
        continue
    mark = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
    print(f"  {t['what']:<52}{shown:>10}  ({t['cmp']} {t['target']:g})  {mark}")
print(f"\nwritten: {results_path}")
