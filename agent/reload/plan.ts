/**
 * What a config reload changes, decided from the old and new config alone (pure, unit-tested in
 * test/unit/agent-runtime/reload-plan.test.ts). Instances are matched by name:
 * - kept: the same settings, and the same settings for every track script it uses: it keeps
 *   running untouched (no state change, no advert gap, its VIPs stay);
 * - updated: only its failback settings changed: applied to it live, nothing else happens;
 * - restarted: anything else of it changed (only that instance restarts);
 * - removed / added: as on shutdown / as on start-up.
 * Global settings the running agent cannot take over live (its control socket, transport, log
 * file) keep their old values, and the result says so.
 */
import type { AgentConfig, InstanceConfig, TrackScriptConfig } from '../config/model'

/** The answer of `ctl reload` (result) and of Agent.reload. */
export interface ReloadResult {
  kept: string[]
  added: string[]
  removed: string[]
  restarted: string[]
  /**
   * Only the failback settings changed (preempt, preemptDelayMs, preemptWindow): applied to the
   * running instance, which keeps its state and VIPs (Configure Role's failback must never cost an outage).
   */
  updated: string[]
  /** Global settings that changed in the file but need an agent restart; the old value is kept. */
  notApplied: string[]
}

export interface ReloadPlan extends ReloadResult {
  /** The config to run: the new one with the old values of the settings in notApplied. */
  config: AgentConfig
}

/** Settings fixed for the life of the process: the socket clients talk to, the sockets adverts use, the open log file. */
const FIXED_GLOBALS = ['controlSocket', 'transport', 'udpPort', 'logFile'] as const

/** JSON with object keys sorted, so two configs compare by content, not by the order a reader built them in. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`
  }
  return JSON.stringify(v) ?? 'null'
}

/** What the running instance can take over live (Instance.updateFailback). */
export const FAILBACK_FIELDS = ['preempt', 'preemptDelayMs', 'preemptWindow'] as const

/** An instance's settings but the failback ones, with those of the scripts it tracks: a change in either restarts it. */
function fingerprint(inst: InstanceConfig, scripts: Map<string, TrackScriptConfig>): string {
  const used = inst.trackScripts.map((t) => t.name).sort().map((n) => scripts.get(n) ?? null)
  const rest: Partial<InstanceConfig> = { ...inst }
  for (const k of FAILBACK_FIELDS) delete rest[k]
  return canonical({ rest, used })
}

function failback(inst: InstanceConfig): string {
  return canonical(FAILBACK_FIELDS.map((k) => inst[k] ?? null))
}

export function planReload(old: AgentConfig, next: AgentConfig): ReloadPlan {
  const oldScripts = new Map(old.scripts.map((s) => [s.name, s]))
  const newScripts = new Map(next.scripts.map((s) => [s.name, s]))
  const before = new Map(old.instances.map((i) => [i.name, i]))
  const plan: ReloadPlan = { kept: [], added: [], removed: [], restarted: [], updated: [], notApplied: [], config: { ...next } }
  for (const inst of next.instances) {
    const was = before.get(inst.name)
    if (was === undefined) plan.added.push(inst.name)
    else if (fingerprint(was, oldScripts) !== fingerprint(inst, newScripts)) plan.restarted.push(inst.name)
    else if (failback(was) !== failback(inst)) plan.updated.push(inst.name)
    else plan.kept.push(inst.name)
  }
  const names = new Set(next.instances.map((i) => i.name))
  for (const inst of old.instances) if (!names.has(inst.name)) plan.removed.push(inst.name)

  for (const key of FIXED_GLOBALS) {
    if (old[key] === next[key]) continue
    plan.notApplied.push(`${key}: ${JSON.stringify(next[key] ?? null)} needs an agent restart; still ${JSON.stringify(old[key] ?? null)}`)
    ;(plan.config as unknown as Record<string, unknown>)[key] = old[key]
    if (old[key] === undefined) delete plan.config[key]
  }
  return plan
}
