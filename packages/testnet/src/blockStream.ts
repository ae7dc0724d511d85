import type { BlockEvent } from '@v2g/node';

/** Follows a node's server-sent block events until `signal` aborts. */
export async function followBlocks(
  baseUrl: string,
  onBlock: (e: BlockEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(`${baseUrl}/v1/events`, { signal });
  if (!res.body) throw new Error('no event stream');
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (data) onBlock(JSON.parse(data.slice(6)) as BlockEvent);
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
