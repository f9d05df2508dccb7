// xterm.js's DOM renderer writes the styles it computes (cell size, theme colours, scrollbar)
// into <style> elements it creates while opening. The strict CSP (style-src 'self', no
// 'unsafe-inline') refuses inline <style>, so the terminal would render without its colours
// and cell metrics, and the console would report CSP violations. Rather than loosening the
// CSP for every inline style, xterm gets inert stand-in elements for the <style> elements it
// creates during open() (an unknown element, hidden by CSS, whose text xterm keeps writing),
// and their text is mirrored into constructed stylesheets (document.adoptedStyleSheets),
// which the CSP does not govern. Any other <style> stays refused, as before.

/** The tag of the stand-ins; hidden in XtermView.vue's global style. */
export const STYLE_STAND_IN = 'havip-xterm-style'

/** Runs `open` (xterm's term.open) with <style> creation redirected; returns the undo function. */
export function openWithMirroredStyles(open: () => void): () => void {
  const created: HTMLElement[] = []
  const original = Document.prototype.createElement
  const redirected = function (this: Document, tagName: string, options?: ElementCreationOptions): HTMLElement {
    if (typeof tagName === 'string' && tagName.toLowerCase() === 'style') {
      const el = original.call(this, STYLE_STAND_IN, options)
      created.push(el)
      return el
    }
    return original.call(this, tagName, options)
  }
  Document.prototype.createElement = redirected as typeof Document.prototype.createElement
  try {
    open()
  } finally {
    Document.prototype.createElement = original
  }
  return mirror(created)
}

function mirror(elements: HTMLElement[]): () => void {
  const sheets = new Map<HTMLElement, { sheet: CSSStyleSheet; text: string | null }>()
  let mine: CSSStyleSheet[] = []

  function sync(): void {
    const next: CSSStyleSheet[] = []
    for (const el of elements) {
      if (!el.isConnected) continue
      let entry = sheets.get(el)
      if (!entry) sheets.set(el, (entry = { sheet: new CSSStyleSheet(), text: null }))
      const text = el.textContent ?? ''
      if (entry.text !== text) {
        entry.sheet.replaceSync(text)
        entry.text = text
      }
      next.push(entry.sheet)
    }
    const previous = new Set(mine)
    document.adoptedStyleSheets = [...document.adoptedStyleSheets.filter((s) => !previous.has(s)), ...next]
    mine = next
  }

  sync()
  // xterm rewrites the text on resize and theme changes; the mirror follows.
  const observer = new MutationObserver(sync)
  for (const el of elements) observer.observe(el, { subtree: true, childList: true, characterData: true })
  return () => {
    observer.disconnect()
    const previous = new Set(mine)
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => !previous.has(s))
    mine = []
    sheets.clear()
  }
}
