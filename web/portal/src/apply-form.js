// What the application forms (我要入会, 我要转会, 会籍变更, 我要建会) do alike: open on a new
// form or, with ?resubmit=ID, on an application the union sent back; hand it in once and
// open it; answer a 409 with the application still open, or the one that changed meanwhile.
// The page's ApplyLayout and ApplySubmit show this state without it being passed down.

import { computed, inject, onMounted, provide, ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { showToast } from 'vant'
import { api } from '@common/api.js'
import { MEMBERSHIP_TYPES, findOpenApplication, openApplicationId, showFirstError } from './applications.js'

const APPLY_FORM = Symbol('apply form')

/**
 * load(): the page's own loading, resolving the state to show ('form', 'open', 'not_returned'
 *   or one of the page's own); a rejection shows its message with 重试.
 * errors: the form's reactive {field: message}.
 * fieldOf(e): the field a server error is shown under (e.field unless the page knows better).
 * refused(e): the page's own answer to an error code, {kind, message, …}, or null.
 * reveal(): brings the error into view after a failed hand-in.
 * openTypes: the kinds of application of which one at a time may be open.
 */
export function useApplyForm({
  load,
  errors,
  fieldOf = (e) => e.field,
  refused = () => null,
  reveal = showFirstError,
  openTypes = MEMBERSHIP_TYPES,
}) {
  const route = useRoute()
  const router = useRouter()

  const resubmitId = computed(() => (route.query.resubmit ? String(route.query.resubmit) : ''))
  const state = ref('loading') // loading | form | open | not_returned | error | the page's own
  const loadError = ref('')
  const original = ref(null) // the returned application being edited
  const openApp = ref(null)
  const formError = ref('')
  const conflict = ref(null) // {kind: 'application_open' | 'stale' | the page's own, message, id}
  const busy = ref(false)

  async function reload() {
    state.value = 'loading'
    try {
      state.value = await load()
    } catch (e) {
      loadError.value = e.message
      state.value = 'error'
    }
  }
  onMounted(reload)

  /** The application ?resubmit= names if the union sent it back and it is one of `types`, else null. */
  async function fetchReturned(types) {
    const a = await api.get(`/applications/${encodeURIComponent(resubmitId.value)}`)
    original.value = a
    return a.state === 'returned' && types.includes(a.type) ? a : null
  }

  /** Whether the caller has an application open already (openApp then names it). */
  async function hasOpen() {
    openApp.value = await findOpenApplication(openTypes)
    return Boolean(openApp.value)
  }

  function clearErrors() {
    for (const k of Object.keys(errors)) errors[k] = ''
    formError.value = ''
    conflict.value = null
  }

  async function conflictOf(e) {
    if (e.code === 'application_open') {
      return { kind: 'application_open', message: e.message, id: await openApplicationId(e, openTypes) }
    }
    if (e.code === 'stale_application' || e.code === 'invalid_action') {
      return { kind: 'stale', message: e.message, id: resubmitId.value }
    }
    return refused(e)
  }

  /** Hand in a new application of `type` (toast `done`) or the returned one again, then open it. */
  async function send(type, body, done) {
    if (busy.value) return // the first tap is still on its way
    busy.value = true
    try {
      let a
      if (resubmitId.value) {
        a = await api.post(`/applications/${encodeURIComponent(resubmitId.value)}/actions`, {
          action: 'resubmit',
          version: original.value?.version,
          form: body,
        })
        showToast({ message: '已重新提交', className: 'gh-toast' })
      } else {
        a = await api.post('/applications', { type, ...body })
        showToast({ message: done, className: 'gh-toast' })
      }
      router.replace({ name: 'application', params: { id: String(a.id) } })
    } catch (e) {
      conflict.value = (await conflictOf(e)) || null
      if (!conflict.value) {
        const field = fieldOf(e)
        if (field && field in errors) errors[field] = e.message
        else formError.value = e.message
      }
      reveal()
    } finally {
      busy.value = false
    }
  }

  const page = {
    resubmitId,
    state,
    loadError,
    original,
    openApp,
    formError,
    conflict,
    busy,
    reload,
    fetchReturned,
    hasOpen,
    clearErrors,
    send,
  }
  provide(APPLY_FORM, page)
  return page
}

/** The useApplyForm() of the page this component is on. */
export function injectApplyForm() {
  return inject(APPLY_FORM)
}
