import type { BlockEvent } from '@v2g/node';

/** Follows a node's server-sent block events (`GET /v1/events`, topic block) until `signal` aborts. */
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
        const lines = frame.split('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
        const data = lines.find((l) => l.startsWith('data: '));
        // Only block frames (a stream asked for other topics too carries market events).
        if (data && (event === 'block' || event === 'message'))
          onBlock(JSON.parse(data.slice(6)) as BlockEvent);
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
