import type { ServiceRow, StaffRow } from '@mango/domain/entities';
import type { VisitService } from '../lib/visit-items';
import { ServiceSelect } from './ServiceSelect';
import { StaffSelect } from './StaffSelect';

/**
 * A service added to a visit in the booking dialog: what, with whom, and — when another
 * technician does it — whether it runs at the same time as the service before it.
 */
export function VisitServiceRow(props: {
  /** 2 for the first added service: the dialog's own service is 1. */
  number: number;
  value: VisitService;
  previousStaffId: string;
  services: ServiceRow[];
  providers: StaffRow[];
  /** When it starts, in the store's clock. */
  startsAt: string;
  onChange: (value: VisitService) => void;
  onRemove: () => void;
}) {
  const v = props.value;
  const canRunTogether = v.staffId !== props.previousStaffId;
  return (
    <fieldset className="visit-service" aria-label={`Service ${props.number}`}>
      <legend>
        Service {props.number} · {props.startsAt}
      </legend>
      <div className="row wrap">
        <ServiceSelect
          services={props.services}
          value={v.serviceId}
          onChange={(serviceId) => props.onChange({ ...v, serviceId })}
        />
        <StaffSelect
          staff={props.providers}
          value={v.staffId}
          onChange={(staffId) =>
            props.onChange({
              ...v,
              staffId,
              together: v.together && staffId !== props.previousStaffId,
            })
          }
        />
        {canRunTogether && (
          <label className="check">
            <input
              type="checkbox"
              checked={v.together}
              onChange={(e) => props.onChange({ ...v, together: e.target.checked })}
            />
            Same time as service {props.number - 1}
          </label>
        )}
        <button type="button" onClick={props.onRemove}>
          Remove service {props.number}
        </button>
      </div>
    </fieldset>
  );
}
