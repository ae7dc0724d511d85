export { createNode, type LeagNode } from './node/createNode.ts';
export type { NodeState } from './node/nodeState.ts';
