'use strict'
// Node's ways to use several threads or processes (issue 14). worker_threads: each worker loads the addon
// in its own environment and builds its own client (objects cannot cross threads); all share one process,
// so the sandbox of the main thread answers them. cluster: workers are new Node processes (fork + exec),
// so nothing of the primary's pool reaches them; they build their own clients from the configuration.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { spawn } = require('node:child_process')
const payup = require('..')
const { order } = require('./helpers')

const sandbox = new payup.Sandbox()
test.after(() => sandbox.close())

const pkg = path.join(__dirname, '..')

const approveScript = (each) => `
  const payup = require(${JSON.stringify(pkg)})
  const { order, keyin } = require(${JSON.stringify(path.join(__dirname, 'helpers.js'))})
  async function run(config, index) {
    const client = new payup.Client(config)
    const out = []
    for (let i = 0; i < ${each}; i++) {
      const o = order('W' + index + '-')
      const amount = 1000 + index * 1000 + i
      try {
        const r = await client.payupKeyinApprove(keyin(o, undefined, amount))
        out.push({ o, amount, answeredOrder: r.orderNumber, answeredAmount: r.amount, id: r.transactionId })
      } catch (e) {
        out.push({ o, amount, error: String(e.code) + ' ' + e.message })
      }
    }
    return out
  }
`

function check(results, count) {
  assert.equal(results.length, count)
  for (const r of results) {
    assert.equal(r.error, undefined, r.error)
    assert.deepEqual([r.answeredOrder, r.answeredAmount], [r.o, r.amount])
  }
  const ids = new Set(results.map((r) => r.id))
  for (const t of sandbox.transactions().filter((t) => ids.has(t.id))) {
    assert.equal(t.status, 'approved')
  }
}

test('worker_threads: four workers with clients of their own, against the main thread\'s sandbox', async () => {
  const config = sandbox.clientConfig()
  const workers = [0, 1, 2, 3].map((index) => new Promise((resolve, reject) => {
    const w = new Worker(approveScript(25) + `
      const { parentPort, workerData } = require('node:worker_threads')
      run(workerData.config, workerData.index).then((r) => parentPort.postMessage(r))
    `, { eval: true, workerData: { config, index } })
    w.once('message', resolve)
    w.once('error', reject)
  }))
  const results = (await Promise.all(workers)).flat()
  check(results, 100)
})

test('worker_threads ended while their calls are in flight: the process goes on, later calls work', async () => {
  // The calls' threads outlive the workers' environments: their completions must find the environment gone
  // and drop the result (src/pool.rs), not touch freed memory.
  const config = sandbox.clientConfig()
  sandbox.armFault('payup.keyin.approve', 'delay', { delayMs: 1500, times: 4 })
  const exits = [0, 1, 2, 3].map(() => new Promise((resolve, reject) => {
    const w = new Worker(`
      const payup = require(${JSON.stringify(pkg)})
      const { parentPort, workerData } = require('node:worker_threads')
      const { order, keyin } = require(${JSON.stringify(path.join(__dirname, 'helpers.js'))})
      const client = new payup.Client(workerData)
      client.payupKeyinApprove(keyin(order('WT'))).catch(() => {})
      parentPort.postMessage('started')
    `, { eval: true, workerData: config })
    w.once('message', () => setTimeout(() => w.terminate(), 200))
    w.once('error', reject)
    w.once('exit', resolve)
  }))
  await Promise.all(exits)
  // Past the delay: every held call has answered into a gone environment.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const o = order('AFTER')
  const r = await sandbox.client().payupKeyinApprove(require('./helpers').keyin(o))
  assert.equal(r.orderNumber, o)
})

test('cluster-style worker processes (fork + exec of node): each its own client', async () => {
  // A client used first in the primary: its pool never reaches the workers, which are new processes.
  const client = sandbox.client()
  await client.payupKeyinApprove(require('./helpers').keyin(order('PRIMARY')))
  const config = JSON.stringify(sandbox.clientConfig())
  const runs = [0, 1].map((index) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', approveScript(25) + `
      run(JSON.parse(process.env.PAYUP_TEST_CONFIG), ${index}).then((r) => process.stdout.write(JSON.stringify(r)))
    `], { env: { ...process.env, PAYUP_TEST_CONFIG: config }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))))
  }))
  check((await Promise.all(runs)).flat(), 50)
})
