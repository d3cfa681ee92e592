// Who is logged in on the portal. GET /me is asked once per page load (and again
// after login, logout or a password change); pages read `session` reactively.

import { reactive } from 'vue'
import { fetchMe, logout as apiLogout } from '@common/auth.js'

export const session = reactive({
  /** 'unknown' until GET /me answered, then 'in' or 'out'; 'error' when the server was unreachable */
  state: 'unknown',
  /** the GET /me answer: {account, member, bindings, permissions} */
  me: null,
  error: '',
})

let pending = null

/** Ask the server who we are (once, unless force). Resolves the /me answer or null. */
export function loadMe({ force = false } = {}) {
  if (pending && !force) return pending
  pending = fetchMe()
    .then((me) => {
      session.me = me
      session.state = me ? 'in' : 'out'
      session.error = ''
      return me
    })
    .catch((e) => {
      session.state = 'error'
      session.error = e.message
      pending = null
      return null
    })
  return pending
}

/** After login, registration or the second factor: take the answer's account, then refresh /me. */
export function loggedIn(answer) {
  session.me = { account: answer.account, member: null, bindings: [], permissions: [] }
  session.state = 'in'
  return loadMe({ force: true })
}

/** Forget the session locally (the server already said it is gone). */
export function forgetSession() {
  session.me = null
  session.state = 'out'
  pending = Promise.resolve(null)
}

export async function logout() {
  try {
    await apiLogout()
  } finally {
    forgetSession()
  }
}
