import { useEffect } from 'react';

const APP = 'Mango POS';

/**
 * Names the page after the screen on it ("Front desk · Mango POS"): what a screen reader
 * announces on navigation and what the tab, the window switcher and history show.
 */
export function usePageTitle(screen: string): void {
  useEffect(() => {
    document.title = `${screen} · ${APP}`;
  }, [screen]);
}
