import { windowCloseHeight, windowOf } from '../ledger/window.ts';
import type { BlockHook, Rules } from '../state/rules.ts';
import { clearStations } from './clearStations.ts';
import { orderRules } from './orderRules.ts';
import { settleWindow } from './settleWindow.ts';

/**
 * At the closing height of window w (DESIGN §6): clear w, then settle window
 * w − settlementWindows, whose delivery window and reading time are over.
 * "Settlement follows once meter readings are in (or a deadline passes)":
 * the deadline is what every node can agree on, so settlement waits for it.
 */
const closeWindow: BlockHook = ({ header, genesis, view }) => {
  const window = windowOf(header.height, genesis);
  if (header.height !== windowCloseHeight(window, genesis)) return;
  const market = genesis.params.market;
  clearStations(view, window, market.concessionSteps);
  const due = window - market.settlementWindows;
  if (due >= 0) settleWindow(view, due, header.height, genesis);
};

export const marketRules: Partial<Rules> = {
  tx: orderRules,
  endBlock: [closeWindow],
};
