export * from './certificate.ts';
export * from './engine.ts';
export type * from './interface.ts';
export * from './leader.ts';
export * from './messages.ts';
export * from './quorum.ts';
export * from './selectCommittee.ts';
export * from './signingGuard.ts';
