/**
 * Which received adverts an instance may act on (before the state machine sees them), and why
 * the others are dropped: the count by reason shows a misconfigured or hostile peer in status.
 */
import type { InstanceConfig } from './config/model'
import type { ReceivedAdvert } from './net/transport'
import { advertRejection, type InstanceState } from './vrrp/state-machine'

export type Screened =
  | { ok: true; advertIntervalMs: number }
  /** `bad`: the counter to bump (absent: not ours at all); `warn`: a log line, at most one per kind every 30 s. */
  | { ok: false; bad?: string; warn?: { kind: string; message: string } }

export function screenAdvert(cfg: InstanceConfig, s: InstanceState, primaryAddress: string, r: ReceivedAdvert): Screened {
  const a = r.advert
  if (a.vrid !== cfg.vrid) return { ok: false } // another router's VRID on the same link: not ours, not bad
  // Unicast mode: only the configured peers speak for this router, as keepalived's
  // check_unicast_src (on by default here). Anyone else on the LAN could otherwise make us yield
  // with a forged higher priority, or take over with a forged priority 0.
  if (cfg.unicastPeers.length > 0 && !cfg.unicastPeers.includes(r.src)) {
    return {
      ok: false, bad: 'unknown-source',
      warn: { kind: 'foreign', message: `ignoring an advert from ${r.src}: not one of the unicast peers (${cfg.unicastPeers.join(', ')}); add it to unicast_peer if it belongs to this cluster` }
    }
  }
  if (a.version !== cfg.version) return { ok: false, bad: 'version-mismatch' }
  if (a.version === 2) {
    // RFC 3768 §5.3.6.1: simple text password must match; the type must agree too.
    const want = cfg.auth ? 1 : 0
    if ((a.authType ?? 0) !== want) return { ok: false, bad: 'auth-type-mismatch' }
    if (cfg.auth && (a.authData ?? '') !== cfg.auth.password.slice(0, 8)) return { ok: false, bad: 'auth-mismatch' }
  }
  const advertIntervalMs = a.version === 2 ? a.advertInterval * 1000 : a.advertInterval * 10
  // step() ignores these too; counting them makes a misconfigured peer visible in status.
  const rejected = advertRejection(s, { src: r.src, priority: a.priority, advertIntervalMs })
  if (rejected) return { ok: false, bad: r.src === primaryAddress ? 'own-address' : 'interval-mismatch', warn: { kind: 'rejected', message: `ignoring ${rejected}` } }
  return { ok: true, advertIntervalMs }
}
