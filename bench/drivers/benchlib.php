<?php
// What the PHP drivers share: argv, timing and the report line (one JSON line on stdout).
function bench_args(array $argv): array {
    if (count($argv) < 2) { fwrite(STDERR, "usage: DRIVER CONFIG_FILE [CALLS [WARMUP]]\n"); exit(2); }
    return [json_decode(file_get_contents($argv[1]), true), (int)($argv[2] ?? 3000), (int)($argv[3] ?? 300)];
}

function bench_peak_rss_kb(): int {
    $s = @file_get_contents('/proc/self/status');
    return ($s !== false && preg_match('/VmHWM:\s+(\d+)/', $s, $m)) ? (int)$m[1] : 0;
}

function bench_measure(string $name, int $calls, int $warmup, callable $fn): void {
    for ($i = 0; $i < $warmup; $i++) { $fn($i); }
    $lat = [];
    if (getenv('BENCH_PAIRED') === '1') {
        // Batches on demand for bench/paired.py: `ready`, then per line on stdin CALLS timed calls and
        // `batch SECONDS`; the report covers every timed call (bench/README.md, "How the ratios are measured").
        fwrite(STDOUT, "ready\n");
        fflush(STDOUT);
        $timed = 0;
        $next = $warmup;
        while (fgets(STDIN) !== false) {
            $start = hrtime(true);
            for ($i = $next; $i < $next + $calls; $i++) {
                $t = hrtime(true);
                $fn($i);
                $lat[] = hrtime(true) - $t;
            }
            $batch = hrtime(true) - $start;
            $timed += $batch;
            $next += $calls;
            fwrite(STDOUT, 'batch ' . ($batch / 1e9) . "\n");
            fflush(STDOUT);
        }
        $calls = count($lat);
        $seconds = $timed / 1e9;
    } else {
        $start = hrtime(true);
        for ($i = $warmup; $i < $warmup + $calls; $i++) {
            $t = hrtime(true);
            $fn($i);
            $lat[] = hrtime(true) - $t;
        }
        $seconds = (hrtime(true) - $start) / 1e9;
    }
    sort($lat);
    $pct = fn($p) => $lat[max(0, min(count($lat), (int)ceil(count($lat) * $p / 100)) - 1)] / 1e3;
    echo json_encode(['name' => $name, 'calls' => $calls, 'seconds' => $seconds, 'per_second' => $calls / $seconds,
        'p50_us' => $pct(50), 'p99_us' => $pct(99), 'rss_kb' => bench_peak_rss_kb()]), "\n";
}
