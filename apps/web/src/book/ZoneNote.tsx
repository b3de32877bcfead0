/** Says the times are the salon's when the phone is set to another time zone (a traveller). */
export function ZoneNote({ timeZone }: { timeZone: string }) {
  const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (mine === timeZone) return null;
  return <p className="bk-muted">Times are the salon’s local time ({timeZone}).</p>;
}
