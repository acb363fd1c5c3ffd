/** WhatsApp's customer-service window: free-form replies are allowed for 24 hours after the customer's last message. */
export const CONTACT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** When the window that an inbound message at `lastInboundAt` opened closes (null when there was none). */
export function windowOpenUntil(lastInboundAt: number | undefined): number | null {
  return lastInboundAt === undefined ? null : lastInboundAt + CONTACT_WINDOW_MS;
}
