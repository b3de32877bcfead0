/** Row ids are UUIDs made on the device (protocol). */
export const newId = (): string => crypto.randomUUID();
