/**
 * JSON with comments (`// …` to the end of the line, `/* … *\/`) and
 * trailing commas, as in the annotated example configs/leag.example.jsonc.
 * Comments and trailing commas outside strings are blanked with spaces, then
 * the text is read by JSON.parse, so every other rule and error of JSON still
 * holds; a position in an error is the position in the file, since nothing
 * is removed.
 */
export function parseJsonc(text: string): unknown {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let lastComma = -1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      lastComma = -1;
      i = j + 1;
    } else if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else {
      // A comma followed (past blanks and comments) by a closing bracket or brace is a trailing comma.
      if ((ch === '}' || ch === ']') && lastComma >= 0) out[lastComma] = ' ';
      if (ch === ',') lastComma = i;
      else if (!/\s/.test(ch)) lastComma = -1;
      i++;
    }
  }
  return JSON.parse(out.join(''));
}
