// The union tree as the console reads it: roots (the orgs the cadre may see at the top)
// and, lazily, each org's children. Used by 组织管理 and by every org picker.

import { api, withQuery } from '@common/api.js'

const MAX_CHILDREN = 2000

function itemsOf(answer) {
  if (Array.isArray(answer)) return answer
  return (answer && answer.items) || []
}

async function allPages(path) {
  let items = []
  let cursor = null
  for (;;) {
    const r = await api.get(withQuery(path, { cursor, limit: 200 }))
    items = items.concat(itemsOf(r))
    cursor = r && !Array.isArray(r) ? r.next_cursor : null
    if (!cursor || items.length >= MAX_CHILDREN) return items
  }
}

/** GET /orgs/roots (parentId null) or /orgs/:id/children: [{id, name, level, type, division_code, status, has_children}]. */
export function fetchOrgChildren(parentId) {
  return allPages(parentId ? `/orgs/${encodeURIComponent(parentId)}/children` : '/orgs/roots')
}

/** el-tree / el-tree-select props for org rows. */
export const orgTreeProps = {
  label: 'name',
  children: 'children',
  isLeaf: (data) => data.has_children === false,
}

/* ---- the union record (docs/api/orgs.md) ---- */

/** The record's fields in words: the form, the detail and the change history use the same names. */
export const ORG_FIELDS = {
  name: '工会名称',
  type: '工会类型',
  level: '级别',
  parent_id: '上级工会',
  division_code: '所在区县',
  industry: '行业',
  unit_type: '单位类别',
  address: '单位地址',
  founded_on: '成立日期',
  staff_count: '职工人数',
  female_count: '女职工人数',
  migrant_count: '农民工人数',
  chair_name: '工会主席',
  chair_phone: '主席电话',
  contact_name: '联系人',
  contact_phone: '联系人电话',
  legal_code: '法人资格证代码',
  status: '状态',
  employer_name: '单位名称',
  employer_credit_code: '统一社会信用代码',
  employer_org_code: '组织机构代码',
  employers: '所覆盖的单位',
  reason: '撤销原因',
  into_id: '并入的工会',
  from_id: '并入本会的工会',
  members: '随之转移的会员',
}

/** History lines' actions in words. */
const HISTORY_ACTIONS = {
  create: '新建工会',
  update: '修改登记信息',
  move: '移动到其他上级工会',
  merge_in: '其他工会并入本会',
  merge_out: '并入其他工会',
  dissolve: '撤销工会',
}

export function historyActionText(action) {
  return HISTORY_ACTIONS[action] || action || '变更'
}

/** The two kinds of base union a cadre files. */
export const BASE_TYPES = { base: '单独基层工会', joint: '联合基层工会' }

/** Unions that came with the administrative divisions (省、市、县区总工会): they do not move or end. */
export function isSeeded(org) {
  return Boolean(org) && org.type === 'regional' && ['province', 'city', 'county'].includes(org.level)
}

const orgNames = new Map()

/** An org's name (GET /orgs/:id, remembered); null when it cannot be read (e.g. outside the cadre's part of the tree). */
export function orgNameOf(id) {
  if (id === null || id === undefined || id === '') return Promise.resolve(null)
  const key = String(id)
  if (!orgNames.has(key)) {
    orgNames.set(
      key,
      api
        .get(`/orgs/${encodeURIComponent(key)}`)
        .then((o) => (o && o.name) || null)
        .catch(() => {
          orgNames.delete(key)
          return null
        }),
    )
  }
  return orgNames.get(key)
}

/** Remember an org's name already at hand. */
export function knowOrgName(id, name) {
  if (id && name) orgNames.set(String(id), Promise.resolve(name))
}
