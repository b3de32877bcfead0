import { useStoreClock } from '../hooks/useStoreClock';

/** The hour labels down the left of the book (day and week views), in the store's clock format. */
export function BookGutter(props: { hours: number[]; startMin: number; pxPerMin: number }) {
  const { clockOfMinutes } = useStoreClock();
  return (
    <div className="cal-gutter">
      {props.hours.map((m) => (
        <div key={m} className="cal-hour" style={{ top: (m - props.startMin) * props.pxPerMin }}>
          {clockOfMinutes(m)}
        </div>
      ))}
    </div>
  );
}
