// The member's applications (docs/api/applications.md): 入会, 转会, the 会籍 changes and 建会,
// how their states look, their deadlines in words, and the lookups the forms share.

import { nextTick } from 'vue'
import { api, withQuery } from '@common/api.js'
import { formatDateCn, parseTime } from '@common/format.js'

/** The five membership types; a person has at most one of them open at a time. */
export const MEMBERSHIP_TYPES = ['join', 'transfer', 'retain', 'leave', 'reactivate']

export const TYPE_NAMES = {
  join: '入会申请',
  transfer: '转会申请',
  retain: '保留会籍',
  leave: '退会申请',
  reactivate: '恢复会籍',
  establish: '建会申请',
}

export const STATE_NAMES = {
  pending: '待审批',
  returned: '退回修改',
  approved: '已通过',
  rejected: '未通过',
  withdrawn: '已撤回',
}

/** Vant tag type and a plain color per state (red is kept for what needs the member's hand). */
export const STATE_TAGS = {
  pending: { type: 'primary', color: '#1f6fd6' },
  returned: { type: 'warning', color: '#e67700' },
  approved: { type: 'success', color: '#1f8a3b' },
  rejected: { type: 'danger', color: '#c8161d' },
  withdrawn: { type: 'default', color: '#7d7e80' },
}

/** 保留会籍's reasons. */
export const RETAIN_REASONS = [
  { value: 'retired', name: '退休' },
  { value: 'laid_off', name: '下岗、失业或待岗' },
  { value: 'other', name: '其他原因' },
]

export function stateName(a) {
  return (a && (a.state_name || STATE_NAMES[a.state])) || ''
}

export function typeName(a) {
  return (a && (a.type_name || TYPE_NAMES[a.type])) || ''
}

export function isOpen(a) {
  return Boolean(a) && (a.state === 'pending' || a.state === 'returned')
}

const DAY_MS = 24 * 60 * 60 * 1000
const CN_OFFSET_MS = 8 * 60 * 60 * 1000

/** Whole Beijing calendar days from today to the day of `t` (0: today, negative: past). */
export function daysUntil(t, now = Date.now()) {
  const d = parseTime(t)
  if (!d) return null
  // due_at is 24:00 of the last day, i.e. the first second of the next: count the day it ends
  const end = Math.floor((d.getTime() - 1000 + CN_OFFSET_MS) / DAY_MS)
  const today = Math.floor((now + CN_OFFSET_MS) / DAY_MS)
  return end - today
}

/** "2025年12月31日前办结" and how far that is: {date, left, overdue}, or null when no deadline runs. */
export function deadline(a, now = Date.now()) {
  if (!a || a.state !== 'pending' || !a.due_at) return null
  const date = formatDateCn(a.due_at - 1)
  const days = daysUntil(a.due_at, now)
  const overdue = Boolean(a.overdue) || (days !== null && days < 0)
  let left = ''
  if (overdue) left = '已超期，正在督办'
  else if (days === 0) left = '今天到期'
  else if (days !== null) left = `还剩 ${days} 天`
  return { date, left, overdue }
}

/** The page where the member fills (or, for a returned one, edits) this type's form. */
export function formRoute(type, resubmitId) {
  const query = resubmitId ? { resubmit: String(resubmitId) } : {}
  if (type === 'join') return { name: 'apply-join', query }
  if (type === 'transfer') return { name: 'apply-transfer', query }
  if (type === 'establish') return { name: 'apply-establish', query }
  return { name: 'apply-membership', query: { ...query, type } }
}

/** GET /employers?q= → the base unions found (at most 20). */
export async function searchEmployers(q) {
  const r = await api.get(withQuery('/employers', { q }))
  return (r && r.items) || []
}

/**
 * The union `orgId` a stored form chose, as the employer picker shows it: found again by the
 * form's employer, else (search failing or not finding it) made up from the form, named `name`.
 */
export async function chosenUnion(f, orgId, name) {
  try {
    const found = await searchEmployers(f.employer_credit_code || f.employer || '')
    const item = found.find((i) => String(i.org_id) === String(orgId))
    if (item) return item
  } catch {
    // what the form says will do
  }
  return { org_id: orgId, name, employer_name: f.employer || '', employer_credit_code: f.employer_credit_code || '' }
}

let divisionsPending = null
/** GET /divisions (once per page load): [{code, name, counties: [{code, name}]}]. */
export function loadDivisions() {
  if (!divisionsPending) {
    divisionsPending = api
      .get('/divisions')
      .then((r) => (Array.isArray(r) ? r : (r && r.items) || []))
      .catch((e) => {
        divisionsPending = null
        throw e
      })
  }
  return divisionsPending
}

/** "西安市 碑林区" for a county code, from the /divisions list; '' when unknown. */
export function divisionName(cities, code) {
  if (!code) return ''
  for (const c of cities || []) {
    for (const k of c.counties || []) if (String(k.code) === String(code)) return `${c.name} ${k.name}`
    if (String(c.code) === String(code)) return c.name
  }
  return ''
}

let typesPending = null
/** GET /application-types (once): {type: {name, steps: [{name, days}]}}; {} when unavailable. */
export function loadTypes() {
  if (!typesPending) {
    typesPending = api
      .get('/application-types')
      .then((r) => {
        const out = {}
        for (const t of (Array.isArray(r) ? r : (r && r.items) || [])) out[t.type] = t
        return out
      })
      .catch(() => {
        typesPending = null
        return {}
      })
  }
  return typesPending
}

/** "一般在 15 个工作日内办结" for a type, '' when unknown. */
export function promiseText(types, type) {
  const t = types && types[type]
  if (!t || !Array.isArray(t.steps) || !t.steps.length) return ''
  const days = t.steps.reduce((s, x) => s + (Number(x.days) || 0), 0)
  return days ? `一般在 ${days} 个工作日内办结` : ''
}

/** The caller's open application of one of `types` (membership ones unless told), if any (first page of GET /applications/mine). */
export async function findOpenApplication(types = MEMBERSHIP_TYPES) {
  const r = await api.get('/applications/mine')
  return ((r && r.items) || []).find((a) => isOpen(a) && types.includes(a.type)) || null
}

/** The id of the open application a 409 application_open names, asking the server when the error does not say. */
export async function openApplicationId(err, types = MEMBERSHIP_TYPES) {
  const e = (err && err.body && err.body.error) || {}
  const id = e.application_id ?? e.current?.id ?? e.open?.id ?? e.id
  if (id) return id
  const named = /编号\s*(\d+)/.exec(err?.message || '')
  if (named) return named[1]
  try {
    const open = await findOpenApplication(types)
    return open ? open.id : null
  } catch {
    return null
  }
}

/** A form body's fields that are not empty (strings trimmed). */
export function compact(obj) {
  const out = {}
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue
    if (typeof v === 'string') {
      const s = v.trim()
      if (s) out[k] = s
    } else out[k] = v
  }
  return out
}

/** The member's own record (GET /me/member), or null when not a member; rejects on other errors. */
export async function fetchMyMember() {
  try {
    return await api.get('/me/member')
  } catch (e) {
    if (e.code === 'not_member' || e.status === 404) return null
    throw e
  }
}

/** Bring the first error message of the page into view (after the DOM shows it). */
export async function showFirstError() {
  await nextTick()
  const el = document.querySelector('.van-field__error-message, .gh-emp__error, .gh-apply__err, .gh-alert')
  if (el && el.scrollIntoView) el.scrollIntoView({ block: 'center', behavior: 'smooth' })
}

/** Go back when there is somewhere to go back to, else to `fallback`. */
export function goBack(router, fallback = '/me') {
  if (window.history.state && window.history.state.back) router.back()
  else router.replace(fallback)
}
