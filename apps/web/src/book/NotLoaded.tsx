import { Notice } from './Notice';

export type NotLoadedState =
  { state: 'loading' } | { state: 'missing' } | { state: 'failed'; retry: () => void };

/** The page while its data loads, when there is none (a 4xx), or when the load failed. */
export function NotLoaded(props: {
  loaded: NotLoadedState;
  missing: { title: string; text: string };
  failedTitle: string;
}) {
  const { loaded } = props;
  if (loaded.state === 'missing') {
    return <Notice title={props.missing.title}>{props.missing.text}</Notice>;
  }
  return (
    <main className="bk">
      {loaded.state === 'loading' ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <h1>{props.failedTitle}</h1>
          <p role="alert">Check your connection and try again.</p>
          <button type="button" className="bk-primary" onClick={loaded.retry}>
            Try again
          </button>
        </>
      )}
    </main>
  );
}
