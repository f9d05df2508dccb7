import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HostKeyPinConflict, HostKeyStore } from '../../../electron/backend/store/host-key-store'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-hk-'))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

const key = (fp: string, host = '198.51.100.11', port = 22) => ({ host, port, keyType: 'ssh-ed25519', fingerprint: fp })

describe('HostKeyStore', () => {
  it('starts empty, pins on trust, finds by host and port', () => {
    const file = path.join(dir, 'sub', 'host-keys.json')
    const store = new HostKeyStore(file)
    expect(store.list()).toEqual([])
    expect(store.get('198.51.100.11', 22)).toBeUndefined()
    expect(store.check(key('SHA256:aaa'))).toEqual({ status: 'unknown' })

    store.trust(key('SHA256:aaa'))
    const got = store.get('198.51.100.11', 22)
    expect(got?.fingerprint).toBe('SHA256:aaa')
    expect(got?.trustedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(store.get('198.51.100.11', 2222)).toBeUndefined() // the port is part of the identity
    expect(store.check(key('SHA256:aaa')).status).toBe('trusted')

    // A second store on the same file (another process, e.g. the CLI) sees it.
    expect(new HostKeyStore(file).get('198.51.100.11', 22)?.fingerprint).toBe('SHA256:aaa')
  })

  it('reports a different key for a pinned host as changed, with the pinned one', () => {
    const store = new HostKeyStore(path.join(dir, 'hk.json'))
    store.trust(key('SHA256:aaa'))
    const c = store.check(key('SHA256:bbb'))
    expect(c.status).toBe('changed')
    if (c.status === 'changed') expect(c.pinned.fingerprint).toBe('SHA256:aaa')
    // Same fingerprint but another key type is also a change.
    expect(store.check({ ...key('SHA256:aaa'), keyType: 'ssh-rsa' }).status).toBe('changed')
    // check() never pins anything.
    expect(store.get('198.51.100.11', 22)?.fingerprint).toBe('SHA256:aaa')
  })

  it('treats host names case-insensitively and replaces a pin only through trust() with replace and the old fingerprint', () => {
    const store = new HostKeyStore(path.join(dir, 'hk.json'))
    store.trust(key('SHA256:aaa', 'Node1.Example.org'))
    expect(store.get('node1.example.org', 22)?.fingerprint).toBe('SHA256:aaa')
    store.trust(key('SHA256:ccc', 'node1.example.org'), { replace: true, previousFingerprint: 'SHA256:aaa' })
    expect(store.list()).toHaveLength(1)
    expect(store.get('NODE1.example.org', 22)?.fingerprint).toBe('SHA256:ccc')
  })

  it('refuses to replace a different pin unless the call says replace (issue 9 item 14)', () => {
    const store = new HostKeyStore(path.join(dir, 'hk.json'))
    store.trust(key('SHA256:aaa'))
    let err: unknown
    try {
      store.trust(key('SHA256:bbb'))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(HostKeyPinConflict)
    const c = err as HostKeyPinConflict
    expect(c.reason).toBe('not-confirmed')
    expect(c.pinned.fingerprint).toBe('SHA256:aaa')
    expect(c.message).toMatch(/already has a different pinned host key .*SHA256:aaa.*not replaced by .*SHA256:bbb/)
    expect(store.get('198.51.100.11', 22)?.fingerprint).toBe('SHA256:aaa')
    // Another key type with the same fingerprint text is a different key too.
    expect(() => store.trust({ ...key('SHA256:aaa'), keyType: 'ssh-rsa' })).toThrow(HostKeyPinConflict)
    // replace: false is the same as leaving it out.
    expect(() => store.trust(key('SHA256:bbb'), { replace: false, previousFingerprint: 'SHA256:aaa' })).toThrow(HostKeyPinConflict)
    expect(store.get('198.51.100.11', 22)?.fingerprint).toBe('SHA256:aaa')
  })

  it('refuses a replacement that names a fingerprint other than the pin now (stale dialog), and one that names none', () => {
    const store = new HostKeyStore(path.join(dir, 'hk.json'))
    store.trust(key('SHA256:aaa'))
    for (const previousFingerprint of ['SHA256:zzz', undefined]) {
      let err: unknown
      try {
        store.trust(key('SHA256:bbb'), { replace: true, ...(previousFingerprint ? { previousFingerprint } : {}) })
      } catch (e) {
        err = e
      }
      expect(err, String(previousFingerprint)).toBeInstanceOf(HostKeyPinConflict)
      expect((err as HostKeyPinConflict).reason).toBe('stale')
    }
    expect(store.get('198.51.100.11', 22)?.fingerprint).toBe('SHA256:aaa')
  })

  it('trusting the key already pinned needs no replace (idempotent), and another port is another pin', () => {
    const store = new HostKeyStore(path.join(dir, 'hk.json'))
    store.trust(key('SHA256:aaa'))
    store.trust(key('SHA256:aaa'))
    store.trust(key('SHA256:bbb', '198.51.100.11', 2222))
    expect(store.list().map((h) => `${h.port} ${h.fingerprint}`).sort()).toEqual(['22 SHA256:aaa', '2222 SHA256:bbb'])
  })

  it('forgets a host', () => {
    const store = new HostKeyStore(path.join(dir, 'hk.json'))
    store.trust(key('SHA256:aaa'))
    store.trust(key('SHA256:bbb', '198.51.100.12'))
    store.forget('198.51.100.11', 22)
    expect(store.list().map((h) => h.host)).toEqual(['198.51.100.12'])
    store.forget('198.51.100.99', 22) // absent: no error
  })

  it('writes the file with mode 0600 in a 0700 dir, and tightens a loosened file', () => {
    const file = path.join(dir, 'data', 'hk.json')
    const store = new HostKeyStore(file)
    store.trust(key('SHA256:aaa'))
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700)
    fs.chmodSync(file, 0o644)
    store.get('198.51.100.11', 22)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  })

  it('leaves no temp files behind and never shows a reader a half-written file', async () => {
    const file = path.join(dir, 'hk.json')
    const store = new HostKeyStore(file)
    store.trust(key('SHA256:seed'))
    // A separate process reads the file as fast as it can while we rewrite it many times.
    const reader = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs');let ok=0,bad=0;const end=Date.now()+1500;
         while(Date.now()<end){try{JSON.parse(fs.readFileSync(process.argv[1],'utf8'));ok++}catch(e){bad++}}
         console.log(JSON.stringify({ok,bad}))`,
        file
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    )
    let out = ''
    reader.stdout.on('data', (b) => (out += b))
    let readerDone = false
    const done = new Promise<void>((resolve) => reader.on('close', () => ((readerDone = true), resolve())))
    let writes = 0
    try {
      // Keep rewriting for as long as the reader runs (bounded by count and time).
      const until = Date.now() + 5000
      while (!readerDone && writes < 20_000 && Date.now() < until) {
        const host = `198.51.100.${(writes % 40) + 10}`
        const previousFingerprint = store.get(host, 22)?.fingerprint
        store.trust(key(`SHA256:${'x'.repeat(writes % 50)}${writes}`, host), {
          replace: true,
          ...(previousFingerprint ? { previousFingerprint } : {})
        })
        if (++writes % 10 === 0) await new Promise((r) => setImmediate(r))
      }
    } finally {
      if (!readerDone) reader.kill('SIGKILL')
      await done
    }
    expect(writes).toBeGreaterThan(10)
    const { ok, bad } = JSON.parse(out) as { ok: number; bad: number }
    expect(ok).toBeGreaterThan(0)
    expect(bad).toBe(0)
    expect(fs.readdirSync(dir)).toEqual(['hk.json'])
  })

  it('refuses a damaged file with a message naming it, instead of forgetting every key', () => {
    const file = path.join(dir, 'hk.json')
    fs.writeFileSync(file, '{"hostKeys": [', { mode: 0o600 })
    const store = new HostKeyStore(file)
    expect(() => store.get('198.51.100.11', 22)).toThrow(new RegExp(`${file.replace(/[/.]/g, '\\$&')}.*not valid JSON`))
    expect(() => store.trust(key('SHA256:aaa'))).toThrow(/Repair it from a backup or delete it/)
  })
})
