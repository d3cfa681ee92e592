// What the record dialogs (会员信息, 工会登记信息) share: sending a save and showing what
// went wrong, under the field it is about or above the form.
import { reactive, ref } from 'vue'
import { api } from '@common/api.js'

/**
 * Saves `record` (its changes from patchBody(), with the version it was read at) or, when
 * there is none, a new one from createBody(). null: nothing changed, nothing sent.
 */
export async function saveRecord(path, record, patchBody, createBody) {
  if (!record) return api.post(path, createBody())
  const body = patchBody()
  if (Object.keys(body).length === 0) return null
  return api.patch(`${path}/${encodeURIComponent(record.id)}`, { ...body, version: record.version })
}

/** A form's errors: by field (`errors`) and for the whole form (`formError`). */
export function useFormErrors() {
  const errors = reactive({})
  const formError = ref('')

  function clearErrors() {
    for (const k of Object.keys(errors)) delete errors[k]
    formError.value = ''
  }

  /**
   * A failed save. Someone else's change meanwhile shows `staleText` and returns true (the
   * caller reloads the record); an error slot(field) names goes under that field, as `text`;
   * anything else goes above the form.
   */
  function showSaveError(e, staleText, slot, text = e.message) {
    if (e.code === 'stale_version') {
      clearErrors()
      formError.value = staleText
      return true
    }
    const s = e.field ? slot(e.field) : null
    if (s) errors[s] = text
    else formError.value = e.message
    return false
  }

  return { errors, formError, clearErrors, showSaveError }
}
