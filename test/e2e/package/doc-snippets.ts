/** One fenced code block of a Markdown page, with the label of the `<!-- snippet: name -->` comment just above it. */
export interface Snippet {
  readonly label: string | undefined;
  readonly lang: string;
  readonly code: string;
  readonly line: number;
}

export function snippetsOf(markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    // The label is among the comment lines just above the fence (test/e2e/docs has its own marker there too).
    let label: string | undefined;
    for (let j = i - 1; j >= 0 && /^<!--.*-->$/.test(lines[j]!); j--) label ??= /^<!-- snippet: ([\w-]+) -->$/.exec(lines[j]!)?.[1];
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    found.push({ label, lang: open[1] ?? '', code: `${body.join('\n')}\n`, line: start + 1 });
  }
  return found;
}

/** The commands of a ```sh block, one per line, without comments. */
export function commandsOf(snippet: Snippet): string[] {
  return snippet.code
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
