/** Hard limits on encoded transactions; anything larger is rejected before decoding. */
export const MAX_TX_BYTES = 16 * 1024;
export const MAX_TX_INPUTS = 64;
export const MAX_TX_OUTPUTS = 64;
export const MAX_TX_WITNESSES = 128;
