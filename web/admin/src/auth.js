// Who is logged in on the console: the GET /me answer, and what its permissions allow.

import { reactive } from 'vue'
import { fetchMe, logout as apiLogout } from '@common/auth.js'

export const auth = reactive({
  /** {account, member, bindings, permissions} or null */
  me: null,
  /** true once GET /me has answered in this page load */
  loaded: false,
  /** why the password must change: 'initial' (a new account) or 'expired' (the server's 403 on an old password) */
  passwordReason: 'initial',
})

let pending = null

/** permissions may come as codes or as {code, …}: keep the codes. */
function permissionCodes(me) {
  const list = (me && me.permissions) || []
  return list.map((p) => (typeof p === 'string' ? p : p && p.code)).filter(Boolean)
}

/** GET /me once (again with force). Resolves the answer, or null when not logged in. */
export function loadMe({ force = false } = {}) {
  if (pending && !force) return pending
  pending = fetchMe()
    .then((me) => {
      if (me) me.permissions = permissionCodes(me)
      if (me && me.account && me.account.must_change_password) auth.passwordReason = 'initial'
      auth.me = me
      auth.loaded = true
      return me
    })
    .catch((e) => {
      pending = null
      throw e
    })
  return pending
}

export function hasPerm(code) {
  if (!code) return true
  return Boolean(auth.me && auth.me.permissions && auth.me.permissions.includes(code))
}

export function mustChangePassword() {
  return Boolean(auth.me && auth.me.account && auth.me.account.must_change_password)
}

/** The session is gone (401): forget it here too. */
export function forget() {
  auth.me = null
  auth.loaded = true
  auth.passwordReason = 'initial'
  pending = Promise.resolve(null)
}

export async function logout() {
  try {
    await apiLogout()
  } finally {
    forget()
  }
}
