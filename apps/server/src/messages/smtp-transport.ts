import { createTransport } from 'nodemailer';

/** One message handed to the SMTP server. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** `<…>`: the same on every attempt of one row (a receiver drops a re-sent copy). */
  messageId: string;
}

/** The e-mail edge: resolves once the server accepted the message, throws otherwise. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** nodemailer over SMTP_URL (smtp:// with STARTTLS when offered, smtps:// for TLS at once). */
export function createSmtpTransport(url: string): MailTransport {
  // Short timeouts: the sender holds its claimed rows' transaction open while it sends.
  const transport = createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
      });
    },
    close() {
      transport.close();
    },
  };
}
