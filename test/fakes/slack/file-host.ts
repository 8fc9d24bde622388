// Files as Slack serves them: url_private_download needs the bot token in the Authorization header;
// without it Slack answers with a redirect to its sign-in page (another host), as the real one does.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FileSpec {
  name: string;
  mimetype: string;
  data: Buffer | string;
  /** Pretend size for the metadata only (to test "too big" without sending megabytes). */
  claimedSize?: number;
}

/** The file object a message event carries (the fields a bot reads). */
export interface SlackFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
  mode: 'hosted';
}

export interface FileDownload {
  fileId: string;
  authorized: boolean;
  at: number;
}

export class FileHost {
  readonly downloads: FileDownload[] = [];
  readonly #files = new Map<string, { file: SlackFile; data: Buffer; redirectTo?: string }>();

  constructor(
    private readonly baseUrl: string,
    private readonly teamId: string,
    private readonly botToken: () => string,
  ) {}

  add(spec: FileSpec): SlackFile {
    const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
    const data = typeof spec.data === 'string' ? Buffer.from(spec.data, 'utf8') : spec.data;
    const path = `/files-pri/${this.teamId}-${id}/download/${encodeURIComponent(spec.name)}`;
    const file: SlackFile = {
      id,
      name: spec.name,
      title: spec.name,
      mimetype: spec.mimetype,
      filetype: spec.name.split('.').pop() ?? 'binary',
      size: spec.claimedSize ?? data.byteLength,
      url_private: `${this.baseUrl}${path.replace('/download/', '/')}`,
      url_private_download: `${this.baseUrl}${path}`,
      mode: 'hosted',
    };
    this.#files.set(id, { file, data });
    return file;
  }

  /** Deletes a file, as its owner can: later downloads get 404 (long runs free what they uploaded). */
  remove(fileId: string): boolean {
    return this.#files.delete(fileId);
  }

  /** Makes the next downloads of a file redirect elsewhere (to test that a bot refuses other hosts). */
  redirect(fileId: string, location: string): void {
    const entry = this.#files.get(fileId);
    if (entry !== undefined) entry.redirectTo = location;
  }

  /** Serves /files-pri/…; returns false for other paths. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/files-pri\/[^/]+-(F[0-9A-F]+)\//.exec(url.pathname);
    if (match === null) return false;
    const entry = this.#files.get(match[1] as string);
    const authorized = req.headers.authorization === `Bearer ${this.botToken()}`;
    this.downloads.push({ fileId: match[1] as string, authorized, at: Date.now() });
    if (entry === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('file not found');
    } else if (!authorized) {
      res.writeHead(302, { location: 'https://slack.com/signin?redir=%2Ffiles-pri' }).end();
    } else if (entry.redirectTo !== undefined) {
      res.writeHead(302, { location: entry.redirectTo }).end();
    } else {
      res.writeHead(200, { 'content-type': entry.file.mimetype, 'content-length': String(entry.data.byteLength) }).end(entry.data);
    }
    return true;
  }
}
