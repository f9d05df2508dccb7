/**
 * Notify hooks, run like keepalived's: notify_master/backup/fault/stop with no extra
 * arguments, and the generic `notify` with "INSTANCE" NAME STATE PRIORITY appended.
 * Always argv (no shell), time-limited, and run in order per instance so a slow hook
 * cannot make "BACKUP" arrive before the "MASTER" that preceded it.
 * Each hook passes script security once, when the notifier is made (script-guard.ts), and
 * runs by its resolved absolute path as its user; a refused hook is skipped with an error
 * each time it would have run.
 */
import { NOTIFY_HOOKS, type NotifyConfig, type NotifyHook } from '../config/model'
import { guardCommand, type GuardResult } from './script-guard'
import { runScriptOnce } from './track-script'

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'

const HOOK_OF: Record<NotifyState, NotifyHook> = { MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop' }

export function notifyCommands(cfg: NotifyConfig, instance: string, state: NotifyState, priority: number): string[][] {
  return notifyHooks(cfg, instance, state, priority).map((h) => h.argv)
}

function notifyHooks(cfg: NotifyConfig, instance: string, state: NotifyState, priority: number): { hook: NotifyHook; argv: string[] }[] {
  const specific = cfg[HOOK_OF[state]]
  const out: { hook: NotifyHook; argv: string[] }[] = []
  if (specific && specific.length > 0) out.push({ hook: HOOK_OF[state], argv: [...specific] })
  if (cfg.generic && cfg.generic.length > 0) out.push({ hook: 'generic', argv: [...cfg.generic, 'INSTANCE', instance, state, String(priority)] })
  return out
}

/** The verdict of script security on each configured hook. */
export function guardNotify(cfg: NotifyConfig): Map<NotifyHook, GuardResult> {
  const out = new Map<NotifyHook, GuardResult>()
  for (const hook of NOTIFY_HOOKS) {
    const argv = cfg[hook]
    if (argv && argv.length > 0) out.set(hook, guardCommand(argv, cfg.users?.[hook]))
  }
  return out
}

export class Notifier {
  private chain: Promise<void> = Promise.resolve()
  private readonly guards: Map<NotifyHook, GuardResult>

  constructor(
    private readonly cfg: NotifyConfig,
    private readonly instance: string,
    private readonly log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void,
    private readonly timeoutMs = 30_000
  ) {
    this.guards = guardNotify(cfg)
  }

  notify(state: NotifyState, priority: number): void {
    for (const { hook, argv } of notifyHooks(this.cfg, this.instance, state, priority)) {
      const g = this.guards.get(hook)
      if (!g || !g.ok) {
        this.log('error', `notify hook for ${state} skipped: ${g && !g.ok ? g.reason : 'not checked'}`, { argv0: argv[0] })
        continue
      }
      // The resolved path replaces argv[0]; the generic hook's appended arguments stay.
      const run = [g.command.argv[0] as string, ...argv.slice(1)]
      this.chain = this.chain.then(async () => {
        const r = await runScriptOnce(run, this.timeoutMs, g.command)
        if (!r.ok) this.log('warn', `notify hook for ${state} failed (${r.detail})`, { argv0: argv[0] })
      })
    }
  }

  /** Resolves when every queued hook has finished (used on shutdown). */
  drain(): Promise<void> {
    return this.chain
  }
}
