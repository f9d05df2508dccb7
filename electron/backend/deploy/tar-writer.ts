// A minimal ustar writer (POSIX.1-1988 tar as GNU tar and busybox read it), for the release
// archive the deploy service uploads: a handful of small files, names under 100 bytes, owned
// by root, with a fixed mtime so the same files always make the same archive.

export interface TarEntry {
  /** Relative path; directories end with '/'. */
  name: string
  mode: number
  data?: Buffer
}

function header(name: string, mode: number, size: number, mtime: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512)
  const put = (s: string, off: number, len: number): void => void h.write(s, off, len, 'latin1')
  const octal = (n: number, len: number): string => n.toString(8).padStart(len - 1, '0') + '\0'
  if (Buffer.byteLength(name) > 100 || /[^\x20-\x7e]/.test(name)) throw new Error(`tar entry name "${name}" must be printable ASCII of at most 100 bytes`)
  put(name, 0, 100)
  put(octal(mode & 0o7777, 8), 100, 8)
  put(octal(0, 8), 108, 8)
  put(octal(0, 8), 116, 8)
  put(octal(size, 12), 124, 12)
  put(octal(mtime, 12), 136, 12)
  put('        ', 148, 8) // the checksum is summed with this field as spaces
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

/** The whole archive (uncompressed), entries in the order given. */
export function tarArchive(entries: readonly TarEntry[], mtimeSeconds: number): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const dir = e.name.endsWith('/')
    const data = dir ? Buffer.alloc(0) : (e.data ?? Buffer.alloc(0))
    parts.push(header(e.name, e.mode, data.length, Math.max(0, Math.floor(mtimeSeconds)), dir ? '5' : '0'))
    if (data.length > 0) {
      parts.push(data)
      if (data.length % 512) parts.push(Buffer.alloc(512 - (data.length % 512)))
    }
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}
