'use strict'
// What the Node drivers share: argv, timing and the report line (one JSON line on stdout).
const fs = require('node:fs')

function args() {
  const [path, calls, warmup] = process.argv.slice(2)
  if (!path) { console.error('usage: DRIVER CONFIG_FILE [CALLS [WARMUP]]'); process.exit(2) }
  return { config: JSON.parse(fs.readFileSync(path, 'utf8')), calls: Number(calls || 3000), warmup: Number(warmup || 300) }
}

function peakRssKb() {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) : 0
  } catch { return 0 }
}

// BENCH_CONCURRENCY=N (N > 1): N callers, each awaiting its own calls, share the timed calls (N Promises
// in flight on the one client).
function concurrency() {
  const n = Number(process.env.BENCH_CONCURRENCY || 1)
  return n > 1 ? n : 1
}

async function measure(name, calls, warmup, fn) {
  for (let i = 0; i < warmup; i++) await fn(i)
  const n = concurrency()
  const per = Math.ceil(calls / n)
  if (n > 1) { name = `${name}@${n}`; calls = per * n }
  const lat = new Array(calls)
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: n }, async (_, c) => {
    for (let k = 0; k < per; k++) {
      const i = c * per + k
      const t = process.hrtime.bigint()
      await fn(warmup + i)
      lat[i] = Number(process.hrtime.bigint() - t)
    }
  }))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  lat.sort((a, b) => a - b)
  const pct = (p) => lat[Math.max(0, Math.min(lat.length, Math.ceil((lat.length * p) / 100)) - 1)] / 1e3
  console.log(JSON.stringify({ name, calls, seconds, per_second: calls / seconds, p50_us: pct(50), p99_us: pct(99), rss_kb: peakRssKb() }))
}

module.exports = { args, measure }
