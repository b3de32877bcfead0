import { Component, type ErrorInfo, type ReactNode } from 'react';
import { reportError } from '../lib/report-errors';
import { navigate, useQueryParam } from '../lib/router';

interface Props {
  screen: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/**
 * One per screen (seed plan 1.1): a crash shows a recovery panel instead of a blank app, and the
 * error (with its stack and component stack) is reported to the server, queued while offline.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    void reportError('boundary', error, info.componentStack ?? undefined);
  }

  override componentDidUpdate(prev: Props): void {
    if (prev.screen !== this.props.screen && this.state.error) this.setState({ error: null });
  }

  retry = () => {
    const url = new URL(location.href);
    if (url.searchParams.has('crash')) {
      url.searchParams.delete('crash');
      navigate(url.pathname + url.search, { replace: true });
    }
    this.setState({ error: null });
  };

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section className="crash" role="alert" aria-label="Screen error">
        <h2>Something went wrong on this screen</h2>
        <p>
          The problem has been reported. Your sales and changes are safe on this device. You can try
          again, or go back to the front desk.
        </p>
        <p className="muted">{this.state.error.message}</p>
        <div className="row">
          <button type="button" className="primary" onClick={this.retry}>
            Try again
          </button>
          <button
            type="button"
            onClick={() => {
              this.setState({ error: null });
              navigate('/desk');
            }}
          >
            Go to front desk
          </button>
        </div>
      </section>
    );
  }
}

/** Test hook: `?crash=<screen>` makes that screen throw while rendering. */
export function CrashProbe({ screen }: { screen: string }) {
  const crash = useQueryParam('crash');
  if (crash === screen) throw new Error(`Test crash requested for the ${screen} screen`);
  return null;
}
