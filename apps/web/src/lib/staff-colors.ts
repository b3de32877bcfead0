/**
 * A colour per technician on the appointment book: a strong accent (the column's dot, the
 * booking's edge) and a light tint behind the booking's text. Every tint keeps the book's dark
 * text above WCAG AA contrast (checked by staff-colors.test.ts), whatever accent the staff
 * member picked: a picked colour only replaces the accent, never the tint.
 */
export const STAFF_PALETTE: readonly { accent: string; tint: string }[] = [
  { accent: '#d97706', tint: '#fef3c7' },
  { accent: '#2563eb', tint: '#dbeafe' },
  { accent: '#059669', tint: '#d1fae5' },
  { accent: '#db2777', tint: '#fce7f3' },
  { accent: '#7c3aed', tint: '#ede9fe' },
  { accent: '#0891b2', tint: '#cffafe' },
  { accent: '#dc2626', tint: '#fee2e2' },
  { accent: '#65a30d', tint: '#ecfccb' },
];

/** The text colours drawn on a tint (styles.css `.appt` and `.appt-svc`). */
export const BOOKING_TEXT = { main: '#1f2937', secondary: '#4b5563' } as const;

/** Stable across devices and sessions: the same staff id always lands on the same colour. */
export function paletteIndex(staffId: string): number {
  // FNV-1a, its high bits folded down: ids differing in one character still spread out.
  let h = 0x811c9dc5;
  for (const ch of staffId) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 0x01000193);
  return ((h ^ (h >>> 16)) >>> 0) % STAFF_PALETTE.length;
}

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

export function staffColors(staff: { id: string; color?: string | null }): {
  accent: string;
  tint: string;
} {
  const base = STAFF_PALETTE[paletteIndex(staff.id)] ?? STAFF_PALETTE[0]!;
  return staff.color && HEX_COLOR.test(staff.color) ? { ...base, accent: staff.color } : base;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 … 21). */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
