/**
 * Asked before a dialog holding unsaved input closes (Escape, ×, Cancel): "Keep editing" is
 * focused, so a second stray key press keeps the input too.
 */
export function DiscardConfirm(props: {
  question: string;
  onKeep: () => void;
  onDiscard: () => void;
}) {
  return (
    <div className="row wrap discard" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button type="button" autoFocus onClick={props.onKeep}>
        Keep editing
      </button>
      <button type="button" className="danger" onClick={props.onDiscard}>
        Discard
      </button>
    </div>
  );
}
