import { useCallback, useEffect, useRef, useState, type PointerEvent } from 'react';

/** How long a finger rests on a booking before it lifts (shorter would fight scrolling). */
export const LONG_PRESS_MS = 400;
/** A finger moving farther than this before the long press is a scroll, not a pick-up. */
const TOUCH_SLOP_PX = 10;
/** A mouse moving farther than this with the button down is a drag, not a click. */
const MOUSE_SLOP_PX = 4;
export const SNAP_MIN = 15;
/** appointment.reschedule's longest resize. */
const MAX_LENGTH_MIN = 720;

export interface DragPreview {
  id: string;
  staffId: string;
  startMin: number;
  durationMin: number;
}

interface Gesture {
  mode: 'move' | 'resize';
  pointerId: number;
  touch: boolean;
  x: number;
  y: number;
  /** Where in the booking it was grabbed, so it does not jump to the finger's position. */
  grabY: number;
  origin: DragPreview;
  picked: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Moving and resizing bookings on the book with pointer events, one path for mouse, pen and
 * touch. A mouse picks a booking up as soon as it moves; a finger must rest on it for
 * LONG_PRESS_MS first, so a swipe across the book still scrolls it. The bottom edge resizes.
 */
export function useAppointmentDrag(opts: {
  /** The book's columns: elements with `data-staff-id`, inside this container. */
  container: () => HTMLElement | null;
  bookStartMin: number;
  pxPerMin: number;
  onMove: (id: string, staffId: string, startMin: number) => void;
  onResize: (id: string, durationMin: number) => void;
}) {
  const [preview, setPreview] = useState<DragPreview | null>(null);
  const gesture = useRef<Gesture | null>(null);
  const justDragged = useRef(false);
  const latest = useRef(opts);
  latest.current = opts;

  const place = useCallback((g: Gesture, clientX: number, clientY: number): DragPreview => {
    const o = latest.current;
    const snap = (px: number) => Math.round(px / o.pxPerMin / SNAP_MIN) * SNAP_MIN;
    const columns = [...(o.container()?.querySelectorAll<HTMLElement>('[data-staff-id]') ?? [])];
    const column =
      columns.find((c) => {
        const r = c.getBoundingClientRect();
        return clientX >= r.left && clientX < r.right;
      }) ?? columns.find((c) => c.dataset['staffId'] === g.origin.staffId);
    const top = column?.getBoundingClientRect().top ?? 0;
    if (g.mode === 'resize') {
      const bottomMin = snap(clientY - top) + o.bookStartMin;
      const durationMin = Math.min(
        MAX_LENGTH_MIN,
        Math.max(SNAP_MIN, bottomMin - g.origin.startMin),
      );
      return { ...g.origin, durationMin };
    }
    const startMin = Math.max(0, o.bookStartMin + snap(clientY - top - g.grabY));
    return {
      ...g.origin,
      staffId: column?.dataset['staffId'] ?? g.origin.staffId,
      startMin: Math.min(startMin, 24 * 60 - SNAP_MIN),
    };
  }, []);

  const end = useCallback(() => {
    const g = gesture.current;
    if (g?.timer) clearTimeout(g.timer);
    gesture.current = null;
    setPreview(null);
  }, []);

  useEffect(() => {
    const onMove = (e: globalThis.PointerEvent) => {
      const g = gesture.current;
      if (!g || e.pointerId !== g.pointerId) return;
      const dist = Math.hypot(e.clientX - g.x, e.clientY - g.y);
      if (!g.picked) {
        if (g.touch) {
          if (dist > TOUCH_SLOP_PX) end();
          return;
        }
        if (dist <= MOUSE_SLOP_PX) return;
        g.picked = true;
      }
      setPreview(place(g, e.clientX, e.clientY));
    };
    const onUp = (e: globalThis.PointerEvent) => {
      const g = gesture.current;
      if (!g || e.pointerId !== g.pointerId) return;
      if (g.picked) {
        justDragged.current = true;
        // The click that follows this pointerup must not open the booking's dialog.
        setTimeout(() => (justDragged.current = false), 0);
        const to = place(g, e.clientX, e.clientY);
        const o = latest.current;
        if (g.mode === 'resize') {
          if (to.durationMin !== g.origin.durationMin) o.onResize(to.id, to.durationMin);
        } else if (to.startMin !== g.origin.startMin || to.staffId !== g.origin.staffId) {
          o.onMove(to.id, to.staffId, to.startMin);
        }
      }
      end();
    };
    const onCancel = (e: globalThis.PointerEvent) => {
      if (gesture.current?.pointerId === e.pointerId) end();
    };
    // Once a finger has picked a booking up, its moves drag the booking, not the page.
    const onTouchMove = (e: TouchEvent) => {
      if (gesture.current?.picked && e.cancelable) e.preventDefault();
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
    window.addEventListener('pointercancel', onCancel);
    window.addEventListener('touchmove', onTouchMove, { passive: false });
    return () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      window.removeEventListener('pointercancel', onCancel);
      window.removeEventListener('touchmove', onTouchMove);
    };
  }, [place, end]);

  const start = useCallback(
    (e: PointerEvent<HTMLElement>, origin: DragPreview, mode: 'move' | 'resize') => {
      if (e.button !== 0 || gesture.current) return;
      if (mode === 'resize') e.stopPropagation();
      const booking = (e.target as HTMLElement).closest('.appt') ?? e.currentTarget;
      const g: Gesture = {
        mode,
        pointerId: e.pointerId,
        touch: e.pointerType === 'touch',
        x: e.clientX,
        y: e.clientY,
        grabY: e.clientY - booking.getBoundingClientRect().top,
        origin,
        picked: false,
        timer: undefined,
      };
      if (g.touch) {
        g.timer = setTimeout(() => {
          if (gesture.current !== g) return;
          g.picked = true;
          setPreview(origin);
          navigator.vibrate?.(10);
        }, LONG_PRESS_MS);
      }
      gesture.current = g;
    },
    [],
  );

  return {
    preview,
    start,
    /** True right after a drag ended: the click it produces is not a tap on the booking. */
    wasDrag: () => justDragged.current,
  };
}
