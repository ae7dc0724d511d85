/**
 * Weighted thresholds in integers only (DESIGN §3). Quorum is strictly more
 * than 2/3 of the committee's weight: 3·w > 2·total. "More than 1/3"
 * (3·w > total) is the weight no Byzantine minority can reach alone, used to
 * skip ahead to a higher round.
 */
export function isQuorum(weight: number, total: number): boolean {
  return total > 0 && 3 * weight > 2 * total;
}

export function exceedsOneThird(weight: number, total: number): boolean {
  return total > 0 && 3 * weight > total;
}
