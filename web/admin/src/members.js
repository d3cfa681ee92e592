// What the member screens share: the fields' Chinese names, how a stored value reads,
// ages, and what a 身份证号 tells before the server has seen it (docs/api/members.md).

import { api } from '@common/api.js'
import { codeName } from '@common/codes.js'
import { formatDate } from '@common/format.js'

/** Member fields in words (the form, the detail and the change history use the same names). */
export const FIELD_NAMES = {
  name: '姓名',
  id_card: '身份证号',
  phone: '手机号',
  gender: '性别',
  birth_date: '出生日期',
  ethnicity: '民族',
  political: '政治面貌',
  education: '学历',
  hukou: '户籍类型',
  migrant: '农民工',
  employment: '就业状态',
  flexible: '灵活就业',
  employer: '工作单位',
  org_id: '所属工会',
  joined_on: '入会日期',
  card_no: '会员证号',
  status: '会籍状态',
}

/** The code table behind each coded field. */
export const CODE_TABLE = {
  gender: 'gender',
  ethnicity: 'ethnicity',
  political: 'political',
  education: 'education',
  hukou: 'hukou',
  employment: 'employment',
  status: 'member_status',
}

/** 年龄段, as GET /members/stats counts them, and the list filter each one means. */
export const AGE_BANDS = [
  { label: '35岁及以下', age_min: null, age_max: 35 },
  { label: '36-45岁', age_min: 36, age_max: 45 },
  { label: '46-55岁', age_min: 46, age_max: 55 },
  { label: '56-60岁', age_min: 56, age_max: 60 },
  { label: '60岁以上', age_min: 61, age_max: null },
]

/** Today in Beijing as YYYY-MM-DD. */
export function today() {
  return formatDate(new Date())
}

/** Whole years from a YYYY-MM-DD birth date to today; null when unknown. */
export function ageOf(birth) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(birth || ''))
  if (!m) return null
  const [ty, tm, td] = today().split('-').map(Number)
  let age = ty - Number(m[1])
  if (tm < Number(m[2]) || (tm === Number(m[2]) && td < Number(m[3]))) age -= 1
  return age >= 0 ? age : null
}

/** The GB 11643-1999 check character of an 18-digit 身份证号's first 17 digits. */
function checkChar(s) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * weights[i]
  return '10X98765432'[sum % 11]
}

/**
 * What an 18-digit 身份证号 says about its holder, read here only to show the cadre
 * (the server decides and checks, and says what is wrong): {gender: 1|2, birth:
 * 'YYYY-MM-DD'}, or null for a number that is not (yet) a whole, well-formed one.
 */
export function idCardFacts(id) {
  const s = String(id || '').trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(s) || checkChar(s) !== s[17]) return null
  const birth = `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`
  const d = new Date(`${birth}T00:00:00Z`)
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== birth) return null
  return { gender: Number(s[16]) % 2 === 1 ? 1 : 2, birth }
}

/** A member field's value in words: code names, 是/否, dates. */
export function valueText(field, value) {
  if (value === null || value === undefined || value === '') return ''
  if (field === 'migrant' || field === 'flexible') {
    return value === true || value === 1 || value === '1' || value === 'true' ? '是' : '否'
  }
  if (CODE_TABLE[field]) return codeName(CODE_TABLE[field], value)
  return String(value)
}

const orgNames = new Map()

/** The name of org `id` (GET /orgs/:id, remembered); "工会编号 N" when it cannot be read. */
export async function orgName(id) {
  const key = String(id)
  if (!orgNames.has(key)) {
    orgNames.set(
      key,
      api
        .get(`/orgs/${encodeURIComponent(key)}`)
        .then((o) => (o && o.name) || `工会编号 ${key}`)
        .catch(() => `工会编号 ${key}`),
    )
  }
  return orgNames.get(key)
}

/** Remember an org's name already at hand (from the tree or a member record). */
export function knowOrg(id, name) {
  if (id && name) orgNames.set(String(id), Promise.resolve(name))
}

const ACTIONS = { create: '登记入会', update: '修改信息', delete: '删除记录', import: '批量导入' }

/** "修改信息" for a history row's action. */
export function actionText(action) {
  return ACTIONS[action] || action || '变更'
}

/**
 * A history row's changes as lines: [{field, label, from, to}] in words,
 * e.g. {label: '学历', from: '大学本科', to: '硕士研究生'}.
 */
export async function changeLines(changes) {
  const out = []
  for (const [field, pair] of Object.entries(changes || {})) {
    const [oldV, newV] = Array.isArray(pair) ? pair : [null, pair]
    let from = valueText(field, oldV)
    let to = valueText(field, newV)
    if (field === 'org_id') {
      from = oldV ? await orgName(oldV) : ''
      to = newV ? await orgName(newV) : ''
    }
    out.push({ field, label: FIELD_NAMES[field] || field, from: from || '（未填写）', to: to || '（未填写）' })
  }
  return out
}
