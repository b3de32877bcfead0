import type { SyncEngine } from './engine';

/** The subset of `window` / `WorkerGlobalScope` / `document` the triggers listen to. */
export interface EventSourceLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Wires the platform's wake-up events to the engine: `online` → pull now (and reset the backoff),
 * `offline` → status, `focus` and `visibilitychange` (visible) → pull. In a worker only
 * `online`/`offline` exist; the UI thread forwards focus/visibility with `client.nudge(...)`.
 */
export function attachPlatformTriggers(
  engine: Pick<SyncEngine, 'nudge' | 'setOnline'>,
  target: EventSourceLike,
  doc?: EventSourceLike & { visibilityState?: string },
): () => void {
  const onOnline = () => engine.nudge('online');
  const onOffline = () => engine.setOnline(false);
  const onFocus = () => engine.nudge('focus');
  const onVisible = () => {
    if (!doc || doc.visibilityState === 'visible') engine.nudge('visible');
  };
  target.addEventListener('online', onOnline);
  target.addEventListener('offline', onOffline);
  target.addEventListener('focus', onFocus);
  doc?.addEventListener('visibilitychange', onVisible);
  return () => {
    target.removeEventListener('online', onOnline);
    target.removeEventListener('offline', onOffline);
    target.removeEventListener('focus', onFocus);
    doc?.removeEventListener('visibilitychange', onVisible);
  };
}
