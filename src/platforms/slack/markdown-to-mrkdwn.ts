/**
 * Converts the model's Markdown to Slack mrkdwn for chat.postMessage/chat.update
 * (the native stream methods take Markdown as is). Code is left untouched.
 */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  let inFence = false;
  let table: string[] = [];
  const flushTable = () => {
    // Slack has no tables; a code block at least keeps the columns aligned.
    if (table.length > 0) out.push('```', ...table, '```');
    table = [];
  };
  for (const line of lines) {
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence !== null) {
      flushTable();
      // Slack shows a language hint as code, so drop it.
      out.push(inFence ? line.trimEnd() : line.replace(/^(\s*)(```|~~~)\s*[\w+#.-]*\s*$/, '$1```'));
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      out.push(line);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line)) {
      if (!/^\s*\|[\s:|-]+\|\s*$/.test(line)) table.push(line.trim());
      continue;
    }
    flushTable();
    out.push(convertLine(line));
  }
  flushTable();
  return out.join('\n');
}

function convertLine(line: string): string {
  if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) return '──────────';
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  // A heading is already bold; bold inside it would close it early.
  if (heading !== null) return `*${convertInline((heading[1] ?? '').replace(/(\*\*|__)(.+?)\1/g, '$2'))}*`;
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet !== null) {
    const depth = Math.floor((bullet[1] ?? '').length / 2);
    return `${'    '.repeat(depth)}${depth === 0 ? '•' : '◦'} ${convertInline(bullet[2] ?? '')}`;
  }
  const quote = /^(\s*>+\s?)(.*)$/.exec(line);
  if (quote !== null) return `>${convertInline(quote[2] ?? '')}`;
  return convertInline(line);
}

/** Converts inline markup outside `code spans`. */
function convertInline(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part, index) => (index % 2 === 1 ? part : convertPlain(part)))
    .join('');
}

function convertPlain(text: string): string {
  const placeholders: string[] = [];
  const hold = (value: string) => `\uE000${placeholders.push(value) - 1}\uE000`;
  let s = escapeControlCharacters(text);
  // Links and images first, so their text and URL are not reformatted.
  s = s.replace(/!?\[([^\]]*)\]\((\S+?)(?:\s+"[^"]*")?\)/g, (_m, label: string, url: string) =>
    hold(label.trim() === '' ? `<${url}>` : `<${url}|${label.replace(/[|>]/g, '')}>`),
  );
  s = s.replace(/\*\*\*(.+?)\*\*\*/g, (_m, inner: string) => hold(`*_${inner}_*`));
  s = s.replace(/(\*\*|__)(.+?)\1/g, (_m, _marker, inner: string) => hold(`*${inner}*`));
  s = s.replace(/(^|[^\w*])\*(?!\s)([^*]+?)\*(?!\w)/g, (_m, before: string, inner: string) => `${before}${hold(`_${inner}_`)}`);
  s = s.replace(/~~(.+?)~~/g, (_m, inner: string) => hold(`~${inner}~`));
  return s.replace(/\uE000(\d+)\uE000/g, (_m, index: string) => placeholders[Number(index)] ?? '');
}

/** Slack reads &, < and > as markup; plain text must escape them. */
function escapeControlCharacters(text: string): string {
  return text.replace(/&(?!(?:amp|lt|gt);)/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
