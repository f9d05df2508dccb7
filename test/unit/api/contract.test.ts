// The API table is the single source of truth: these tests keep the derived lists,
// channels and schemas in step with it.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  apiEvents,
  apiMethods,
  ConnectRequestSchema,
  ConnectResultSchema,
  ConnectionSchema
} from '../../../electron/api/contract'
import {
  apiEventNames,
  apiMethodNames,
  ipcCallChannel,
  ipcEventChannel,
  isApiEventName,
  isApiMethodName
} from '../../../electron/api/names'

describe('API table', () => {
  it('every method has an input and an output zod schema', () => {
    for (const [name, spec] of Object.entries(apiMethods)) {
      expect(spec.input, `${name}.input`).toBeInstanceOf(z.ZodType)
      expect(spec.output, `${name}.output`).toBeInstanceOf(z.ZodType)
    }
  })

  it('every event has a zod payload schema', () => {
    for (const [name, schema] of Object.entries(apiEvents)) expect(schema, name).toBeInstanceOf(z.ZodType)
  })

  it('the zod-free name lists equal the table keys (same order-insensitive set, no duplicates)', () => {
    expect([...apiMethodNames].sort()).toEqual(Object.keys(apiMethods).sort())
    expect(new Set(apiMethodNames).size).toBe(apiMethodNames.length)
    expect([...apiEventNames].sort()).toEqual(Object.keys(apiEvents).sort())
    expect(new Set(apiEventNames).size).toBe(apiEventNames.length)
  })

  it('has the methods the UI relies on', () => {
    for (const m of ['app.info', 'connections.list', 'connections.connect', 'connections.disconnect', 'connections.forget', 'hostKeys.list', 'hostKeys.trust', 'hostKeys.forget', 'nodes.facts']) {
      expect(isApiMethodName(m), m).toBe(true)
    }
    expect(isApiEventName('connection.state')).toBe(true)
    expect(isApiEventName('backend.log')).toBe(true)
  })

  it('name guards refuse prototype keys and non-strings', () => {
    for (const bad of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'app.info ', 'APP.INFO', 42, null, undefined, {}]) {
      expect(isApiMethodName(bad), String(bad)).toBe(false)
      expect(isApiEventName(bad), String(bad)).toBe(false)
    }
  })

  it('derives one distinct IPC channel per method and per event', () => {
    const channels = [...apiMethodNames.map(ipcCallChannel), ...apiEventNames.map(ipcEventChannel)]
    expect(new Set(channels).size).toBe(channels.length)
    expect(ipcCallChannel('app.info')).toBe('havip:call:app.info')
  })

  it('connect request: port defaults to 22, label and remember are optional', () => {
    const r = ConnectRequestSchema.parse({ host: '198.51.100.11', username: 'root', auth: { kind: 'agent' } })
    expect(r.port).toBe(22)
    expect(r.remember).toBeUndefined()
  })

  it('connect result is one of connected / host-key-unknown / host-key-changed', () => {
    const hostKey = { host: '198.51.100.11', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' }
    expect(ConnectResultSchema.safeParse({ status: 'host-key-unknown', hostKey }).success).toBe(true)
    expect(ConnectResultSchema.safeParse({ status: 'host-key-changed', hostKey }).success).toBe(false) // needs expectedFingerprint
    expect(ConnectResultSchema.safeParse({ status: 'host-key-changed', hostKey, expectedFingerprint: 'SHA256:old' }).success).toBe(true)
    expect(ConnectResultSchema.safeParse({ status: 'trusted-anyway', hostKey }).success).toBe(false)
  })

  it('a Connection carries no secret fields (unknown keys are stripped)', () => {
    const c = ConnectionSchema.parse({
      id: 'c-0123456789ab',
      label: 'n1',
      host: '198.51.100.11',
      port: 22,
      username: 'root',
      authKind: 'password',
      state: 'connected',
      password: 'hunter2'
    })
    expect(JSON.stringify(c)).not.toContain('hunter2')
  })
})
