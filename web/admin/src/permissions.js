// GET /permissions, once per page load: [{code, name, section}].
import { api } from '@common/api.js'

let pending = null

export function loadPermissions() {
  if (!pending) {
    pending = api
      .get('/permissions')
      .then((r) => (r && r.items) || [])
      .catch((e) => {
        pending = null
        throw e
      })
  }
  return pending
}

/** The part of a permission code before the dot: "orgs.read" → "orgs". */
export function sectionOf(code) {
  const s = String(code || '')
  const i = s.indexOf('.')
  return i > 0 ? s.slice(0, i) : s
}

/** [{code: "orgs", name: "组织"}], in the order the permission list gives them. */
export function sectionsOf(perms) {
  const seen = new Map()
  for (const p of perms) {
    const code = sectionOf(p.code)
    if (!seen.has(code)) seen.set(code, { code, name: p.section || code })
  }
  return [...seen.values()]
}
