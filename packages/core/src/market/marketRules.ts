import { windowCloseHeight, windowOf } from '../ledger/window.ts';
import type { BlockHook, Rules } from '../state/rules.ts';
import { clearStations } from './clearStations.ts';
import { gridAccountRule } from './gridAccount.ts';
import { orderRules } from './orderRules.ts';
import { settleWindow } from './settleWindow.ts';

/**
 * At the closing height of window w (DESIGN §6): settle window
 * w − settlementWindows, whose delivery window and reading time are over,
 * then clear w. "Settlement follows once meter readings are in (or a deadline
 * passes)": the deadline is what every node can agree on, so settlement waits
 * for it. Settling first lets w's clearing see the reputations that
 * settlement just moved, so an account that fell below R_min in a role has no
 * order matched in that role from then on (decision 0008).
 */
const closeWindow: BlockHook = ({ header, genesis, view }) => {
  const window = windowOf(header.height, genesis);
  if (header.height !== windowCloseHeight(window, genesis)) return;
  const market = genesis.params.market;
  const due = window - market.settlementWindows;
  if (due >= 0) settleWindow(view, due, header.height, genesis);
  clearStations(view, window, market.concessionSteps, genesis.params.evReputation);
};

export const marketRules: Partial<Rules> = {
  tx: { ...orderRules, 'grid-account': gridAccountRule },
  endBlock: [closeWindow],
};
