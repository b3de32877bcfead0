import type { ReceiptLayout } from '../lib/receipt';

const LABEL: Record<ReceiptLayout, string> = {
  thermal: '80 mm roll',
  full: 'Full page',
};

/** Which paper the receipt prints on; the choice is this device's (useReceiptLayout). */
export function ReceiptLayoutPicker(props: {
  layout: ReceiptLayout;
  onChange: (layout: ReceiptLayout) => void;
}) {
  return (
    <label>
      Receipt paper
      <select
        value={props.layout}
        onChange={(e) => props.onChange(e.target.value === 'full' ? 'full' : 'thermal')}
      >
        {(Object.keys(LABEL) as ReceiptLayout[]).map((l) => (
          <option key={l} value={l}>
            {LABEL[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
