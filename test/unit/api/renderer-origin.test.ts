// The IPC sender check: only our own renderer may call the API.
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isOurRenderer } from '../../../electron/main/renderer-origin'

const indexHtml = path.resolve('/opt/HAVIP Manager/resources/app.asar/out/renderer/index.html')
const ours = pathToFileURL(indexHtml).href

describe('isOurRenderer (packaged: file://)', () => {
  const where = { indexHtml }

  it('accepts our index.html, also with a hash or query', () => {
    expect(isOurRenderer(ours, where)).toBe(true)
    expect(isOurRenderer(ours + '#/connections', where)).toBe(true)
    expect(isOurRenderer(ours + '?x=1', where)).toBe(true)
  })

  it('refuses every other URL', () => {
    for (const url of [
      'file:///etc/passwd',
      pathToFileURL(path.join(path.dirname(indexHtml), 'other.html')).href,
      pathToFileURL(path.join(path.dirname(indexHtml), '..', 'renderer-evil', 'index.html')).href,
      ours.replace('index.html', 'index.html.evil'),
      'file://evil-host' + new URL(ours).pathname,
      'http://localhost:5173/',
      'https://evil.example/index.html',
      'about:blank',
      'data:text/html,<script>1</script>',
      'javascript:alert(1)',
      '',
      'not a url'
    ]) {
      expect(isOurRenderer(url, where), url).toBe(false)
    }
  })

  it('normalises dot segments before comparing (they resolve to the same file)', () => {
    const dotted = pathToFileURL(path.dirname(indexHtml)).href + '/../renderer/index.html'
    expect(isOurRenderer(dotted, where)).toBe(true)
  })
})

describe('isOurRenderer (dev server)', () => {
  const where = { indexHtml, devUrl: 'http://localhost:5173' }

  it('accepts the dev server origin only', () => {
    expect(isOurRenderer('http://localhost:5173/', where)).toBe(true)
    expect(isOurRenderer('http://localhost:5173/#/x', where)).toBe(true)
    expect(isOurRenderer('http://localhost:5174/', where)).toBe(false)
    expect(isOurRenderer('http://127.0.0.1:5173/', where)).toBe(false)
    expect(isOurRenderer('https://localhost:5173/', where)).toBe(false)
    expect(isOurRenderer(ours, where)).toBe(false)
  })
})
