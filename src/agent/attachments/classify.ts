/** What a file is to Converse, judged from its name and mime type only (before any download). */

export type AttachmentKind = 'image' | 'document' | 'text';
export interface Classified {
  readonly kind: AttachmentKind;
  /** Converse format for images and documents; a fence language hint for text. */
  readonly format: string;
}

const IMAGE_BY_MIME: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/pjpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
const IMAGE_BY_EXTENSION: Readonly<Record<string, string>> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', gif: 'gif', webp: 'webp' };

const DOCUMENT_BY_MIME: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/markdown': 'md',
  'text/x-markdown': 'md',
};
const DOCUMENT_BY_EXTENSION: Readonly<Record<string, string>> = {
  pdf: 'pdf', csv: 'csv', doc: 'doc', docx: 'docx', xls: 'xls', xlsx: 'xlsx', html: 'html', htm: 'html', txt: 'txt', md: 'md', markdown: 'md',
};

/** Every Converse format an image or document may carry (what classifyFile can give them). */
export const IMAGE_FORMATS: ReadonlySet<string> = new Set(Object.values(IMAGE_BY_EXTENSION));
export const DOCUMENT_FORMATS: ReadonlySet<string> = new Set(Object.values(DOCUMENT_BY_EXTENSION));

/** Source code and structured text, with the fence language the model reads best. */
const TEXT_BY_EXTENSION: Readonly<Record<string, string>> = {
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'jsx', ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'tsx',
  py: 'python', rb: 'ruby', go: 'go', rs: 'rust', java: 'java', kt: 'kotlin', kts: 'kotlin', scala: 'scala', swift: 'swift',
  c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', cs: 'csharp', m: 'objectivec', php: 'php', pl: 'perl', lua: 'lua',
  r: 'r', dart: 'dart', ex: 'elixir', exs: 'elixir', erl: 'erlang', hs: 'haskell', clj: 'clojure', vue: 'vue', svelte: 'svelte',
  sh: 'bash', bash: 'bash', zsh: 'bash', fish: 'fish', ps1: 'powershell', bat: 'bat', sql: 'sql', graphql: 'graphql', proto: 'protobuf',
  css: 'css', scss: 'scss', less: 'less', json: 'json', jsonl: 'json', ndjson: 'json', yaml: 'yaml', yml: 'yaml', toml: 'toml',
  ini: 'ini', cfg: 'ini', conf: 'text', properties: 'properties', env: 'text', xml: 'xml', svg: 'xml', plist: 'xml',
  log: 'text', out: 'text', diff: 'diff', patch: 'diff', tf: 'hcl', hcl: 'hcl', gradle: 'groovy', groovy: 'groovy',
  rst: 'rst', tex: 'latex', tsv: 'text', text: 'text',
};
/** Files known by their whole name rather than an extension. */
const TEXT_BY_NAME: Readonly<Record<string, string>> = {
  dockerfile: 'dockerfile', makefile: 'makefile', 'cmakelists.txt': 'cmake', gemfile: 'ruby', procfile: 'text', jenkinsfile: 'groovy',
};
const TEXT_MIMES = new Set([
  'application/json', 'application/ld+json', 'application/x-ndjson', 'application/xml', 'application/yaml', 'application/x-yaml',
  'application/toml', 'application/javascript', 'application/x-javascript', 'application/typescript', 'application/x-sh',
  'application/sql', 'application/x-httpd-php', 'application/graphql', 'image/svg+xml',
]);

export function extensionOf(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/**
 * Classifies by extension first where it is specific (platforms often label code as text/plain or
 * application/octet-stream), then by mime type. Undefined means Converse cannot take it.
 */
export function classifyFile(name: string, mimeType: string): Classified | undefined {
  const mime = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  const extension = extensionOf(name);
  const whole = (name.split(/[\\/]/).pop() ?? '').toLowerCase();
  const textByName = TEXT_BY_NAME[whole];
  if (textByName !== undefined) return { kind: 'text', format: textByName };
  const image = IMAGE_BY_MIME[mime] ?? IMAGE_BY_EXTENSION[extension];
  if (image !== undefined) return { kind: 'image', format: image };
  const text = TEXT_BY_EXTENSION[extension];
  if (text !== undefined) return { kind: 'text', format: text };
  const document = DOCUMENT_BY_EXTENSION[extension] ?? DOCUMENT_BY_MIME[mime];
  if (document !== undefined) return { kind: 'document', format: document };
  if (TEXT_MIMES.has(mime) || mime.startsWith('text/') || mime.endsWith('+json') || mime.endsWith('+xml')) return { kind: 'text', format: 'text' };
  return undefined;
}
