/**
 * A first booking-page address from the store's name ("Nails by Lee!" → "nails-by-lee"), which
 * the owner may change: lowercase letters and digits joined by single dashes, 3–40 characters
 * (the domain's SLUG_PATTERN).
 */
export function suggestedSlug(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const w of words) {
    const next = slug ? `${slug}-${w}` : w;
    if (next.length > 40) break;
    slug = next;
  }
  if (!slug) slug = words[0]?.slice(0, 40) ?? '';
  return slug.length >= 3 ? slug : `${slug || 'salon'}-book`.replace(/^-/, '');
}
