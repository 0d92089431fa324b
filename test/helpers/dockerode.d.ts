// The parts of dockerode 5's API the service tests call (the package ships no types).
declare module 'dockerode' {
  type Json = Record<string, unknown>;
  interface DockerOptions {
    socketPath?: string;
    host?: string;
    port?: number;
    protocol?: 'http' | 'https';
    version?: string;
    timeout?: number;
  }
  interface Image {
    name: string;
    inspect(opts?: Json): Promise<Json>;
    history(): Promise<Json[]>;
    tag(opts: { repo: string; tag?: string }): Promise<unknown>;
    remove(opts?: { force?: boolean; noprune?: boolean }): Promise<Json[]>;
    distribution(opts?: Json): Promise<Json>;
    push(opts?: Json): Promise<NodeJS.ReadableStream>;
    get(): Promise<NodeJS.ReadableStream>;
  }
  interface Modem {
    followProgress(
      stream: NodeJS.ReadableStream,
      onFinished: (err: Error | null, output: Json[]) => void,
      onProgress?: (e: Json) => void,
    ): void;
    dial(opts: Json, cb: (err: (Error & { statusCode?: number; json?: unknown }) | null, data: unknown) => void): void;
  }
  class Docker {
    constructor(opts?: DockerOptions);
    modem: Modem;
    ping(): Promise<Buffer | string>;
    version(): Promise<Json>;
    info(): Promise<Json>;
    df(opts?: Json): Promise<Json>;
    listImages(opts?: Json): Promise<Json[]>;
    getImage(name: string): Image;
    pruneImages(opts?: Json): Promise<Json>;
    searchImages(opts: Json): Promise<Json[]>;
    getEvents(opts?: Json): Promise<NodeJS.ReadableStream>;
    pull(repoTag: string, opts?: Json): Promise<NodeJS.ReadableStream>;
    loadImage(file: NodeJS.ReadableStream | string, opts?: Json): Promise<NodeJS.ReadableStream>;
    getImages(names: string[]): Promise<NodeJS.ReadableStream>;
    checkAuth(opts: Json): Promise<Json>;
  }
  export default Docker;
}
