// The agent room's front door: `skiff agent` as a library (engine + runtime + kubelet in one process).
export { runAgent, defaultNodeIP, DEFAULT_AGENT_ROOT } from './agent.ts';
export type { AgentOptions } from './agent.ts';
