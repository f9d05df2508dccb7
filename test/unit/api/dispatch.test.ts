// dispatch() is the boundary both transports use: validation, unknown methods, error values
// and output checking. The handlers here are test doubles on purpose: the thing under test
// is dispatch, not the backend (the backend is tested through dispatch in backend.test.ts).
import { describe, expect, it } from 'vitest'
import type { ApiHandlers } from '../../../electron/api/contract'
import { dispatch, type DispatchTarget } from '../../../electron/api/dispatch'
import { ApiException } from '../../../electron/api/errors'
import { FILE_ONLY } from '../../../electron/backend/store/secret-protection'

function target(overrides: Partial<ApiHandlers> = {}): DispatchTarget & { calls: string[] } {
  const calls: string[] = []
  const notUsed = async () => {
    throw new Error('not used in this test')
  }
  const handlers = new Proxy({} as ApiHandlers, {
    get(_t, key: string) {
      const h = (overrides as Record<string, unknown>)[key]
      return async (input: unknown) => {
        calls.push(key)
        return h ? (h as (i: unknown) => unknown)(input) : notUsed()
      }
    }
  })
  return {
    handlers,
    calls,
    toApiError: (err) => ({ kind: 'internal', message: `mapped: ${(err as Error).message}` })
  }
}

const validConnect = { host: '198.51.100.11', port: 22, username: 'root', auth: { kind: 'password', password: 'x' } }

describe('dispatch', () => {
  it('calls the handler with parsed input and returns its value', async () => {
    const info = { version: '1.2.3', mode: 'browser' as const, secretStorage: FILE_ONLY }
    const t = target({ 'app.info': async () => info })
    expect(await dispatch(t, 'app.info', {})).toEqual({ ok: true, value: info })
    expect(await dispatch(t, 'app.info', undefined)).toEqual({ ok: true, value: info })
  })

  it('refuses unknown methods without calling anything, also prototype names', async () => {
    const t = target()
    for (const m of ['nodes.rmrf', '__proto__', 'constructor', 'toString', 7, null]) {
      const r = await dispatch(t, m, {})
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.error.kind).toBe('invalid-input')
        expect(r.error.message).toMatch(/Unknown API method/)
      }
    }
    expect(t.calls).toEqual([])
  })

  it('rejects a bad port naming the field, and never calls the handler', async () => {
    const t = target()
    const r = await dispatch(t, 'connections.connect', { ...validConnect, port: 70000 })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.kind).toBe('invalid-input')
    expect(r.error.field).toBe('port')
    expect(r.error.message).toContain('port: must be 1..65535')
    expect(t.calls).toEqual([])
  })

  it('names nested fields (auth.password) and hostile hosts', async () => {
    const t = target()
    const r1 = await dispatch(t, 'connections.connect', { ...validConnect, auth: { kind: 'password', password: '' } })
    expect(!r1.ok && r1.error.field).toBe('auth.password')
    const r2 = await dispatch(t, 'connections.connect', { ...validConnect, host: 'n1; rm -rf /' })
    expect(!r2.ok && r2.error.field).toBe('host')
    const r3 = await dispatch(t, 'connections.connect', { ...validConnect, username: '-oProxyCommand=x' })
    expect(!r3.ok && r3.error.field).toBe('username')
    const r4 = await dispatch(t, 'connections.connect', 'not an object')
    expect(!r4.ok && r4.error.kind).toBe('invalid-input')
    expect(t.calls).toEqual([])
  })

  it('refuses extra keys on empty inputs (strict)', async () => {
    const r = await dispatch(target(), 'connections.list', { sneaky: true })
    expect(!r.ok && r.error.kind).toBe('invalid-input')
  })

  it('passes an ApiException through unchanged', async () => {
    const t = target({
      'connections.disconnect': async () => {
        throw new ApiException({ kind: 'not-found', message: 'no such connection', hint: 'refresh' })
      }
    })
    expect(await dispatch(t, 'connections.disconnect', { id: 'c-1' })).toEqual({
      ok: false,
      error: { kind: 'not-found', message: 'no such connection', hint: 'refresh' }
    })
  })

  it('maps any other thrown error through the target', async () => {
    const t = target({
      'hostKeys.list': async () => {
        throw new Error('disk on fire')
      }
    })
    expect(await dispatch(t, 'hostKeys.list', {})).toEqual({ ok: false, error: { kind: 'internal', message: 'mapped: disk on fire' } })
  })

  it('turns malformed handler output into an internal error, and strips fields not in the contract', async () => {
    const bad = target({ 'app.info': async () => ({ version: 1 }) as never })
    const r = await dispatch(bad, 'app.info', {})
    expect(!r.ok && r.error.kind).toBe('internal')
    expect(!r.ok && r.error.message).toContain('version')

    const leaky = target({ 'hostKeys.list': async () => [{ host: 'h', port: 22, keyType: 't', fingerprint: 'SHA256:x', secret: 's' }] as never })
    const r2 = await dispatch(leaky, 'hostKeys.list', {})
    expect(r2).toEqual({ ok: true, value: [{ host: 'h', port: 22, keyType: 't', fingerprint: 'SHA256:x' }] })
  })
})
