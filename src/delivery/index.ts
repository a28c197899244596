export { enqueue, cancel, batchProgress, MESSAGE_METHODS } from "./outbox.js";
export type { OutgoingMessage, MessageMethod, DeliveryStatus, BatchProgress, CancelFilter } from "./outbox.js";
export { DeliveryWorker } from "./worker.js";
export type { DeliveryWorkerOptions, DeliveryEvent } from "./worker.js";
export { classify, backoffMs } from "./errors.js";
