import { formatMoney } from '@mango/domain/money';
import type { PublicService } from './public-api';
import { StepHeading } from './StepHeading';

/** Step 1: the service. */
export function ServiceStep(props: {
  services: PublicService[];
  currency: string;
  locale: string;
  onPick: (serviceId: string) => void;
}) {
  return (
    <section aria-labelledby="bk-service-h">
      <StepHeading id="bk-service-h">Choose a service</StepHeading>
      {props.services.length === 0 ? (
        <p>No services can be booked online right now. Please call the salon.</p>
      ) : (
        <ul className="bk-choices">
          {props.services.map((s) => (
            <li key={s.id}>
              <button type="button" className="bk-choice" onClick={() => props.onPick(s.id)}>
                <span className="bk-choice-name">{s.name}</span>
                <span className="bk-muted">
                  {s.durationMinutes} min
                  {` · ${formatMoney(s.priceCents, props.currency, props.locale)}`}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
