// Issue 9 item 17: every string that crosses the API has a length limit. This walks every
// schema of the API table (method inputs and outputs, event payloads; the validation
// methods and events are part of it) and every schema that model.ts, errors.ts and
// validation.ts export, and fails naming the path of any string without a maximum,
// or of any schema kind it does not know how to look into (so a new kind cannot hide one).
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiEvents, apiMethods } from '../../../electron/api/contract'
import * as errors from '../../../electron/api/errors'
import { clip, Limits } from '../../../electron/api/limits'
import * as model from '../../../electron/api/model'
import * as validation from '../../../electron/api/validation'
import * as cluster from '../../../electron/api/cluster'
import * as reachability from '../../../electron/api/reachability'
import * as consoleApi from '../../../electron/api/console'
import * as terminal from '../../../electron/api/terminal'
import * as events from '../../../electron/api/events'

/** Paths of unbounded strings (and of schema kinds the walk does not understand) under `schema`. */
function unboundedStrings(schema: z.ZodTypeAny, at: string, seen = new Set<z.ZodTypeAny>()): string[] {
  if (seen.has(schema)) return []
  seen.add(schema)
  const walk = (s: z.ZodTypeAny, p: string) => unboundedStrings(s, p, seen)
  if (schema instanceof z.ZodString) {
    return schema._def.checks.some((c) => c.kind === 'max' || c.kind === 'length') ? [] : [at]
  }
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.ZodTypeAny>
    return Object.entries(shape).flatMap(([k, v]) => walk(v, `${at}.${k}`))
  }
  if (schema instanceof z.ZodArray) return walk(schema.element, `${at}[]`)
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return walk(schema.unwrap(), at)
  if (schema instanceof z.ZodDefault) return walk(schema._def.innerType, at)
  if (schema instanceof z.ZodEffects) return walk(schema.innerType(), at)
  if (schema instanceof z.ZodDiscriminatedUnion) {
    return (schema.options as z.ZodTypeAny[]).flatMap((o, i) => walk(o, `${at}<${i}>`))
  }
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodTypeAny[]).flatMap((o, i) => walk(o, `${at}<${i}>`))
  // Kinds that hold no free-form string.
  if (
    schema instanceof z.ZodNumber ||
    schema instanceof z.ZodBoolean ||
    schema instanceof z.ZodEnum ||
    schema instanceof z.ZodLiteral
  ) {
    return []
  }
  return [`${at} (schema kind ${schema.constructor.name} not understood by this test: teach it)`]
}

function exportedSchemas(mod: Record<string, unknown>, name: string): Array<[string, z.ZodTypeAny]> {
  return Object.entries(mod)
    .filter(([, v]) => v instanceof z.ZodType)
    .map(([k, v]) => [`${name}.${k}`, v as z.ZodTypeAny])
}

type MethodTable = Record<string, { input: z.ZodTypeAny; output: z.ZodTypeAny }>
const methodSchemas = (table: MethodTable): Array<[string, z.ZodTypeAny]> =>
  Object.entries(table).flatMap(([m, spec]): Array<[string, z.ZodTypeAny]> => [
    [`${m} input`, spec.input],
    [`${m} output`, spec.output]
  ])
const eventSchemas = (table: Record<string, z.ZodTypeAny>): Array<[string, z.ZodTypeAny]> =>
  Object.entries(table).map(([e, s]): [string, z.ZodTypeAny] => [`event ${e}`, s])

const everySchema: Array<[string, z.ZodTypeAny]> = [
  ...methodSchemas(apiMethods),
  ...eventSchemas(apiEvents),
  ...exportedSchemas(model, 'model'),
  ...exportedSchemas(errors, 'errors'),
  ...exportedSchemas(validation, 'validation'),
  ...exportedSchemas(cluster, 'cluster'),
  ...exportedSchemas(consoleApi, 'console'),
  ...exportedSchemas(terminal, 'terminal'),
  ...exportedSchemas(events, 'events'),
  ...exportedSchemas(reachability, 'reachability')
]

describe('API string limits', () => {
  it('every string in every API schema has a maximum length', () => {
    const unbounded = everySchema.flatMap(([name, s]) => unboundedStrings(s, name))
    expect(unbounded).toEqual([])
  })

  it('the walk is real: it finds an unbounded string nested in a union, an array and an optional', () => {
    const bad = z.object({
      ok: z.string().max(3),
      list: z.array(z.discriminatedUnion('k', [z.object({ k: z.literal('a'), deep: z.string().optional() })]))
    })
    expect(unboundedStrings(bad, 'bad')).toEqual(['bad.list[]<0>.deep'])
    expect(unboundedStrings(z.object({ m: z.map(z.string(), z.string()) }), 'm')[0]).toMatch(/ZodMap not understood/)
  })

  it('the walk covers the whole table', () => {
    expect(everySchema.filter(([n]) => n.endsWith(' input'))).toHaveLength(Object.keys(apiMethods).length)
    // The validation methods are part of the table, so they are walked too.
    for (const m of Object.keys(validation.validationMethods)) expect(everySchema.map(([n]) => n)).toContain(`${m} input`)
    expect(everySchema.length).toBeGreaterThan(Object.keys(apiMethods).length * 2 + 10)
  })

  it('a string one past its limit is refused at the boundary with a message naming field and limit', () => {
    const over = 'x'.repeat(Limits.secret + 1)
    const r = apiMethods['connections.connect'].input.safeParse({
      host: '198.51.100.11',
      username: 'root',
      auth: { kind: 'password', password: over }
    })
    expect(r.success).toBe(false)
    if (!r.success) expect(r.error.issues[0]?.message).toBe(`password must be at most ${Limits.secret} characters`)
    const atLimit = apiMethods['connections.connect'].input.safeParse({
      host: '198.51.100.11',
      username: 'root',
      auth: { kind: 'password', password: over.slice(1) }
    })
    expect(atLimit.success).toBe(true)
  })

  it('clip() shortens a long message to fit its field and says that it did', () => {
    const long = 'e'.repeat(Limits.message * 3)
    const clipped = clip(long, 'message')
    expect(clipped.length).toBeLessThanOrEqual(Limits.message)
    expect(clipped).toMatch(/\[cut at 8192 of 24576 characters\]$/)
    expect(errors.ApiErrorSchema.safeParse({ kind: 'internal', message: clipped }).success).toBe(true)
    expect(clip('short', 'message')).toBe('short')
  })
})
