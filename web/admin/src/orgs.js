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
