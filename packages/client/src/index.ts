export * from './nodeClient.ts';
export * from './txBuilders.ts';
