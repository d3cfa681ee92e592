// The code tables (性别, 民族, 政治面貌, 学历, 会籍状态 …) from GET /codes, asked once per
// page load and kept. GET /codes needs a session.
//
//   import { loadCodes, codeName, codeItems } from '@common/codes.js'
//   await loadCodes()
//   codeName('education', '21')   // → "大学本科"
//   codeItems('education')        // → [{code: '11', name: '博士研究生'}, …] in the table's order

import { reactive } from 'vue'
import { api } from './api.js'
import { GENDERS, MEMBER_STATUS } from './labels.js'

/** table_id → {name, items: [{code, name}], names: {code: name}}, filled when GET /codes answers. */
export const codeTables = reactive({})

/** Used before the tables arrive, or when they cannot be had. */
const FALLBACK = { gender: GENDERS, member_status: MEMBER_STATUS, yesno: { 1: '是', 0: '否' } }

let pending = null

/** Load the tables (once; again after a failure). Resolves true when they are there, false otherwise. */
export function loadCodes() {
  if (pending) return pending
  pending = api
    .get('/codes')
    .then((answer) => {
      for (const [id, table] of Object.entries(answer || {})) {
        const items = ((table && table.items) || []).map((i) => ({ code: String(i.code), name: i.name }))
        const names = {}
        for (const i of items) names[i.code] = i.name
        codeTables[id] = { name: (table && table.name) || id, items, names }
      }
      return true
    })
    .catch(() => {
      pending = null
      return false
    })
  return pending
}

/** The name of `code` in table `id` ("education", "21" → "大学本科"); the code itself when unknown, '' for none. */
export function codeName(id, code) {
  if (code === null || code === undefined || code === '') return ''
  const key = String(code)
  return codeTables[id]?.names[key] || FALLBACK[id]?.[key] || key
}

/** The table's entries in its own order: [{code, name}]; [] before the tables arrive. */
export function codeItems(id) {
  return codeTables[id]?.items || []
}
