import type { ClientRow } from '@mango/domain/entities';

/**
 * What the desk must know about a client before the service: their allergies as an alert, their
 * notes. Shown on their tickets and while booking them.
 */
export function ClientAlerts({ client }: { client: ClientRow | undefined }) {
  return (
    <>
      {client?.allergies && (
        <p role="alert" className="client-alert">
          <strong>Allergies:</strong> {client.allergies}
        </p>
      )}
      {client?.notes && (
        <p className="muted" aria-label="Client notes">
          Notes: {client.notes}
        </p>
      )}
    </>
  );
}
