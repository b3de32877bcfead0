import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/** A phone: the width every mobile-first check of the suite uses. */
export const PHONE = { width: 390, height: 844 } as const;
/** WCAG 2.0 and 2.1, levels A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** The smallest touch target we accept (WCAG 2.5.5, Apple's and Google's guidance). */
export const TOUCH_PX = 44;

/** axe's serious and critical findings on the page as it is, one readable line per node. */
export async function axeFindings(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const width = page.viewportSize()?.width ?? 0;
  const found = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${where} @${width}px: [${v.impact}] ${v.id} (${v.help}) at ${n.target.join(' ')}: ${
            n.failureSummary?.split('\n').slice(1).join(' ').trim() ?? ''
          }`,
      ),
    );
  if (found.length > 0) console.error(found.join('\n'));
  return found;
}

/**
 * The page scrolls sideways when its scrolling element is wider than the window; then the
 * outermost elements sticking out name the culprit.
 */
export const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    const width = root.clientWidth;
    if (root.scrollWidth <= width) return [];
    const out = (el: Element) => el.getBoundingClientRect().right > width + 0.5;
    const culprits = [...document.body.querySelectorAll('*')]
      .filter((el) => out(el) && !(el.parentElement && out(el.parentElement)))
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${el.className} ends at ${Math.round(el.getBoundingClientRect().right)}px`,
      );
    return [`page is ${root.scrollWidth}px wide in a ${width}px window`, ...culprits];
  });

/**
 * Visible controls smaller than a finger. Appointments in the day view are drawn to the length
 * of the booking (the day view's own scale), and links inside running text are exempt (WCAG).
 */
export const smallTargets = (page: Page) =>
  page.evaluate((min) => {
    const controls = document.querySelectorAll<HTMLElement>(
      'button, a[href], select, textarea, input:not([type="hidden"]), label.chip, [role="tab"]',
    );
    const small: string[] = [];
    for (const el of controls) {
      if (el.closest('.calendar, p')) continue;
      // A radio or checkbox is sized by the label that wraps it.
      if (el instanceof HTMLInputElement && ['radio', 'checkbox'].includes(el.type)) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      if (box.height < min - 0.5 || box.width < min - 0.5) {
        const name =
          el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? el.tagName;
        small.push(
          `${el.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`,
        );
      }
    }
    return small;
  }, TOUCH_PX);
