import { useCallback, useState } from 'react';
import { RECEIPT_LAYOUTS, type ReceiptLayout } from '../lib/receipt';

const KEY = 'mango.receiptLayout';

function stored(): ReceiptLayout {
  try {
    const value = localStorage.getItem(KEY);
    return RECEIPT_LAYOUTS.find((l) => l === value) ?? 'thermal';
  } catch {
    return 'thermal';
  }
}

/**
 * The receipt layout this device prints: an 80 mm roll (the default: most desks have a thermal
 * printer) or a full page. Kept per device, not per store, because the printer is the device's.
 */
export function useReceiptLayout(): [ReceiptLayout, (layout: ReceiptLayout) => void] {
  const [layout, setLayout] = useState<ReceiptLayout>(stored);
  const choose = useCallback((next: ReceiptLayout) => {
    setLayout(next);
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // Private browsing without storage: the choice lasts until the page is left.
    }
  }, []);
  return [layout, choose];
}
