/**
 * Jupyter messaging 5.3 over ZeroMQ, client side: the connection file, message construction,
 * the wire format (identities, `<IDS|MSG>`, HMAC-SHA256 signature over the four JSON frames,
 * then buffers), signature verification of received messages, and the four client sockets
 * (shell and control: DEALER; iopub: SUB subscribed to everything; heartbeat: REQ).
 * https://jupyter-client.readthedocs.io/en/latest/messaging.html
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import * as zmq from 'zeromq';

export const PROTOCOL_VERSION = '5.3';
export const DELIM = Buffer.from('<IDS|MSG>');

export interface ConnectionInfo {
  transport: 'tcp';
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: 'hmac-sha256';
  kernel_name?: string;
}

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface JupyterMessage<C = Record<string, unknown>> {
  identities: Buffer[];
  header: MessageHeader;
  /** The header of the request this message answers, or {} . */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** A TCP port on 127.0.0.1 free at the time of asking (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A connection file's content: five distinct free ports on 127.0.0.1 and a random key. */
export async function makeConnectionInfo(): Promise<ConnectionInfo> {
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(await freePort());
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = [...ports];
  return {
    transport: 'tcp',
    ip: '127.0.0.1',
    shell_port: shell_port!,
    iopub_port: iopub_port!,
    stdin_port: stdin_port!,
    control_port: control_port!,
    hb_port: hb_port!,
    key: randomBytes(32).toString('hex'),
    signature_scheme: 'hmac-sha256',
    kernel_name: 'tslab',
  };
}

export function address(info: ConnectionInfo, port: number): string {
  return `${info.transport}://${info.ip}:${port}`;
}

/** HMAC-SHA256 (hex) of the given frames under `key`; '' when the key is empty (signing off). */
export function sign(key: string, frames: (string | Buffer)[]): string {
  if (!key) return '';
  const h = createHmac('sha256', key);
  for (const f of frames) h.update(f);
  return h.digest('hex');
}

export function makeMessage<C>(
  session: string,
  msgType: string,
  content: C,
  parent: Partial<MessageHeader> = {},
  metadata: Record<string, unknown> = {},
): JupyterMessage<C> {
  return {
    identities: [],
    header: {
      msg_id: randomUUID(),
      session,
      username: 'cvgl',
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: parent,
    metadata,
    content,
    buffers: [],
  };
}

/** The wire frames of a message, signed with `key`. */
export function encode(key: string, msg: JupyterMessage<unknown>): Buffer[] {
  const body = [msg.header, msg.parent_header, msg.metadata, msg.content].map((x) => Buffer.from(JSON.stringify(x)));
  return [...msg.identities, DELIM, Buffer.from(sign(key, body)), ...body, ...msg.buffers];
}

export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** Parses wire frames; throws SignatureError when the signature does not match (or is missing). */
export function decode(key: string, frames: Buffer[]): JupyterMessage {
  const i = frames.findIndex((f) => f.equals(DELIM));
  if (i < 0) throw new SignatureError('message without <IDS|MSG> delimiter');
  if (frames.length < i + 6) throw new SignatureError(`message with ${frames.length - i - 1} frames after the delimiter (need 5)`);
  const sig = frames[i + 1]!.toString();
  const body = frames.slice(i + 2, i + 6);
  if (key) {
    const want = Buffer.from(sign(key, body));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw new SignatureError('invalid message signature');
  }
  const [header, parent_header, metadata, content] = body.map((b) => JSON.parse(b.toString('utf8')));
  return { identities: frames.slice(0, i), header, parent_header, metadata, content, buffers: frames.slice(i + 6) };
}

/** The client's end of a kernel's channels. */
export class KernelClient {
  readonly session = randomUUID();
  readonly shell = new zmq.Dealer({ linger: 0 });
  readonly control = new zmq.Dealer({ linger: 0 });
  readonly iopub = new zmq.Subscriber({ linger: 0 });
  readonly hb = new zmq.Request({ linger: 0, receiveTimeout: 2000, sendTimeout: 2000 });
  /** Received messages with a bad signature, dropped. */
  rejected = 0;
  private closed = false;

  constructor(readonly info: ConnectionInfo) {
    this.shell.connect(address(info, info.shell_port));
    this.control.connect(address(info, info.control_port));
    this.iopub.connect(address(info, info.iopub_port));
    this.iopub.subscribe();
    this.hb.connect(address(info, info.hb_port));
  }

  message<C>(msgType: string, content: C, parent?: Partial<MessageHeader>): JupyterMessage<C> {
    return makeMessage(this.session, msgType, content, parent);
  }

  async send(channel: 'shell' | 'control', msg: JupyterMessage<unknown>): Promise<void> {
    await this[channel].send(encode(this.info.key, msg));
  }

  /** Calls `onMessage` for each verified message on a channel until the client closes. */
  async listen(channel: 'shell' | 'control' | 'iopub', onMessage: (m: JupyterMessage) => void): Promise<void> {
    const sock = this[channel];
    try {
      for await (const frames of sock) {
        let m: JupyterMessage;
        try {
          m = decode(this.info.key, frames as Buffer[]);
        } catch (e) {
          if (e instanceof SignatureError) {
            this.rejected++;
            continue;
          }
          throw e;
        }
        onMessage(m);
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  /** true when the heartbeat echoes within the timeout. */
  async ping(): Promise<boolean> {
    try {
      const payload = Buffer.from(randomUUID());
      await this.hb.send(payload);
      const [echo] = await this.hb.receive();
      return !!echo && echo.equals(payload);
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.control, this.iopub, this.hb]) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  }
}
