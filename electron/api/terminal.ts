// The contract of terminals (issue 12): an interactive shell on a node over its existing SSH
// connection, or a local shell on this computer (node-pty). Only the terminal's id crosses
// the API; the SSH channel or the PTY stays in the backend (DESIGN.md §7.6). Output is
// flow-controlled: the renderer acknowledges what it has written ('terminal.ack'), and the
// backend pauses the source while too much is unacknowledged, so a flood ('yes') never
// freezes the UI nor grows memory without bound. Browser-safe: zod only. Its methods and
// events are spread into the API table (contract.ts, names.ts) and implemented in
// electron/backend/terminal/.
import { z } from 'zod'
import { text } from './limits'

/** Characters of one 'terminal.input' call (a paste larger than this is sent in several). */
export const TERMINAL_INPUT_MAX_CHARS = 16 * 1024
/** Characters of one 'terminal.output' event (the backend splits larger output). */
export const TERMINAL_OUTPUT_MAX_CHARS = 64 * 1024
/**
 * Flow control, in characters of output (what 'terminal.ack' counts): the backend pauses the
 * source once this much is sent or waiting and not yet acknowledged by the renderer...
 */
export const TERMINAL_HIGH_WATERMARK = 256 * 1024
/** ...and resumes it once the unacknowledged output is back at or below this. */
export const TERMINAL_LOW_WATERMARK = 64 * 1024
/**
 * The renderer acknowledges written output in steps of at least this much (fewer calls), and
 * whatever is left when output stops: keep it below the low watermark so a paused source always resumes.
 */
export const TERMINAL_ACK_STEP = 16 * 1024

export const TERMINAL_MAX_COLS = 1000
export const TERMINAL_MAX_ROWS = 500

/** 't-' and 12 hex digits, made by the backend when a terminal opens. */
export const TerminalIdSchema = z.string().max(14).regex(/^t-[0-9a-f]{12}$/, 'a terminal id is "t-" and 12 hex digits')

export const TerminalSizeSchema = z.object({
  cols: z.number().int().min(2, 'cols is at least 2').max(TERMINAL_MAX_COLS, `cols is at most ${TERMINAL_MAX_COLS}`),
  rows: z.number().int().min(1, 'rows is at least 1').max(TERMINAL_MAX_ROWS, `rows is at most ${TERMINAL_MAX_ROWS}`)
})

export const TerminalKindSchema = z.enum(['node', 'local'])

export const OpenTerminalRequestSchema = z.discriminatedUnion('kind', [
  /** A shell on a node, over the SSH connection the admin made (its login user, no sudo). */
  TerminalSizeSchema.extend({
    kind: z.literal('node'),
    connectionId: text('id', 'connectionId').min(1, 'connectionId is required')
  }).strict(),
  /** A shell on this computer, as the user running HAVIP Manager (needs node-pty). */
  TerminalSizeSchema.extend({ kind: z.literal('local') }).strict()
])

/** What the backend's buffers hold for one terminal (for the tests and the bench; never the output itself). */
export const TerminalFlowSchema = z.object({
  /** Output sent to the renderer (or waiting to be sent) and not yet acknowledged, in characters. */
  unackedChars: z.number().int().nonnegative(),
  /** Bytes the source holds that the backend has not read (the SSH channel's or PTY's buffer). */
  sourceBufferedBytes: z.number().int().nonnegative(),
  /** Whether the source is paused now, and how often it was. */
  paused: z.boolean(),
  pauses: z.number().int().nonnegative(),
  /** Output delivered since the terminal opened, in characters. */
  totalChars: z.number().int().nonnegative()
})

export const TerminalInfoSchema = z.object({
  id: TerminalIdSchema,
  kind: TerminalKindSchema,
  /** The saved connection it runs on (kind 'node'). */
  connectionId: text('id', 'connectionId').optional(),
  /** For the tab: "root@n1" or "Local shell (bash)". */
  title: text('label', 'title'),
  /** The user the shell runs as: the connection's login user, or this computer's user. */
  user: text('name', 'user'),
  openedAt: text('timestamp', 'openedAt'),
  flow: TerminalFlowSchema
})

/** Whether this computer can open a local shell, and if not, why (shown next to the action). */
export const LocalShellAvailabilitySchema = z.discriminatedUnion('available', [
  z.object({ available: z.literal(true), shell: text('path', 'shell') }),
  z.object({ available: z.literal(false), reason: text('message', 'reason'), hint: text('message', 'hint') })
])

const Empty = z.object({}).strict()
const TerminalRef = z.object({ id: TerminalIdSchema }).strict()

export const terminalMethods = {
  /** What terminals this computer can open (the local shell needs node-pty, an optional native module). */
  'terminal.capabilities': { input: Empty, output: z.object({ localShell: LocalShellAvailabilitySchema }) },
  /** Opens a shell; output follows as 'terminal.output' events, the end as one 'terminal.exit'. */
  'terminal.open': { input: OpenTerminalRequestSchema, output: TerminalInfoSchema },
  /** Keystrokes or pasted text, as the terminal emulator produced it. */
  'terminal.input': {
    input: z
      .object({
        id: TerminalIdSchema,
        data: z.string().min(1, 'data is empty').max(TERMINAL_INPUT_MAX_CHARS, `data must be at most ${TERMINAL_INPUT_MAX_CHARS} characters (send a long paste in several calls)`)
      })
      .strict(),
    output: Empty
  },
  'terminal.resize': { input: TerminalSizeSchema.extend({ id: TerminalIdSchema }).strict(), output: Empty },
  /** The renderer has written this many characters of output: the backend may send more. */
  'terminal.ack': {
    input: z.object({ id: TerminalIdSchema, chars: z.number().int().min(1).max(TERMINAL_HIGH_WATERMARK + TERMINAL_OUTPUT_MAX_CHARS) }).strict(),
    output: Empty
  },
  /** Ends the shell (closes the SSH channel, or kills the local shell). Closing an ended terminal is not an error. */
  'terminal.close': { input: TerminalRef, output: Empty },
  /** The terminals open now (a reloaded window finds them again), with their flow counters. */
  'terminal.list': { input: Empty, output: z.array(TerminalInfoSchema).max(256) }
} as const

export const TerminalExitReasonSchema = z.enum([
  /** The shell ended by itself (exit, logout, killed). */
  'exited',
  /** Closed on purpose: the tab, or the connection was disconnected or forgotten. */
  'closed',
  /** The SSH connection dropped under it. */
  'dropped',
  /** The terminal could not go on (a write failed, the source reported an error). */
  'error'
])

export const terminalEvents = {
  /** Output, in order; the renderer acknowledges it with 'terminal.ack' once written. */
  'terminal.output': z.object({ id: TerminalIdSchema, data: z.string().max(TERMINAL_OUTPUT_MAX_CHARS) }),
  /** The terminal ended; no output follows. */
  'terminal.exit': z.object({
    id: TerminalIdSchema,
    reason: TerminalExitReasonSchema,
    exitCode: z.number().int().optional(),
    signal: text('name', 'signal').optional(),
    /** Written in the terminal and the events strip: what happened, and what to do. */
    message: text('message', 'message')
  })
} as const

export type TerminalKind = z.infer<typeof TerminalKindSchema>
export type TerminalSize = z.infer<typeof TerminalSizeSchema>
export type OpenTerminalRequest = z.infer<typeof OpenTerminalRequestSchema>
export type TerminalInfo = z.infer<typeof TerminalInfoSchema>
export type TerminalFlow = z.infer<typeof TerminalFlowSchema>
export type LocalShellAvailability = z.infer<typeof LocalShellAvailabilitySchema>
export type TerminalExitReason = z.infer<typeof TerminalExitReasonSchema>
export type TerminalExit = z.infer<(typeof terminalEvents)['terminal.exit']>
