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

/**
 * [{code: "orgs", name: "组织管理", readable}], in the order the permission list gives
 * them; readable when the section has a "*.read" permission (what an API key can use).
 * Two readable sections with the same Chinese label get their codes added, so each
 * reads apart in the API key form (the others are never offered there).
 */
export function sectionsOf(perms) {
  const seen = new Map()
  for (const p of perms) {
    const code = sectionOf(p.code)
    if (!seen.has(code)) seen.set(code, { code, name: p.section || code, readable: false })
    if (/\.read$/.test(p.code)) seen.get(code).readable = true
  }
  const list = [...seen.values()]
  const count = new Map()
  for (const s of list) if (s.readable) count.set(s.name, (count.get(s.name) || 0) + 1)
  for (const s of list) if (s.readable && count.get(s.name) > 1) s.name = `${s.name}（${s.code}）`
  return list
}

/** [{name: "账号与权限", perms: [{code, name, section}]}]: the catalogue by its Chinese section names. */
export function groupBySection(perms) {
  const groups = new Map()
  for (const p of perms) {
    const name = p.section || sectionOf(p.code)
    if (!groups.has(name)) groups.set(name, { name, perms: [] })
    groups.get(name).perms.push(p)
  }
  return [...groups.values()]
}
