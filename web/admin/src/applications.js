// What the approval screens share (docs/api/applications.md): the names of states and
// actions, the form fields in words, the pending count behind the 待办 badge, and how a
// deadline reads ("剩3个工作日", "已超期2天") with the working-day calendar.

import { reactive } from 'vue'
import { api, withQuery } from '@common/api.js'
import { codeName } from '@common/codes.js'
import { formatDate } from '@common/format.js'
import { isLegalType, legalRows } from './legal.js'

export const STATES = {
  pending: '待审批',
  returned: '退回修改',
  approved: '已通过',
  rejected: '未通过',
  withdrawn: '已撤回',
}

/** el-tag type of each state. */
export const STATE_TAGS = {
  pending: 'warning',
  returned: 'info',
  approved: 'success',
  rejected: 'danger',
  withdrawn: 'info',
}

/** The reviewer's actions, in the order the buttons stand. */
export const ACTIONS = {
  approve: '通过',
  reject: '不通过',
  return: '退回修改',
  transfer: '转交其他工会',
  escalate: '上报上级工会',
}

/** Timeline entries whose action_name the server left out. */
const TIMELINE_ACTIONS = {
  submit: '提交申请',
  approve: '审批通过',
  reject: '审批不通过',
  return: '退回修改',
  resubmit: '重新提交',
  withdraw: '撤回申请',
  transfer: '转交其他工会',
  escalate: '上报上级工会',
  overdue: '超期自动上报',
}

export function timelineActionText(t) {
  return t.action_name || TIMELINE_ACTIONS[t.action] || t.action
}

/** Application form fields in words, in the order the detail page shows them. */
export const FORM_FIELDS = {
  employer: '工作单位',
  employer_credit_code: '单位统一社会信用代码',
  from_org_id: '转出工会',
  org_id: '申请加入的工会',
  division_code: '工作地（县区）',
  id_card: '身份证号',
  phone: '手机号',
  political: '政治面貌',
  education: '学历',
  ethnicity: '民族',
  hukou: '户籍类型',
  employment: '就业状态',
  migrant: '农民工',
  flexible: '灵活就业',
  reason: '申请理由',
  comment: '说明',
}

const FORM_CODE_TABLES = {
  political: 'political',
  education: 'education',
  ethnicity: 'ethnicity',
  hukou: 'hukou',
  employment: 'employment',
}

/** 保留会籍 reasons. */
const RETAIN_REASONS = { retired: '退休', laid_off: '下岗、失业', other: '其他原因' }

/** A form value in words: code names, 是/否. */
export function formValueText(type, field, value) {
  if (value === null || value === undefined || value === '') return ''
  if (field === 'migrant' || field === 'flexible') {
    return value === true || value === 1 || value === '1' || value === 'true' ? '是' : '否'
  }
  if (FORM_CODE_TABLES[field]) return codeName(FORM_CODE_TABLES[field], value)
  if (type === 'retain' && field === 'reason') return RETAIN_REASONS[value] || String(value)
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** The label of a form field (保留会籍's reason is a choice, not a letter). */
export function formFieldLabel(type, field) {
  if (type === 'retain' && field === 'reason') return '保留会籍原因'
  if (type === 'transfer' && (field === 'org_id' || field === 'target_org_id')) return '转入工会'
  if (type === 'transfer' && field === 'employer') return '新工作单位'
  return FORM_FIELDS[field] || field
}

/** Fields the server stores under another name: shown as the field they stand for. */
const FORM_ALIASES = { target_org_id: 'org_id' }

/** 建会申请's form (type establish) in words, in the order the detail page shows it. */
export const ESTABLISH_FIELDS = {
  union_name: '拟建工会名称',
  employer_name: '单位名称',
  employer_credit_code: '统一社会信用代码',
  employer_org_code: '组织机构代码',
  division_code: '所在区县',
  industry: '行业',
  unit_type: '单位类别',
  address: '单位地址',
  staff_count: '职工人数',
  female_count: '女职工人数',
  migrant_count: '农民工人数',
  chair_name: '筹备负责人',
  chair_phone: '负责人电话',
  contact_name: '联系人',
  contact_phone: '联系人电话',
  reason: '建会说明',
}

function establishRows(form, divisions) {
  const f = form || {}
  const rows = []
  for (const [field, label] of Object.entries(ESTABLISH_FIELDS)) {
    const v = f[field]
    if (v === null || v === undefined || v === '') continue
    let text = String(v)
    if (field === 'industry' || field === 'unit_type') text = codeName(field, v)
    else if (field === 'division_code') {
      const name = f.division_name || (divisions && divisions.get(String(v)))
      text = name ? `${name}（${v}）` : String(v)
    } else if (field.endsWith('_count')) text = `${v} 人`
    rows.push({ field, label, text, long: field === 'reason' })
  }
  return rows
}

/**
 * [{field, label, text, long}] of a form, known fields first in their order. An id that
 * comes with its name ("target_org_id" and "target_org_name") shows the name; other ids
 * and codes without a Chinese label are left out.
 */
export function formRows(type, form, { divisions = null } = {}) {
  if (type === 'establish') return establishRows(form, divisions)
  if (isLegalType(type)) return legalRows(type, form)
  const f = { ...(form || {}) }
  if (f.division_code && !f.division_name && divisions && divisions.has(String(f.division_code))) {
    f.division_name = divisions.get(String(f.division_code))
  }
  const keys = Object.keys(f)
  const order = Object.keys(FORM_FIELDS)
  const rank = (k) => {
    const i = order.indexOf(FORM_ALIASES[k] || k)
    return i < 0 ? order.length : i
  }
  const rows = []
  const seen = new Set()
  for (const k of keys.slice().sort((a, b) => rank(a) - rank(b))) {
    if (k.endsWith('_name')) continue
    // the union as sent (org_id) and as checked (target_org_id): the checked one, once
    if (k === 'org_id' && 'target_org_id' in f) continue
    const base = FORM_ALIASES[k] || k
    if (seen.has(base)) continue
    const named = k.endsWith('_id') || k.endsWith('_code') ? f[k.replace(/_(id|code)$/, '_name')] : null
    // a bare id means nothing to a reader
    if (!named && k.endsWith('_id')) continue
    if (!FORM_FIELDS[base] && !named && k.endsWith('_code')) continue
    seen.add(base)
    let text = formValueText(type, base, f[k])
    if (named) text = k.endsWith('_code') ? `${named}（${f[k]}）` : named
    if (text === '') continue
    let label = formFieldLabel(type, k)
    if (label === k) label = formFieldLabel(type, base)
    rows.push({ field: base, label, text, long: base === 'reason' || base === 'comment' })
  }
  return rows
}

let divisionNames = null

/** code → "西安市 碑林区" for Shaanxi's cities and counties (GET /divisions, asked once). */
export function loadDivisions() {
  if (!divisionNames) {
    divisionNames = api
      .get('/divisions')
      .then((r) => {
        const names = new Map()
        for (const city of (Array.isArray(r) ? r : (r && r.items) || [])) {
          names.set(String(city.code), city.name)
          for (const c of city.counties || []) names.set(String(c.code), `${city.name} ${c.name}`)
        }
        return names
      })
      .catch(() => {
        divisionNames = null
        return new Map()
      })
  }
  return divisionNames
}

/* ---- the pending count behind the 待办 badge ---- */

export const inbox = reactive({ total: null, overdue: null })

let countSeq = 0

/** Ask the server how many applications wait (the 待办 badge and tabs); never throws. */
export async function refreshInboxCount() {
  const mine = ++countSeq
  try {
    const r = await api.get(withQuery('/applications/inbox', { limit: 1 }), { quiet: true })
    if (mine !== countSeq) return
    inbox.total = r?.total ?? null
    inbox.overdue = r?.overdue ?? null
  } catch {
    /* the badge simply stays as it was */
  }
}

/** A list answer carries the counts too: keep the badge in step with it. */
export function noteInboxCounts(answer) {
  if (!answer) return
  countSeq++
  if (typeof answer.total === 'number') inbox.total = answer.total
  if (typeof answer.overdue === 'number') inbox.overdue = answer.overdue
}

/* ---- working days ---- */

const calendars = new Map() // year → Promise<Map(date → 'off' | 'work')>

/** The holiday list of a year (GET /holidays), asked once per page load. */
export function loadHolidays(year) {
  const y = Number(year)
  if (!calendars.has(y)) {
    calendars.set(
      y,
      api
        .get(withQuery('/holidays', { year: y }))
        .then((r) => new Map(((r && r.days) || []).map((d) => [d.date, d.kind])))
        .catch(() => {
          calendars.delete(y)
          return new Map()
        }),
    )
  }
  return calendars.get(y)
}

/** Forget a year's list (after 节假日设置 saved it). */
export function forgetHolidays(year) {
  calendars.delete(Number(year))
}

/** The holiday lists of every year from `from` to `to` (YYYY-MM-DD), merged. */
export async function calendarFor(from, to) {
  const y0 = Number(String(from).slice(0, 4))
  const y1 = Number(String(to).slice(0, 4))
  const merged = new Map()
  if (!y0 || !y1) return merged
  const years = []
  for (let y = y0; y <= y1 && years.length < 3; y++) years.push(y)
  for (const m of await Promise.all(years.map(loadHolidays))) for (const [d, k] of m) merged.set(d, k)
  return merged
}

function addDays(ymd, n) {
  const [y, m, d] = ymd.split('-').map(Number)
  const t = new Date(Date.UTC(y, m - 1, d + n))
  return t.toISOString().slice(0, 10)
}

/** A working day: Monday to Friday unless a holiday, or a weekend day made a 调休 working day. */
export function isWorkday(ymd, cal) {
  const kind = cal && cal.get(ymd)
  if (kind === 'off') return false
  if (kind === 'work') return true
  const [y, m, d] = ymd.split('-').map(Number)
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay()
  return wd !== 0 && wd !== 6
}

/** The Beijing date on which a deadline (unix seconds, 24:00 of its last day) falls. */
export function dueDate(dueAt) {
  // 24:00 is the next day's 00:00: one second earlier is still the last working day
  return formatDate(Number(dueAt) - 1)
}

/**
 * How a pending application's deadline reads:
 * {text: "剩3个工作日" | "今天到期" | "已超期2天", level: 'ok' | 'soon' | 'overdue'};
 * null when it has none (not pending). `cal` is the holiday calendar from calendarFor().
 */
export function deadlineInfo(app, cal, now = Date.now()) {
  if (!app || app.due_at === null || app.due_at === undefined) return null
  const due = Number(app.due_at) * 1000
  if (app.overdue || now >= due) {
    const days = Math.max(1, Math.ceil((now - due) / 86400e3))
    return { text: `已超期${days}天`, level: 'overdue' }
  }
  const today = formatDate(new Date(now))
  const last = dueDate(app.due_at)
  if (last <= today) return { text: '今天到期', level: 'soon' }
  let n = 0
  for (let d = today; d <= last && n < 400; d = addDays(d, 1)) if (isWorkday(d, cal)) n++
  return { text: `剩${n}个工作日`, level: n <= 3 ? 'soon' : 'ok' }
}

/** The fresh application an error answer carries (409 stale_application / invalid_action). */
export function currentOf(err) {
  return err?.body?.error?.current || null
}

/** True for the answers that mean "someone else has already dealt with it". */
export function isTakenElsewhere(err) {
  return err?.status === 409 && (err.code === 'stale_application' || err.code === 'invalid_action')
}
