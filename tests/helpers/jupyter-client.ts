// A small Jupyter-protocol client, as VS Code and JupyterLab talk to a kernel: it writes a connection file, starts
// the kernel from a kernelspec's argv, and sends execute requests over ZeroMQ (signed with HMAC-SHA256), collecting
// each request's outputs from the iopub channel. No Python anywhere.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";

export interface KernelMessage {
  header: { msg_id: string; msg_type: string; [k: string]: unknown };
  parent_header: { msg_id?: string; [k: string]: unknown };
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

export interface ExecuteResult {
  status: string;
  /** iopub messages of the request (stream, display_data, update_display_data, error, ...), in order. */
  outputs: KernelMessage[];
}

const DELIM = "<IDS|MSG>";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export class KernelClient {
  private readonly key = randomUUID();
  private readonly session = randomUUID();
  private readonly shell = new zmq.Dealer({ routingId: randomUUID() });
  private readonly control = new zmq.Dealer({ routingId: randomUUID() });
  private readonly iopub = new zmq.Subscriber();
  private readonly iopubByParent = new Map<string, KernelMessage[]>();
  private readonly idle = new Map<string, () => void>();
  private readonly replies = new Map<string, (msg: KernelMessage) => void>();
  private readonly stderrChunks: string[] = [];
  private process: ChildProcess | null = null;
  private closed = false;
  private startError: Error | null = null;

  private constructor(private readonly connectionFile: string) {}

  /** Starts the kernel of kernel.json (its argv with {connection_file} filled in), in cwd, with env. */
  static async start(kernelJson: string, opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<KernelClient> {
    const spec = JSON.parse(fs.readFileSync(kernelJson, "utf8")) as { argv: string[] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gptlab-kernel-"));
    const client = new KernelClient(path.join(dir, "connection.json"));
    const ports = { shell_port: await freePort(), iopub_port: await freePort(), stdin_port: await freePort(), control_port: await freePort(), hb_port: await freePort() };
    fs.writeFileSync(client.connectionFile, JSON.stringify({ ...ports, ip: "127.0.0.1", transport: "tcp", signature_scheme: "hmac-sha256", key: client.key, kernel_name: "tslab" }));
    const argv = spec.argv.map((a) => a.replace("{connection_file}", client.connectionFile));
    client.process = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "ignore", "pipe"] });
    client.process.stderr?.on("data", (d: Buffer) => client.stderrChunks.push(d.toString()));
    client.process.on("error", (e) => (client.startError = e));
    const url = (port: number): string => `tcp://127.0.0.1:${port}`;
    client.shell.connect(url(ports.shell_port));
    client.control.connect(url(ports.control_port));
    client.iopub.connect(url(ports.iopub_port));
    client.iopub.subscribe();
    void client.pump(client.iopub, (m) => client.onIopub(m));
    void client.pump(client.shell, (m) => client.onReply(m));
    void client.pump(client.control, (m) => client.onReply(m));
    await client.waitUntilReady();
    return client;
  }

  /** What the kernel wrote to stderr (tslab's compile errors land there). */
  stderr(): string {
    return this.stderrChunks.join("");
  }

  private sign(parts: string[]): string {
    const h = createHmac("sha256", this.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  private message(msgType: string, content: Record<string, unknown>): { id: string; frames: string[] } {
    const id = randomUUID();
    const header = JSON.stringify({ msg_id: id, msg_type: msgType, session: this.session, username: "gptlab-test", date: new Date().toISOString(), version: "5.3" });
    const parts = [header, "{}", "{}", JSON.stringify(content)];
    return { id, frames: [DELIM, this.sign(parts), ...parts] };
  }

  private parse(frames: Buffer[]): KernelMessage {
    const strings = frames.map((f) => f.toString("utf8"));
    const at = strings.indexOf(DELIM);
    const [signature, header, parent, metadata, content] = strings.slice(at + 1, at + 6);
    if (signature !== this.sign([header, parent, metadata, content])) throw new Error("a kernel message has a bad HMAC signature");
    return { header: JSON.parse(header), parent_header: JSON.parse(parent), metadata: JSON.parse(metadata), content: JSON.parse(content) };
  }

  /** Reads a socket for as long as the client lives, handing each message to onMessage. */
  private async pump(socket: zmq.Dealer | zmq.Subscriber, onMessage: (msg: KernelMessage) => void): Promise<void> {
    try {
      for await (const frames of socket) onMessage(this.parse(frames));
    } catch (e) {
      if (!this.closed) this.stderrChunks.push(`client: ${(e as Error).message}\n`);
    }
  }

  private onIopub(msg: KernelMessage): void {
    const parent = msg.parent_header.msg_id;
    if (!parent) return;
    const list = this.iopubByParent.get(parent) ?? [];
    list.push(msg);
    this.iopubByParent.set(parent, list);
    if (msg.header.msg_type === "status" && msg.content.execution_state === "idle") this.idle.get(parent)?.();
  }

  private onReply(msg: KernelMessage): void {
    const parent = msg.parent_header.msg_id;
    if (parent) this.replies.get(parent)?.(msg);
  }

  /** Sends one request on a channel and waits for its reply and for the kernel to go idle after it. */
  private async request(channel: zmq.Dealer, msgType: string, content: Record<string, unknown>, timeoutMs: number): Promise<{ reply: KernelMessage; iopub: KernelMessage[] }> {
    const { id, frames } = this.message(msgType, content);
    const idle = new Promise<void>((resolve) => this.idle.set(id, resolve));
    const reply = new Promise<KernelMessage>((resolve) => this.replies.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${msgType} reply within ${timeoutMs} ms; kernel stderr:\n${this.stderr().slice(-3000)}`)), timeoutMs);
    });
    try {
      await channel.send(frames);
      const [r] = await Promise.race([Promise.all([reply, idle]), timeout]);
      return { reply: r, iopub: this.iopubByParent.get(id) ?? [] };
    } finally {
      clearTimeout(timer);
      this.idle.delete(id);
      this.replies.delete(id);
    }
  }

  /** kernel_info until the kernel answers (the iopub subscription may also need a moment to connect). */
  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.startError) throw new Error(`the kernel could not start (${this.startError.message})`);
      if (this.process?.exitCode !== null && this.process?.exitCode !== undefined) throw new Error(`the kernel exited with code ${this.process.exitCode} before answering:\n${this.stderr()}`);
      try {
        await this.request(this.shell, "kernel_info_request", {}, 5_000);
        return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
      }
    }
  }

  async execute(code: string, timeoutMs = 300_000): Promise<ExecuteResult> {
    const { reply, iopub } = await this.request(this.shell, "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, timeoutMs);
    return { status: String(reply.content.status), outputs: iopub.filter((m) => !["status", "execute_input"].includes(m.header.msg_type)) };
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    try {
      await this.request(this.control, "shutdown_request", { restart: false }, 5_000);
    } catch {
      // the kernel may already be gone: it is killed below
    }
    this.process?.kill();
    this.shell.close();
    this.control.close();
    this.iopub.close();
    fs.rmSync(path.dirname(this.connectionFile), { recursive: true, force: true });
  }
}
