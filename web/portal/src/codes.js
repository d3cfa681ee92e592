// The code tables (性别, 民族, 政治面貌, 学历, 会籍状态 …) from GET /codes, asked once per
// page load and kept: {table_id: {name, items: [{code, name}]}}. GET /codes needs a session.

import { reactive } from 'vue'
import { api } from '@common/api.js'

/** table_id → (code → name), filled when GET /codes answers. */
export const codes = reactive({})

let pending = null

/** Load the tables (once; again after a failure). Resolves true when they are there. */
export function loadCodes() {
  if (pending) return pending
  pending = api
    .get('/codes')
    .then((answer) => {
      for (const [id, table] of Object.entries(answer || {})) {
        const names = {}
        for (const item of (table && table.items) || []) names[item.code] = item.name
        codes[id] = names
      }
      return true
    })
    .catch(() => {
      pending = null
      return false
    })
  return pending
}

/**
 * The name of `code` in table `id`, e.g. codeName('ethnicity', '01') → "汉族".
 * Before the tables arrive (or for a code they lack) the fallback map is used, then the code itself.
 */
export function codeName(id, code, fallback = {}) {
  if (code === null || code === undefined || code === '') return ''
  const key = String(code)
  return codes[id]?.[key] || fallback[key] || key
}
