/** A fieldset of checkboxes choosing ids out of a list (ids compared in lowercase, as stored). */
export function IdChecklist(props: {
  legend: string;
  items: { id: string; label: string }[];
  chosen: readonly string[];
  onToggle: (id: string, on: boolean) => void;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.items.map((item) => {
        const id = item.id.toLowerCase();
        return (
          <label key={id} className="check">
            <input
              type="checkbox"
              checked={props.chosen.includes(id)}
              onChange={(e) => props.onToggle(id, e.target.checked)}
            />{' '}
            {item.label}
          </label>
        );
      })}
    </fieldset>
  );
}
