"""bench/run's last step: reads target/bench/*, prints the one table and writes bench/results.json.
usage: report.py OUT_DIR CALLS WARMUP ROUNDS WRK_CONNECTIONS WRK_SECONDS RESULTS_JSON BATCHES BATCH_CALLS SEED PIN
(stdlib only)."""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

out, calls, warmup, rounds, wrk_conns, wrk_secs, results_path, batches, batch_calls, seed, pin = sys.argv[1:12]


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

# ---- end to end. The sequential rows come from bench/paired.py's sessions (paired.jsonl): each subject's
# report line per session, and the base's (rust-client) from its sessions against rust-client itself and the
# other drivers; the concurrent and journal rows are plain driver lines (e2e.jsonl).
sessions = jsonl("paired.jsonl")
runs = [x["subject_line"] for x in sessions if x["base"] == "rust-client" and x["subject"] != "rust-client"]
runs += [x["base_line"] for x in sessions if x["base"] == "rust-client"]
runs += jsonl("e2e.jsonl")
e2e = {}
for name in dict.fromkeys(r["name"] for r in runs):
    mine = sorted((r for r in runs if r["name"] == name), key=lambda r: r["per_second"])
    e2e[name] = dict(mine[len(mine) // 2], rounds_per_second=[round(r["per_second"]) for r in runs if r["name"] == name])
breakdown = jsonl("breakdown.jsonl") if os.path.exists(os.path.join(out, "breakdown.jsonl")) else []

# ---- wrk: one block per round ("== wrk round N"); the median-throughput round is shown, every round kept
def dur_us(s):
    m = re.match(r"([\d\.]+)(us|ms|s)", s)
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)] if m else None


def wrk_round(txt):
    w = {}
    m = re.search(r"Requests/sec:\s+([\d\.]+)", txt)
    w["per_second"] = float(m.group(1)) if m else None
    for p in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{p}%\s+(\S+)", txt, re.M)
        w[f"p{p}_us"] = dur_us(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in", txt)
    w["requests"] = int(m.group(1)) if m else None
    return w


wrk_rounds = [wrk_round(b) for b in re.split(r"^== wrk round \d+\n", read("wrk.txt"), flags=re.M) if b.strip()]
wrk = {"connections": int(wrk_conns), "seconds": int(wrk_secs), "threads": 2}
if wrk_rounds:
    by_rate = sorted(wrk_rounds, key=lambda w: w["per_second"] or 0)
    wrk.update(by_rate[len(by_rate) // 2])
wrk["rounds"] = wrk_rounds

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


# ---- targets. A sequential ratio comes from paired sessions (bench/paired.py): per session, the subject's
# approvals/s over the base's in alternated batches (the base's batches right before and after each of the
# subject's); the figure is the median over rounds, [min–max] over rounds its spread, and the interquartile range
# of the single batch pairs is kept in results.json. The concurrent rows are still per round, back to back.
def per_round(name, key="per_second"):
    return [r[key] for r in runs if r["name"] == name]


def ratio_rounds(a, b, key="per_second"):
    xs, ys = per_round(a, key), per_round(b, key)
    return [x / y for x, y in zip(xs, ys) if y] if xs and ys else []


def median(v):
    v = sorted(v)
    n = len(v)
    return None if not n else v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def quartiles(v):
    v = sorted(v)
    return [v[len(v) // 4], v[(3 * len(v)) // 4]] if v else None


def paired(a, b, key=None):
    """Per round: a over b from the session pairing them (either way round); None when there is none."""
    per = {}
    for x in sessions:
        if (x["subject"], x["base"]) == (a, b) or (x["subject"], x["base"]) == (b, a):
            flip = x["subject"] != a
            if key:  # a latency: the two report lines of the session, each over all its batches
                r = x["subject_line"][key] / x["base_line"][key]
                pairs = []
            else:
                r = x["ratio"]
                pairs = x["batch_ratios"]
            per.setdefault(x["round"], []).append((1 / r if flip else r, [1 / p if flip else p for p in pairs]))
    return per


def t_paired(what, a, b, target, cmp=">=", key=None, via=None):
    """a / b from the sessions pairing them; with via, (a / via) / (b / via) within each round."""
    if via:
        pa, pb = paired(a, via, key), paired(b, via, key)
        per = {r: [(pa[r][0][0] / pb[r][0][0], [])] for r in pa if r in pb}
        how = f"(each / {via}, paired) per round"
    else:
        per = paired(a, b, key)
        how = "paired sessions"
    rs = [v[0][0] for _, v in sorted(per.items())]
    batch = [p for v in per.values() for p in v[0][1]]
    return {"what": what, "value": median(rs), "rounds": [round(x, 3) for x in rs], "target": target, "cmp": cmp,
            "how": how, "batch_pairs_iqr": [round(x, 3) for x in quartiles(batch)] if batch else None,
            "batch_pairs_median": round(median(batch), 3) if batch else None}


def t_ratio(what, a, b, target, cmp=">=", key="per_second"):
    rs = ratio_rounds(a, b, key)
    return {"what": what, "value": median(rs), "rounds": [round(x, 3) for x in rs], "target": target, "cmp": cmp,
            "how": "back to back per round"}


conc = sorted({r["name"].split("@")[1] for r in runs if "@" in r["name"]})
targets = [
    # Two copies of the same Rust client: how far a ratio of identical clients strays in this run.
    t_paired("Rust client / Rust client (self-check: reads 1.00)", "rust-client", "rust-client", None, "info"),
    t_paired("Rust client / bare ureq POST (throughput)", "rust-client", "bare-ureq", 0.9),
    t_paired("C library / Rust client", "c-library", "rust-client", 0.95),
    t_paired("Python binding / Rust client", "python-binding", "rust-client", 0.85),
    t_paired("Node addon / Rust client", "node-addon", "rust-client", 0.85),
    t_paired("PHP extension / Rust client", "php-ext", "rust-client", 0.85),
    t_paired("PHP extension / PHP curl reference", "php-ext", "php-reference", 1.0),
    t_paired("PHP FFI / PHP curl reference", "php-ffi", "php-reference", None, "info"),
]
for b in ("c-library", "python-binding", "node-addon", "php-ext"):
    targets.append(t_paired(f"p99 {b} / p99 Rust client", b, "rust-client", 1.5, "<=", "p99_us"))
for n in conc:
    for b in ("c-library", "python-binding", "node-addon"):
        targets.append(t_ratio(f"{b}@{n} / rust-client@{n}", f"{b}@{n}", f"rust-client@{n}", None, "info"))
targets += [
    t_paired("Python binding / pure-Python reference (requests)", "python-binding", "python-reference-requests", 3.0,
             via="rust-client"),
    t_paired("Python binding / pure-Python reference (urllib3)", "python-binding", "python-reference", None, "info",
             via="rust-client"),
    t_paired("Node addon / pure-Node reference", "node-addon", "node-reference", 1.5, via="rust-client"),
    {"what": "sandbox approvals/s under wrk (signatures checked)", "value": wrk.get("per_second"), "target": 60000,
     "cmp": ">=", "rounds": [w["per_second"] for w in wrk_rounds]},
    {"what": "sandbox p99 under wrk (µs)", "value": wrk.get("p99_us"), "target": 5000, "cmp": "<=",
     "rounds": [w["p99_us"] for w in wrk_rounds]},
    {"what": "core approval prepared+signed+parsed (ns)", "value": core.get("approval_round_trip"), "target": 3000,
     "cmp": "<=", "rounds": []},
]
for t in targets:
    v = t["value"]
    if t["cmp"] == "info" or v is None:
        t["met"] = None
    else:
        t["met"] = v >= t["target"] if t["cmp"] == ">=" else v <= t["target"]
        # Readable: every round is on the same side of the target as the median (the spread is inside the margin).
        rs = [x for x in t.get("rounds", []) if x is not None]
        t["spread_inside_margin"] = all((x >= t["target"]) == (v >= t["target"]) for x in rs) if rs else None

results = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "commit": git("rev-parse", "HEAD"),
    "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    "machine": machine,
    "method": {"calls": int(calls), "warmup": int(warmup), "rounds": int(rounds), "batches": int(batches),
               "batch_calls": int(batch_calls), "seed": int(seed), "pinned_cpus": pin or None,
               "e2e": "Payup keyin approvals, sequential, one keep-alive connection, against one release "
                      "`payup sandbox` process on loopback; sequential rows in paired sessions (bench/paired.py): "
                      "per round and client, BATCHES batches of BATCH_CALLS calls alternated with the Rust "
                      "client's (base, subject, base, ...), the ratio from the subject's batches over the base's "
                      "around them, the sandbox and both clients pinned to pinned_cpus; the median-throughput "
                      "session per client; NAME@N: N concurrent callers on one "
                      "client, CALLS calls, back to back per round; ratios: the median over rounds"},
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
print(f"\nend to end ({batches}×{batch_calls} approvals after {warmup} in paired sessions, median of {rounds},"
      f" {'sandbox and clients on CPU ' + pin if pin else 'unpinned'})"
      "   approvals/s   p50 µs   p99 µs  peak RSS MiB  spread")
order = ["rust-client", "bare-ureq", "c-library", "python-binding", "python-reference", "python-reference-requests", "node-addon",
         "node-reference", "php-ffi", "php-ext", "php-reference"]


def row(k):
    r = e2e[k]
    rs = r["rounds_per_second"]
    spread = f"{min(rs):.0f}–{max(rs):.0f}" if len(rs) > 1 else ""
    print(f"  {k:<38}{r['per_second']:>12.0f}{r['p50_us']:>9.0f}{r['p99_us']:>9.0f}{r['rss_kb'] / 1024:>14.1f}  {spread}")


seq = [k for k in order if k in e2e] + [k for k in e2e if k not in order and "@" not in k]
for k in seq:
    row(k)
if conc:
    print(f"\nconcurrent ({', '.join(conc)} callers on one client, {calls} approvals in all, median of {rounds},"
          " back to back)")
    for k in [k for k in e2e if "@" in k]:
        row(k)
# wrk's percentiles are corrected for coordinated omission: they weigh stall time (bench/README.md).
print(f"\nsandbox under wrk ({wrk_conns} connections, {wrk_secs}s, median of {len(wrk_rounds)})"
      "   approvals/s   p50 µs   p75 µs   p90 µs   p99 µs")


def wrk_row(name, w):
    cells = "".join(f"{w.get(k) or 0:>9.0f}" for k in ("p50_us", "p75_us", "p90_us", "p99_us"))
    print(f"  {name:<38}{w.get('per_second') or 0:>12.0f}{cells}")


wrk_row("payup sandbox (release)", wrk)
for i, w in enumerate(wrk_rounds, 1):
    wrk_row(f"  round {i}", w)
print("\nsizes                                          KiB")
for k, v in sizes.items():
    print(f"  {k:<38}{v / 1024:>9.0f}")
print(f"\ntargets (median over {rounds} rounds [min–max over rounds]; sequential ratios from paired sessions of"
      f" {batches}×{batch_calls} alternated calls, 'pairs': the interquartile range of single batch pairs;"
      " 'spread crosses': some round is on the other side of the target)")
for t in targets:
    v = t["value"]
    big = (t["target"] or 0) >= 100 or (v or 0) >= 100
    fmt = (lambda x: f"{x:,.0f}") if big else (lambda x: f"{x:.2f}×")
    shown = "n/a" if v is None else fmt(v)
    rs = [x for x in t.get("rounds", []) if x is not None]
    spread = f"[{fmt(min(rs))}–{fmt(max(rs))}]" if len(rs) > 1 else ""
    iqr = t.get("batch_pairs_iqr")
    spread += f" pairs {iqr[0]:.2f}–{iqr[1]:.2f}" if iqr and not big else ""
    if t["cmp"] == "info":
        print(f"  {t['what']:<52}{shown:>10} {spread:<30} (for information)")
        continue
    mark = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
    if t.get("spread_inside_margin") is False:
        mark += ", spread crosses"
    print(f"  {t['what']:<52}{shown:>10} {spread:<30} ({t['cmp']} {t['target']:g})  {mark}")
print(f"\nwritten: {results_path}")
