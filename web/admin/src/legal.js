// 工会法人资格 (docs/api/orgs.md, "Legal-person registration"): the five application types,
// the certificate's states, and the fields of their forms in words, for the union record's
// 法人资格 tab and the application detail.

/** The application types, in the order the 法人资格 tab offers them. */
export const LEGAL_KINDS = {
  legal_register: {
    name: '法人资格登记',
    button: '申请法人资格登记',
    when: '工会还没有法人资格证书，或原证书已注销时办理。',
    materials: '选举结果或上级工会批复，以及工会主席和经办人的身份证明，至少 2 份',
    min: 2,
  },
  legal_change: {
    name: '变更登记',
    button: '变更登记',
    when: '工会名称、住所或法定代表人（主席）变了，在变更之日起 30 日内办理。',
    materials: '变更事项的证明材料（如换届选举结果、上级批复），至少 1 份',
    min: 1,
  },
  legal_renew: {
    name: '换领证书',
    button: '换领证书',
    when: '工会委员会换届、证书有效期将满时办理，领取新一届任期的证书。',
    materials: '换届选举结果或上级工会批复，至少 1 份',
    min: 1,
  },
  legal_reissue: {
    name: '补领证书',
    button: '补领证书',
    when: '证书遗失或损坏时办理，补发新证书，原证书作废。',
    materials: '遗失声明（或损坏的证书照片），至少 1 份',
    min: 1,
  },
  legal_cancel: {
    name: '注销法人资格',
    button: '注销法人资格',
    when: '工会撤销、合并等不再具备法人资格时办理；经费、资产和债权债务须先清理完毕。',
    materials: '经费、资产和债权债务的清理报告，至少 1 份',
    min: 1,
  },
}

export function isLegalType(type) {
  return Boolean(type && LEGAL_KINDS[type])
}

/** A certificate's state as the page shows it: {text, tag} (el-tag type). */
export function certState(cert) {
  if (!cert) return { text: '未登记', tag: 'info' }
  if (cert.valid) return { text: '有效', tag: 'success' }
  if (cert.status === 'valid') return { text: cert.status_name || '不在有效期内', tag: 'warning' }
  if (cert.status === 'replaced') return { text: cert.status_name || '已换发新证', tag: 'info' }
  return { text: cert.status_name || '已注销', tag: 'danger' }
}

/** True when the union holds a certificate in force (changes, renewal, reissue and cancellation need one). */
export function hasCertInForce(cert) {
  return Boolean(cert && cert.status === 'valid')
}

/** "2026-01-01 至 2030-12-31" */
export function termText(from, to) {
  if (!from && !to) return ''
  return `${from || '—'} 至 ${to || '—'}`
}

/** A file size in words: "12.5 KB", "3.2 MB". */
export function sizeText(bytes) {
  const n = Number(bytes)
  if (!Number.isFinite(n) || n < 0) return ''
  if (n < 1024) return `${n} 字节`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

const CLEARED = { funds_cleared: '经费', assets_cleared: '资产', debts_cleared: '债权债务' }

/**
 * The rows of a legal-person application's form: [{field, label, text, long}], in the order of
 * the 登记申请表 (the union, its registrar, the particulars, then the matter's own fields).
 */
export function legalRows(type, form) {
  const f = form || {}
  const rows = []
  const add = (field, label, text, long = false) => {
    if (text === null || text === undefined || text === '') return
    rows.push({ field, label, text: String(text), long })
  }
  add('org_name', '办理的工会', f.org_name)
  add('registrar_name', '登记机关', f.registrar_name)
  add('cert_no', '现有证书编号', f.cert_no)
  const change = type === 'legal_change'
  if (change) {
    add('changed_on', '变更日期', f.changed_on)
    add('name', '新的工会名称', f.name)
  }
  add('representative', change ? '新的法定代表人' : '法定代表人（工会主席）', f.representative)
  add('address', change ? '新的住所' : '住所', f.address)
  add('phone', '联系电话', f.phone)
  add('funding', '经费来源', f.funding)
  add('approval_doc', '上级工会批复文号', f.approval_doc)
  add('term', '任期', termText(f.term_from, f.term_to))
  if (type === 'legal_cancel') {
    const done = Object.entries(CLEARED)
      .filter(([k]) => f[k] === true)
      .map(([, v]) => v)
    add('cleared', '清理情况', done.length ? `${done.join('、')}已清理完毕` : '')
  }
  add('reason', type === 'legal_reissue' ? '补领原因' : type === 'legal_cancel' ? '注销原因' : '说明', f.reason, true)
  return rows
}

/** What approving a legal-person application does, said before the registrar confirms it. */
export function approveConsequence(app) {
  const name = app?.form?.org_name || '该工会'
  switch (app?.type) {
    case 'legal_register':
      return `通过后，即向${name}发放法人资格证书，并赋予工会法人统一社会信用代码（81 开头）。`
    case 'legal_change':
      return `通过后，${name}的登记信息按申请变更，并换发新证书（代码不变），原证书作废。`
    case 'legal_renew':
      return `通过后，即向${name}换发新任期的证书（代码不变），原证书作废。`
    case 'legal_reissue':
      return `通过后，即向${name}补发证书（代码不变），原证书作废。`
    case 'legal_cancel':
      return `通过后，${name}的法人资格证书即注销，核验时显示“已注销”。`
    default:
      return ''
  }
}
