// A PDF's first page drawn on a canvas with pdf.js (pdfjs-dist). The library and its worker
// are loaded the first time a preview opens, never with the console's first screen.

let loading = null

function pdfjs() {
  if (!loading) {
    loading = Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')])
      .then(([lib, worker]) => {
        lib.GlobalWorkerOptions.workerSrc = worker.default
        return lib
      })
      .catch((e) => {
        loading = null
        throw e
      })
  }
  return loading
}

/**
 * Draw page 1 of the PDF `bytes` (ArrayBuffer) on `canvas`, `cssWidth` pixels wide on the
 * screen (sharp on high-density screens). Resolves {pages} (how many pages the file has).
 */
export async function renderFirstPage(bytes, canvas, cssWidth) {
  const lib = await pdfjs()
  const doc = await lib.getDocument({ data: new Uint8Array(bytes), isEvalSupported: false }).promise
  try {
    const page = await doc.getPage(1)
    const base = page.getViewport({ scale: 1 })
    const ratio = Math.min(window.devicePixelRatio || 1, 2)
    const scale = (cssWidth / base.width) * ratio
    const viewport = page.getViewport({ scale })
    canvas.width = Math.floor(viewport.width)
    canvas.height = Math.floor(viewport.height)
    canvas.style.width = `${Math.floor(viewport.width / ratio)}px`
    canvas.style.height = `${Math.floor(viewport.height / ratio)}px`
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, canvas.width, canvas.height)
    await page.render({ canvas, canvasContext: ctx, viewport }).promise
    return { pages: doc.numPages }
  } finally {
    doc.destroy()
  }
}
