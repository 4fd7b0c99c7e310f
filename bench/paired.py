"""bench/run's sequential end-to-end rows as PAIRED sessions (bench/README.md, "How the ratios are measured").

usage: paired.py DRIVERS_FILE OUT_JSONL ROUNDS BATCHES BATCH_CALLS WARMUP SEED [BASE:SUBJECT ...] (stdlib only)

DRIVERS_FILE: one `NAME<TAB>COMMAND` a line (the command gets `BATCH_CALLS WARMUP` appended, or replaces
`__N__`/`__W__` in it). Each round runs one session per pair, in an order shuffled per round (SEED): the base
(the first driver, `rust-client`) against every other driver, the base against a second copy of itself (the
self-check), and the extra BASE:SUBJECT pairs given. A session starts both drivers with BENCH_PAIRED=1, waits
until both have warmed up (`ready`), then alternates batches of BATCH_CALLS sequential calls, one driver at a
time while the other waits on its stdin: base, subject, base, subject, ..., base (BATCHES subject batches,
BATCHES + 1 base ones). Each subject batch is compared with the mean of the base batches right before and after
it, so both clients see the same machine within milliseconds. Writes one JSON line per session.
"""
import atexit
import json
import os
import random
import subprocess
import sys

live = []  # the drivers of the running session, killed if this script stops early
atexit.register(lambda: [p.kill() for p in live if p.poll() is None])


def start(cmd, calls, warmup):
    cmd = cmd.replace("__N__", str(calls)).replace("__W__", str(warmup)) if "__N__" in cmd else f"{cmd} {calls} {warmup}"
    env = dict(os.environ, BENCH_PAIRED="1")
    env.pop("BENCH_CONCURRENCY", None)
    p = subprocess.Popen(cmd.split(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    live.append(p)
    return p


def expect(p, what):
    line = p.stdout.readline()
    if not line.startswith(what):
        sys.exit(f"paired.py: expected {what!r} from {p.args[:2]}, got {line!r}")
    return line


def batch(p):
    p.stdin.write("go\n")
    p.stdin.flush()
    return float(expect(p, "batch ").split()[1])


def finish(p):
    p.stdin.close()
    summary = json.loads(p.stdout.readline())
    if p.wait() != 0:
        sys.exit(f"paired.py: {p.args[:2]} exited with {p.returncode}")
    live.remove(p)
    return summary


def session(base_cmd, subject_cmd, batches, calls, warmup, subject_first):
    # Which process starts (and connects) first alternates: the sandbox gives each new connection to the poll
    # worker with the fewest, so the two clients are served by different workers, and neither always the same.
    if subject_first:
        subject = start(subject_cmd, calls, warmup)
        base = start(base_cmd, calls, warmup)
    else:
        base = start(base_cmd, calls, warmup)
        subject = start(subject_cmd, calls, warmup)
    expect(base, "ready")
    expect(subject, "ready")
    b, s = [batch(base)], []
    for _ in range(batches):
        s.append(batch(subject))
        b.append(batch(base))
    return b, s, finish(base), finish(subject)


def main():
    drivers_file, out, rounds, batches, calls, warmup, seed, *extra = sys.argv[1:]
    rounds, batches, calls, warmup, seed = int(rounds), int(batches), int(calls), int(warmup), int(seed)
    drivers = dict(line.rstrip("\n").split("\t", 1) for line in open(drivers_file, encoding="utf-8") if line.strip())
    base = next(iter(drivers))
    pairs = [(base, name) for name in drivers] + [tuple(p.split(":", 1)) for p in extra]
    with open(out, "w", encoding="utf-8") as f:
        for r in range(1, rounds + 1):
            order = list(pairs)
            random.Random(seed * 1000 + r).shuffle(order)
            for k, (a, x) in enumerate(order):
                subject_first = (r + k) % 2 == 0
                b, s, sa, sx = session(drivers[a], drivers[x], batches, calls, warmup, subject_first)
                # Trapezoid: the first and last base batches each stand beside one subject batch only.
                base_s = (sum(b) - (b[0] + b[-1]) / 2) / batches
                ratio = (sum(b) - (b[0] + b[-1]) / 2) / sum(s)  # subject approvals/s over the base's
                rec = {"round": r, "base": a, "subject": x, "batch_calls": calls, "batches": batches,
                       "subject_started_first": subject_first,
                       "ratio": ratio, "batch_ratios": [((b[k] + b[k + 1]) / 2) / s[k] for k in range(batches)],
                       "base_batch_seconds": b, "subject_batch_seconds": s, "base_line": sa, "subject_line": sx}
                f.write(json.dumps(rec) + "\n")
                f.flush()
                print(f"round {r}: {x:<26} / {a:<14} {ratio:5.2f}  ({calls / (sum(s) / batches):7.0f} vs"
                      f" {calls / base_s:7.0f} approvals/s; p99 {sx['p99_us']:.0f} vs {sa['p99_us']:.0f} µs)",
                      file=sys.stderr)


if __name__ == "__main__":
    main()
