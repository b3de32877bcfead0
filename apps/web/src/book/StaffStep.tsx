import { BackButton } from './BackButton';
import { ANYONE, type PublicStaff } from './public-api';
import { StepHeading } from './StepHeading';

/** Step 2: a technician, or anyone free at the chosen time. */
export function StaffStep(props: {
  staff: PublicStaff[];
  onPick: (staffId: string) => void;
  onBack: () => void;
}) {
  return (
    <section aria-labelledby="bk-staff-h">
      <BackButton onBack={props.onBack} />
      <StepHeading id="bk-staff-h">Choose a technician</StepHeading>
      <ul className="bk-choices">
        <li>
          <button type="button" className="bk-choice" onClick={() => props.onPick(ANYONE)}>
            <span className="bk-choice-name">Anyone</span>
            <span className="bk-muted">The first free technician</span>
          </button>
        </li>
        {props.staff.map((s) => (
          <li key={s.id}>
            <button type="button" className="bk-choice" onClick={() => props.onPick(s.id)}>
              <span className="bk-choice-name">{s.displayName}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
