// The 待办 inbox and concurrent approvals against a running server:
//   node bench/applications.mjs URL REVIEW_ORG_ID REVIEWERS
// 1. First-page latency of the inbox for the 西安 city cadre (demo-xian) and for a
//    base union's cadre (demo-base), p50/p99.
// 2. REVIEWERS sessions of the 西安 cadre approve the pending applications of the union
//    REVIEW_ORG_ID at once, each picking at random from the first page it sees, until
//    none is left. Prints approvals per second, the 409s (someone else was first), and
//    any other answer as an error. Exits 1 when an approval was lost or doubled.
import { login } from '../tests/lib/client.mjs'

const [url, reviewOrg, reviewersArg] = process.argv.slice(2)
const srv = { url }
const reviewers = Number(reviewersArg || 32)

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

async function firstPage(who, label) {
  const c = await login(srv, who)
  const times = []
  let total = 0
  for (let i = 0; i < 200; i++) {
    const t = process.hrtime.bigint()
    const res = await c.get('/applications/inbox?limit=20')
    if (res.status !== 200) throw new Error(`inbox: ${res.status} ${JSON.stringify(res.body)}`)
    times.push(Number(process.hrtime.bigint() - t) / 1e6)
    total = res.body.total
  }
  console.log(`  ${label.padEnd(34)} first page p50 ${pct(times, 50).toFixed(2)} ms  p99 ${pct(times, 99).toFixed(2)} ms  (${total} pending in scope; goal p99 < 20 ms)`)
}

await firstPage('demo-xian', 'city cadre (西安市总工会)')
await firstPage('demo-base', 'base union cadre')

const sessions = await Promise.all(Array.from({ length: reviewers }, () => login(srv, 'demo-xian')))
const before = (await sessions[0].get(`/applications/inbox?org_id=${reviewOrg}&limit=1`)).body.total
let ok = 0
let conflicts = 0
const errors = []
const approved = new Set()
const t0 = process.hrtime.bigint()
await Promise.all(
  sessions.map(async (c) => {
    for (;;) {
      const page = await c.get(`/applications/inbox?org_id=${reviewOrg}&limit=${reviewers}`)
      if (page.status !== 200) throw new Error(`inbox: ${page.status}`)
      const items = page.body.items
      if (!items.length) return
      const a = items[Math.floor(Math.random() * items.length)]
      const res = await c.post(`/applications/${a.id}/actions`, { action: 'approve', version: a.version })
      if (res.status === 200) {
        ok++
        if (approved.has(a.id)) errors.push(`approved twice: ${a.id}`)
        approved.add(a.id)
      } else if (res.status === 409) conflicts++
      else errors.push(`${res.status} ${JSON.stringify(res.body)}`)
    }
  }),
)
const secs = Number(process.hrtime.bigint() - t0) / 1e9
const left = (await sessions[0].get(`/applications/inbox?org_id=${reviewOrg}&limit=1`)).body.total
console.log(`  ${reviewers} reviewers approved ${ok} of ${before} in ${secs.toFixed(1)} s: ${(ok / secs).toFixed(0)} approvals/s; ${conflicts} answered 409 (another reviewer was first), ${errors.length} errors, ${left} left`)
for (const e of errors.slice(0, 5)) console.log(`    error: ${e}`)
if (ok !== before || left !== 0 || errors.length) {
  console.log('  FAILED: an approval was lost or doubled')
  process.exit(1)
}
