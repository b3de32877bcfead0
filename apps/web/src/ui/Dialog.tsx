import { useEffect, useRef, type ReactNode } from 'react';

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(', ');

/** Open dialogs, innermost last: only that one answers Tab and Escape. */
const openDialogs: HTMLElement[] = [];

/** What Tab can reach in the dialog, in order (a radio group is one stop: its checked radio). */
function tabStops(dialog: HTMLElement): HTMLElement[] {
  return [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => {
    if (el.getClientRects().length === 0) return false;
    if (!(el instanceof HTMLInputElement) || el.type !== 'radio' || el.checked) return true;
    const group = dialog.querySelectorAll<HTMLInputElement>(
      `input[type="radio"][name="${CSS.escape(el.name)}"]`,
    );
    return ![...group].some((r) => r.checked) && group[0] === el;
  });
}

/**
 * A modal dialog: labelled; focus moves in and stays in (Tab and Shift+Tab cycle); Escape
 * closes it wherever focus is; focus goes back to what opened it.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  /**
   * false for a dialog holding unsaved input: a stray tap beside it must not lose the input
   * (Escape and × still call onClose, which may ask first).
   */
  dismissOnBackdrop?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const onClose = useRef(props.onClose);
  useEffect(() => {
    onClose.current = props.onClose;
  });
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    openDialogs.push(dialog);
    const first = dialog.querySelector<HTMLElement>('input, select, textarea, button:not(.close)');
    (first ?? dialog).focus();
    // On the document, not the dialog: Escape must work after a tap on the dialog's text (focus
    // on the page), and Tab from there must come back in.
    const onKey = (e: KeyboardEvent) => {
      if (openDialogs.at(-1) !== dialog || e.defaultPrevented) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose.current();
        return;
      }
      if (e.key !== 'Tab') return;
      const stops = tabStops(dialog);
      const [head, tail] = [stops[0], stops.at(-1)];
      const active = document.activeElement;
      const inside = active !== dialog && dialog.contains(active);
      // Past either end, or from outside: round to the other end (or into the dialog).
      let target: HTMLElement | undefined;
      if (!inside) target = e.shiftKey ? tail : head;
      else if (e.shiftKey && active === head) target = tail;
      else if (!e.shiftKey && active === tail) target = head;
      if (target || stops.length === 0) {
        e.preventDefault();
        (target ?? dialog).focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      openDialogs.splice(openDialogs.indexOf(dialog), 1);
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <div
      className="backdrop"
      onMouseDown={(e) =>
        e.target === e.currentTarget && props.dismissOnBackdrop !== false && props.onClose()
      }
    >
      <div
        ref={ref}
        className={props.wide ? 'dialog wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        tabIndex={-1}
      >
        <header>
          <h2>{props.title}</h2>
          <button type="button" className="close" aria-label="Close" onClick={props.onClose}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}
