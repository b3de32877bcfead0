/** Back to the previous step, keeping what was chosen there. */
export function BackButton(props: { onBack: () => void; label?: string }) {
  return (
    <button type="button" className="bk-back" onClick={props.onBack}>
      <span aria-hidden="true">‹ </span>
      {props.label ?? 'Back'}
    </button>
  );
}
