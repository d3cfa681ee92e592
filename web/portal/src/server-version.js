import { ref } from 'vue'
import { api } from '@common/api.js'

/**
 * The server's version, fetched once per page load from GET /api/v1/version.
 * state: 'loading' | 'ok' | 'error'.
 */
const state = ref('loading')
const version = ref(null)
let pending = null

export function useServerVersion() {
  if (!pending) {
    pending = api
      .get('/version')
      .then((v) => {
        if (!v || typeof v.version !== 'string') throw new Error('bad version body')
        version.value = v
        state.value = 'ok'
      })
      .catch(() => {
        state.value = 'error'
        pending = null // try again on the next page that asks
      })
  }
  return { state, version }
}
