// How the live console reaches one node's agent: a `ctl` command, the live feed stream, and the
// reachability probe stream. One implementation per platform (linux-agent-access.ts: argv with
// sudo over exec; windows-agent-access.ts: named PowerShell scripts through the seam), chosen
// per session by platformAgentAccess exactly as PlatformDeployer chooses a deployer: the one
// place that decides. The live layer (node-feed, agent-commands, node-prober) gets an
// AgentAccess from composition (backend.ts) and never asks which platform a node runs.
import { platformFromServerIdent } from '../platform/windows/detect'
import type { SshSession } from '../ssh/session'

/** What one `ctl ... --json` run gave: the agent's own stdout and stderr and its exit code. */
export interface CtlRun {
  code: number
  stdout: string
  stderr: string
}

export interface AgentStreamOptions {
  /** Output as it comes (whole lines or pieces of them). */
  onStdout(chunk: string): void
  onStderr?(chunk: string): void
  /** Stops the stream: the channel closes and the node's side ends (see each platform). */
  signal: AbortSignal
  timeoutMs: number
  maxOutputBytes?: number
}

/** How a stream ended by itself: `why` in words, for the console or the graph. */
export interface AgentStreamEnd {
  code: number
  why: string
}

export interface ProbeRequest {
  target: string
  intervalMs: number
  timeoutMs: number
}

export interface AgentAccess {
  /**
   * `havip-agent ctl ARGS` as an administrator of the node (ARGS are checked names and numbers).
   * Resolves with what the agent printed, whatever its exit code; rejects only when it could
   * not be run at all, with an error that names the node and what to do.
   */
  ctl(session: SshSession, node: string, args: readonly string[], o: { timeoutMs: number; quiet?: boolean }): Promise<CtlRun>
  /**
   * The live feed: `ctl watch --json` lines as they come, a full `ctl status --json` every
   * period, and AGENT_DOWN_MARK lines when the status fails. Runs until stopped or the link ends.
   */
  feed(session: SshSession, node: string, periodMs: number, o: AgentStreamOptions): Promise<AgentStreamEnd>
  /** `havip-agent probe TARGET --json` lines as they come, until stopped. */
  probe(session: SshSession, node: string, req: ProbeRequest, o: AgentStreamOptions): Promise<AgentStreamEnd>
}

/** The status period in whole seconds, as both feed scripts take it. */
export function periodSeconds(periodMs: number): number {
  return Math.max(1, Math.round(periodMs / 1000))
}

/** Linux or Windows per session, from the SSH server's identification string (as PlatformDeployer). */
export function platformAgentAccess(linux: AgentAccess, windows: AgentAccess): AgentAccess {
  const pick = (s: SshSession): AgentAccess => (platformFromServerIdent(s.serverIdent) === 'windows' ? windows : linux)
  return {
    ctl: (s, node, args, o) => pick(s).ctl(s, node, args, o),
    feed: (s, node, periodMs, o) => pick(s).feed(s, node, periodMs, o),
    probe: (s, node, req, o) => pick(s).probe(s, node, req, o)
  }
}
