/**
 * The response of a long operation (pull, push, load, import) as dockerd writes it: a 200
 * stream of JSON messages — but only once the operation got going. Messages written before
 * `open()` are held back, so a failure before that point (unknown image, refused credentials,
 * unreachable registry, bad archive) is answered with Docker's status and `{"message"}`
 * instead of a 200 with the error inside; after it, a failure is the stream's last message
 * (`errorDetail`). Progress is small and infrequent: it is written without waiting for the
 * client to drain it, and never while the store is locked.
 */
import type { ServerResponse } from 'node:http';
import { encodeMessage, errorMessage, type DockerMessage } from '../progress-json.js';

export class JsonStream {
  private held: DockerMessage[] = [];
  private isOpen = false;
  private readonly aborter = new AbortController();

  /** Aborted when the client goes away before the end (or the service stops): the operation stops. */
  readonly signal: AbortSignal;

  constructor(
    private readonly res: ServerResponse,
    stopping?: AbortSignal,
  ) {
    this.signal = stopping ? AbortSignal.any([this.aborter.signal, stopping]) : this.aborter.signal;
    res.once('close', () => {
      if (!res.writableFinished) this.aborter.abort(new Error('the client closed the connection'));
    });
  }

  get opened(): boolean {
    return this.isOpen;
  }

  /** Start the 200 response and write what was held back. */
  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    if (!this.res.headersSent) this.res.writeHead(200, { 'Content-Type': 'application/json' });
    const held = this.held;
    this.held = [];
    for (const m of held) this.write(m);
  }

  send = (m: DockerMessage): void => {
    if (this.isOpen) this.write(m);
    else this.held.push(m);
  };

  /**
   * A failure: before `open()`, rethrown for the router to answer with a status; after, the
   * stream's last message (`message`, Docker's wording of it).
   */
  fail(e: unknown, message: string): void {
    if (!this.isOpen) throw e;
    this.write(errorMessage(message));
  }

  /** End the response (opening it first when nothing failed). */
  end(): void {
    this.open();
    if (!this.res.writableEnded) this.res.end();
  }

  private write(m: DockerMessage): void {
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(encodeMessage(m));
  }
}
