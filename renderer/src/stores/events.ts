import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

/** One line in the events strip: a backend log line or a connection state change. */
export interface EventLine {
  seq: number
  at: string
  level: 'info' | 'warn' | 'error'
  message: string
  node?: string
}

/** Bounded so a chatty backend cannot grow the renderer's memory without limit. */
const MAX_LINES = 300

export const useEventsStore = defineStore('events', () => {
  const lines = ref<EventLine[]>([])
  let seq = 0

  const latest = computed<EventLine | undefined>(() => lines.value[lines.value.length - 1])
  const errorCount = computed(() => lines.value.filter((l) => l.level === 'error').length)

  function push(line: Omit<EventLine, 'seq'>): void {
    seq += 1
    const next = [...lines.value, { ...line, seq }]
    lines.value = next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next
  }

  function clear(): void {
    lines.value = []
  }

  return { lines, latest, errorCount, push, clear }
})
