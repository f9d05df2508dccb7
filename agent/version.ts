/** Replaced at bundle time by scripts/build-agent.mjs (esbuild define); 'dev' when run from source. */
declare const __HAVIP_AGENT_VERSION__: string | undefined
export const AGENT_VERSION: string = typeof __HAVIP_AGENT_VERSION__ === 'string' ? __HAVIP_AGENT_VERSION__ : '0.0.0-dev'
