// Proves the attachment rules the adapters rely on: what planAttachments accepts or skips from
// metadata (types, sizes, counts), what checkDownloaded does with real bytes (signatures, format
// fixes, dimensions, text decoding), and the one skipped line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDownloaded, describeSkipped, isSkipped, planAttachments, type ChatAttachment } from '../../src/agent/index.js';
import { readImageInfo } from '../../src/agent/attachments/index.js';
import { gifBytes, jpegBytes, pdfBytes, pngBytes, webpBytes } from '../fakes/bedrock/sample-files.js';

const MB = 1024 * 1024;
const file = (name: string, mimeType: string, sizeBytes = 1000) => ({ name, mimeType, sizeBytes });

test('files are classified by extension and mime type into image, document, text or unsupported', () => {
  const plan = planAttachments([
    file('shot.png', 'image/png'),
    file('photo.JPG', 'application/octet-stream'),
    file('anim.gif', 'image/gif'),
    file('pic', 'image/webp'),
    file('report.pdf', 'application/pdf'),
    file('table.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
    file('notes.txt', 'text/plain'),
    file('README.md', 'text/markdown'),
    file('page.htm', 'text/html'),
    file('main.py', 'text/plain'),
    file('config.yaml', 'application/octet-stream'),
    file('server.log', 'text/plain'),
    file('Dockerfile', 'application/octet-stream'),
    file('data', 'application/json'),
    file('diagram.svg', 'image/svg+xml'),
    file('archive.zip', 'application/zip'),
    file('photo.heic', 'image/heic'),
    file('tool.exe', 'application/x-msdownload'),
  ]);
  assert.deepEqual(
    plan.accept.map((a) => `${a.index}:${a.kind}:${a.format}`),
    ['0:image:png', '1:image:jpeg', '2:image:gif', '3:image:webp', '4:document:pdf', '5:document:xlsx', '6:document:txt', '7:document:md', '8:document:html',
      '9:text:python', '10:text:yaml', '11:text:text', '12:text:dockerfile', '13:text:text', '14:text:xml'],
  );
  assert.deepEqual(plan.skipped, [
    { name: 'archive.zip', reason: 'unsupported type' },
    { name: 'photo.heic', reason: 'unsupported type' },
    { name: 'tool.exe', reason: 'unsupported type' },
  ]);
});

test('size limits: 3.75 MB an image, 4.5 MB a document, 2 MB a text file; empty files are skipped', () => {
  const plan = planAttachments([
    file('ok.png', 'image/png', 3.75 * MB),
    file('huge.png', 'image/png', 30 * MB),
    file('ok.pdf', 'application/pdf', 4.5 * MB),
    file('big.pdf', 'application/pdf', 4.5 * MB + 1),
    file('long.log', 'text/plain', 3 * MB),
    file('empty.txt', 'text/plain', 0),
  ]);
  assert.deepEqual(plan.accept.map((a) => a.index), [0, 2]);
  assert.deepEqual(plan.skipped, [
    { name: 'huge.png', reason: 'too big: 30 MB, the limit is 3.75 MB' },
    { name: 'big.pdf', reason: 'too big: 4.5 MB, the limit is 4.5 MB' },
    { name: 'long.log', reason: 'too big: 3 MB, the limit is 2 MB' },
    { name: 'empty.txt', reason: 'empty file' },
  ]);
});

test('count limits: the first 20 images and 5 documents of a message go, the rest are skipped', () => {
  const images = Array.from({ length: 25 }, (_, i) => file(`img${i + 1}.png`, 'image/png'));
  const documents = Array.from({ length: 7 }, (_, i) => file(`doc${i + 1}.pdf`, 'application/pdf'));
  const plan = planAttachments([...images, ...documents]);
  assert.equal(plan.accept.filter((a) => a.kind === 'image').length, 20);
  assert.equal(plan.accept.filter((a) => a.kind === 'document').length, 5);
  assert.deepEqual(plan.skipped.map((s) => `${s.name}: ${s.reason}`), [
    'img21.png: more than 20 images', 'img22.png: more than 20 images', 'img23.png: more than 20 images',
    'img24.png: more than 20 images', 'img25.png: more than 20 images',
    'doc6.pdf: more than 5 documents', 'doc7.pdf: more than 5 documents',
  ]);
  assert.equal(
    describeSkipped(plan.skipped),
    'Skipped 7 files: img21.png (more than 20 images), img22.png (more than 20 images), img23.png (more than 20 images), ' +
      'img24.png (more than 20 images), img25.png (more than 20 images) and 2 more.',
  );
});

test('inlined text is capped per message: files past 200 KB of text are skipped', () => {
  const plan = planAttachments([file('a.log', 'text/plain', 150 * 1024), file('b.log', 'text/plain', 150 * 1024), file('c.log', 'text/plain', 10)]);
  // a costs 100 KB (it is cut to that), b brings it to 200 KB, c finds the message full.
  assert.deepEqual(plan.accept.map((a) => a.index), [0, 1]);
  assert.deepEqual(plan.skipped, [{ name: 'c.log', reason: 'over the 200 KB of text per message' }]);
});

test('describeSkipped says it in one line, singular or plural, and defuses mentions in names', () => {
  assert.equal(describeSkipped([]), '');
  assert.equal(describeSkipped([{ name: 'big.zip', reason: 'unsupported type' }]), 'Skipped 1 file: big.zip (unsupported type).');
  assert.equal(
    describeSkipped([{ name: 'big.zip', reason: 'unsupported type' }, { name: 'huge.png', reason: 'too big: 30 MB, the limit is 3.75 MB' }]),
    'Skipped 2 files: big.zip (unsupported type), huge.png (too big: 30 MB, the limit is 3.75 MB).',
  );
  const line = describeSkipped([{ name: '<!here>@everyone\n.zip', reason: 'unsupported type' }]);
  assert.doesNotMatch(line, /[<>\n]|@everyone/);
  assert.ok(!line.includes('\n'));
  assert.ok(describeSkipped([{ name: 'x'.repeat(500), reason: 'r' }]).length < 100);
});

test('image headers: format and dimensions of PNG, JPEG, GIF and the three WebP kinds', () => {
  assert.deepEqual(readImageInfo(pngBytes(800, 600)), { format: 'png', width: 800, height: 600 });
  assert.deepEqual(readImageInfo(jpegBytes(1920, 1080)), { format: 'jpeg', width: 1920, height: 1080 });
  assert.deepEqual(readImageInfo(gifBytes(320, 200)), { format: 'gif', width: 320, height: 200 });
  assert.deepEqual(readImageInfo(webpBytes(4000, 3000, 'VP8X')), { format: 'webp', width: 4000, height: 3000 });
  assert.deepEqual(readImageInfo(webpBytes(1000, 700, 'VP8L')), { format: 'webp', width: 1000, height: 700 });
  assert.deepEqual(readImageInfo(webpBytes(640, 480, 'VP8 ')), { format: 'webp', width: 640, height: 480 });
  assert.equal(readImageInfo(new TextEncoder().encode('not an image at all')), undefined);
});

const attachment = (kind: ChatAttachment['kind'], name: string, format: string, bytes: Uint8Array): ChatAttachment => ({ kind, name, format, bytes });

test('checkDownloaded keeps a good image, fixes a format the mime type lied about, and skips fakes', () => {
  const good = attachment('image', 'a.png', 'png', pngBytes());
  assert.equal(checkDownloaded(good), good);
  const lied = checkDownloaded(attachment('image', 'photo.png', 'png', jpegBytes()));
  assert.ok(!isSkipped(lied));
  assert.equal(lied.format, 'jpeg');
  assert.deepEqual(checkDownloaded(attachment('image', 'x.png', 'png', pdfBytes())), { name: 'x.png', skipped: 'not a PNG, JPEG, GIF or WebP image' });
  assert.deepEqual(checkDownloaded(attachment('image', 'cut.png', 'png', pngBytes().subarray(0, 12))), { name: 'cut.png', skipped: 'unreadable image header' });
});

test('checkDownloaded enforces 8,000 px a side and the real byte size', () => {
  assert.ok(!isSkipped(checkDownloaded(attachment('image', 'edge.png', 'png', pngBytes(8000, 8000)))));
  assert.deepEqual(checkDownloaded(attachment('image', 'wide.png', 'png', pngBytes(9000, 100))), {
    name: 'wide.png',
    skipped: 'too large: 9000×100 px, the limit is 8000 px a side',
  });
  assert.match((checkDownloaded(attachment('image', 'tall.jpg', 'jpeg', jpegBytes(100, 12000))) as { skipped: string }).skipped, /12000 px|100×12000/);
  const heavy = pngBytes(10, 10, 4 * MB);
  assert.deepEqual(checkDownloaded(attachment('image', 'heavy.png', 'png', heavy)), { name: 'heavy.png', skipped: 'too big: 4 MB, the limit is 3.75 MB' });
  const bigPdf = new Uint8Array(5 * MB);
  bigPdf.set(pdfBytes());
  assert.deepEqual(checkDownloaded(attachment('document', 'big.pdf', 'pdf', bigPdf)), { name: 'big.pdf', skipped: 'too big: 5 MB, the limit is 4.5 MB' });
});

test('documents must carry their container signature; plain-text documents pass as they are', () => {
  assert.ok(!isSkipped(checkDownloaded(attachment('document', 'r.pdf', 'pdf', pdfBytes()))));
  assert.deepEqual(checkDownloaded(attachment('document', 'r.pdf', 'pdf', new TextEncoder().encode('<html>'))), { name: 'r.pdf', skipped: 'not a valid PDF file' });
  assert.ok(!isSkipped(checkDownloaded(attachment('document', 'd.docx', 'docx', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2])))));
  assert.ok(isSkipped(checkDownloaded(attachment('document', 'd.xls', 'xls', Uint8Array.from([0x50, 0x4b, 0x03, 0x04])))));
  assert.ok(!isSkipped(checkDownloaded(attachment('document', 'n.csv', 'csv', new TextEncoder().encode('a,b\n1,2\n')))));
  assert.deepEqual(checkDownloaded(attachment('document', 'e.pdf', 'pdf', new Uint8Array(0))), { name: 'e.pdf', skipped: 'empty file' });
});

test('text is decoded as UTF-8 (BOM dropped), binary is refused, long text is cut with a marker', () => {
  const utf8 = checkDownloaded(attachment('text', 'a.json', 'json', Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"ä":1}')])));
  assert.ok(!isSkipped(utf8));
  assert.equal(new TextDecoder().decode(utf8.bytes), '{"ä":1}');
  assert.deepEqual(checkDownloaded(attachment('text', 'x.log', 'text', Uint8Array.from([0x41, 0, 0x42]))), { name: 'x.log', skipped: 'binary file, not text' });
  const long = checkDownloaded(attachment('text', 'big.log', 'text', new TextEncoder().encode('line\n'.repeat(60_000))));
  assert.ok(!isSkipped(long));
  const text = new TextDecoder().decode(long.bytes);
  assert.ok(text.length < 100 * 1024 + 200);
  assert.match(text, /\[… truncated: the first 100 KB of 292.97 KB shown\]$/);
  const latin1 = checkDownloaded(attachment('text', 'l.txt', 'text', Uint8Array.from([0x63, 0x61, 0x66, 0xe9])));
  assert.ok(!isSkipped(latin1), 'Latin-1 still reads, with a replacement character');
});
