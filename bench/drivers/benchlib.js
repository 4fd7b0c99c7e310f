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

// One line from stdin, blocking (the event loop has nothing else to do between batches); null at its end.
function readLine() {
  const buf = Buffer.alloc(1)
  let line = ''
  for (;;) {
    let n
    try { n = fs.readSync(0, buf, 0, 1, null) } catch (e) { if (e.code === 'EAGAIN') continue; throw e }
    if (n === 0) return line.length ? line : null
    if (buf[0] === 10) return line
    line += String.fromCharCode(buf[0])
  }
}

// BENCH_PAIRED=1: batches on demand for bench/paired.py: `ready`, then per line on stdin CALLS timed calls and
// `batch SECONDS`; the report line covers every timed call (bench/README.md, "How the ratios are measured").
async function measurePaired(name, calls, warmup, fn) {
  for (let i = 0; i < warmup; i++) await fn(i)
  fs.writeSync(1, 'ready\n')
  const lat = []
  let timed = 0n
  let next = warmup
  while (readLine() !== null) {
    const start = process.hrtime.bigint()
    for (let i = next; i < next + calls; i++) {
      const t = process.hrtime.bigint()
      await fn(i)
      lat.push(Number(process.hrtime.bigint() - t))
    }
    const batch = process.hrtime.bigint() - start
    timed += batch
    next += calls
    fs.writeSync(1, `batch ${Number(batch) / 1e9}\n`)
  }
  report(name, lat, Number(timed) / 1e9)
}

function report(name, lat, seconds) {
  lat.sort((a, b) => a - b)
  const pct = (p) => lat[Math.max(0, Math.min(lat.length, Math.ceil((lat.length * p) / 100)) - 1)] / 1e3
  const calls = lat.length
  console.log(JSON.stringify({ name, calls, seconds, per_second: calls / seconds, p50_us: pct(50), p99_us: pct(99), rss_kb: peakRssKb() }))
}

async function measure(name, calls, warmup, fn) {
  if (process.env.BENCH_PAIRED === '1') return measurePaired(name, calls, warmup, fn)
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
  report(name, lat, Number(process.hrtime.bigint() - start) / 1e9)
}

module.exports = { args, measure }
