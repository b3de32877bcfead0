import { expect } from 'vitest';
import type { TestStore } from './test-app';

/**
 * A real SSE connection to a store's event stream: every `event: version` message's data,
 * parsed, in order (and handed to `onEvent` as it arrives). `close` aborts the connection.
 */
export async function openVersionEvents(
  baseUrl: string,
  store: TestStore,
  onEvent?: (data: Record<string, unknown>) => void,
) {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/v1/stores/${store.storeId}/sync/events`, {
    headers: store.auth,
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Record<string, unknown>[] = [];
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (/^event: version$/m.test(block) && data) {
            const event = JSON.parse(data) as Record<string, unknown>;
            events.push(event);
            onEvent?.(event);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => controller.abort() };
}
