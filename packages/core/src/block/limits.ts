export const MAX_BLOCK_BYTES = 8 * 1024 * 1024;
export const MAX_BLOCK_TXS = 20_000;
export const MAX_COMMITTEE = 256;
