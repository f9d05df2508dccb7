/**
 * Notify hooks, run like keepalived's: notify_master/backup/fault/stop with no extra
 * arguments, and the generic `notify` with "INSTANCE" NAME STATE PRIORITY appended.
 * Always argv (no shell), time-limited, and run in order per instance so a slow hook
 * cannot make "BACKUP" arrive before the "MASTER" that preceded it.
 */
import type { NotifyConfig } from '../config/model'
import { runScriptOnce } from './track-script'

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'

export function notifyCommands(cfg: NotifyConfig, instance: string, state: NotifyState, priority: number): string[][] {
  const specific = { MASTER: cfg.master, BACKUP: cfg.backup, FAULT: cfg.fault, STOP: cfg.stop }[state]
  const cmds: string[][] = []
  if (specific && specific.length > 0) cmds.push([...specific])
  if (cfg.generic && cfg.generic.length > 0) cmds.push([...cfg.generic, 'INSTANCE', instance, state, String(priority)])
  return cmds
}

export class Notifier {
  private chain: Promise<void> = Promise.resolve()

  constructor(
    private readonly cfg: NotifyConfig,
    private readonly instance: string,
    private readonly log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void,
    private readonly timeoutMs = 30_000
  ) {}

  notify(state: NotifyState, priority: number): void {
    for (const argv of notifyCommands(this.cfg, this.instance, state, priority)) {
      this.chain = this.chain.then(async () => {
        const r = await runScriptOnce(argv, this.timeoutMs)
        if (!r.ok) this.log('warn', `notify hook for ${state} failed (${r.detail})`, { argv0: argv[0] })
      })
    }
  }

  /** Resolves when every queued hook has finished (used on shutdown). */
  drain(): Promise<void> {
    return this.chain
  }
}
