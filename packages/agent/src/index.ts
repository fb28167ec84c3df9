/**
 * @riposte/agent: Riposte's agent for Node.js web applications.
 *
 *   const agent = createAgent({ url: process.env.RIPOSTE_URL, token: process.env.RIPOSTE_TOKEN });
 *   app.use(agent.middleware());
 *   agent.track({ type: 'login_failure', user: { login } }, req);
 */
export { createAgent, type RiposteAgent } from './agent';
export type { Block, Decision } from './decision';
export type { TrackEvent, TrackedActor, TrackedUser } from './events';
export type { FastifyPlugin } from './fastify';
export type { AgentLogger, LogFields } from './logger';
export type { ConnectMiddleware } from './middleware';
export { AgentOptionError } from './option-error';
export type { AgentOptions, BatchOptions, BlockReply, RetryOptions, SyncOptions } from './options';
export type { RiposteResponse } from './responses';
export type { AgentStats } from './stats';
export type { TrustProxy } from './client-ip';
