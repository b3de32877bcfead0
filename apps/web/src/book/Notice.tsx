import type { ReactNode } from 'react';
import { usePageTitle } from '../hooks/usePageTitle';

/** A whole page that only says something: not found, booking off, a failed load. */
export function Notice(props: { title: string; children: ReactNode }) {
  usePageTitle(props.title);
  return (
    <main className="bk">
      <h1>{props.title}</h1>
      <p>{props.children}</p>
    </main>
  );
}
