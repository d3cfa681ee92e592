// Member-page and statistics latency against a running server:
//   node bench/members.mjs URL BIG_ORG_ID SMALL_ORG_ID
// Logs in as demo-province, then for a big and a small subtree times the
// first page, pages deep into the walk (following next_cursor), and the
// subtree statistics at the province root. Prints p50/p99 in ms.
import { login } from '../tests/lib/client.mjs'

const [url, big, small, root] = process.argv.slice(2)
const c = await login({ url }, 'demo-province')

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

async function time(path) {
  const t = process.hrtime.bigint()
  const res = await c.get(path)
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`)
  return [Number(process.hrtime.bigint() - t) / 1e6, res.body]
}

async function pages(org, label) {
  const first = []
  const deep = []
  for (let i = 0; i < 100; i++) first.push((await time(`/members?org_id=${org}&limit=20`))[0])
  let cursor = null
  for (let i = 0; i < 200; i++) {
    const [ms, body] = await time(`/members?org_id=${org}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    if (i > 0) deep.push(ms)
    cursor = body.next_cursor
    if (!cursor) break
  }
  console.log(`  ${label.padEnd(28)} first page p50 ${pct(first, 50).toFixed(2)} ms  p99 ${pct(first, 99).toFixed(2)} ms` +
    (deep.length ? `   deep pages p50 ${pct(deep, 50).toFixed(2)} ms  p99 ${pct(deep, 99).toFixed(2)} ms (goal p99 < 10 ms)` : ''))
}

await pages(big, 'big subtree')
await pages(small, 'small subtree (one union)')
const stats = []
for (let i = 0; i < 50; i++) stats.push((await time(`/members/stats?org_id=${root}`))[0])
console.log(`  ${'statistics at the root'.padEnd(28)} p50 ${pct(stats, 50).toFixed(2)} ms  p99 ${pct(stats, 99).toFixed(2)} ms (goal < 50 ms)`)
