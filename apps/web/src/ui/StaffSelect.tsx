import type { StaffRow } from '@mango/domain/entities';

/** A labelled pick of a staff member; with `anyone`, a first choice of nobody in particular. */
export function StaffSelect(props: {
  staff: StaffRow[];
  value: string;
  onChange: (staffId: string) => void;
  label?: string;
  /** The label of the empty choice (value ''): "Anyone", "Next in turn". */
  anyone?: string;
}) {
  return (
    <label>
      {props.label ?? 'Staff member'}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.anyone !== undefined && <option value="">{props.anyone}</option>}
        {props.staff.map((s) => (
          <option key={s.id} value={s.id}>
            {s.displayName}
          </option>
        ))}
      </select>
    </label>
  );
}
