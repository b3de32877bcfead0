import { useEffect, useRef, type ReactNode } from 'react';

/**
 * The heading of a booking step. It takes focus when the step appears, so a screen reader
 * announces the new step and the keyboard continues from there, as after a page load.
 */
export function StepHeading(props: { id: string; children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h2 ref={ref} id={props.id} tabIndex={-1} className="bk-step">
      {props.children}
    </h2>
  );
}
