// Formatting helpers shared by the portal and the console.
// The API sends times as RFC 3339 with +08:00 (e.g. "2024-05-01T09:30:00+08:00") and
// dates as YYYY-MM-DD. People here read Beijing time, whatever the browser's zone is,
// so times are converted to UTC+8 explicitly rather than through the local zone.

const CN_OFFSET_MS = 8 * 60 * 60 * 1000

function pad(n) {
  return n < 10 ? '0' + n : String(n)
}

/** Parse an RFC 3339 string, a Date, or unix seconds into a Date; null if invalid. */
export function parseTime(value) {
  if (value === null || value === undefined || value === '') return null
  let d
  if (value instanceof Date) d = value
  else if (typeof value === 'number') d = new Date(value * 1000)
  else d = new Date(String(value))
  return Number.isNaN(d.getTime()) ? null : d
}

function beijingParts(value) {
  const d = parseTime(value)
  if (!d) return null
  const b = new Date(d.getTime() + CN_OFFSET_MS)
  return {
    y: b.getUTCFullYear(),
    mo: pad(b.getUTCMonth() + 1),
    d: pad(b.getUTCDate()),
    h: pad(b.getUTCHours()),
    mi: pad(b.getUTCMinutes()),
    s: pad(b.getUTCSeconds()),
  }
}

/** "2024-05-01T09:30:00+08:00" → "2024-05-01 09:30" (Beijing time); '' for empty/invalid. */
export function formatDateTime(value) {
  const p = beijingParts(value)
  return p ? `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}` : ''
}

/** → "2024-05-01 09:30:05" */
export function formatDateTimeSeconds(value) {
  const p = beijingParts(value)
  return p ? `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}` : ''
}

/** RFC 3339 time or a YYYY-MM-DD date → "2024-05-01". */
export function formatDate(value) {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const p = beijingParts(value)
  return p ? `${p.y}-${p.mo}-${p.d}` : ''
}

/** → "2024年5月1日" */
export function formatDateCn(value) {
  const s = formatDate(value)
  if (!s) return ''
  const [y, m, d] = s.split('-')
  return `${y}年${Number(m)}月${Number(d)}日`
}

/** A Date (default now) → RFC 3339 with +08:00, as the API expects. */
export function toRfc3339(date = new Date()) {
  const p = beijingParts(date)
  return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}+08:00`
}

/** Money in 分 (integer) → "1,234.50" 元 text, without the unit. */
export function formatYuan(fen) {
  if (fen === null || fen === undefined || Number.isNaN(Number(fen))) return ''
  const n = Number(fen)
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(Math.trunc(n))
  const yuan = Math.floor(abs / 100).toLocaleString('zh-CN')
  return `${sign}${yuan}.${pad(abs % 100)}`
}
